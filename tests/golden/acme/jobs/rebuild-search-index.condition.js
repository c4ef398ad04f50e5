// postclone guard: this job runs only on "acmedev, acmedev2, acmetest".
answer = ["acmedev", "acmedev2", "acmetest"].indexOf(String(gs.getProperty('instance_name', '') || '').replace(/^\s+|\s+$/g, '').toLowerCase()) >= 0;
