// postclone guard: this job runs only on "acmedev".
answer = ["acmedev"].indexOf(String(gs.getProperty('instance_name', '') || '').replace(/^\s+|\s+$/g, '').toLowerCase()) >= 0;
