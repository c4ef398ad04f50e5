// postclone guard: this job runs only on "acmetest".
answer = ["acmetest"].indexOf(String(gs.getProperty('instance_name', '') || '').replace(/^\s+|\s+$/g, '').toLowerCase()) >= 0;
