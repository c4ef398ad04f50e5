// postclone guard: this job runs only on "acme".
answer = ["acme"].indexOf(String(gs.getProperty('instance_name', '') || '').replace(/^\s+|\s+$/g, '').toLowerCase()) >= 0;
