// postclone guard: this job runs only on "acmetrain".
answer = ["acmetrain"].indexOf(String(gs.getProperty('instance_name', '') || '').replace(/^\s+|\s+$/g, '').toLowerCase()) >= 0;
