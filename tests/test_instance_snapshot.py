"""`postclone snapshot OUT --from URL --config CFG` against the local Table API server (issue 16, parts
3 and 4): the tables and fields come from running the config's scripts, sys_user holds only the
fields they read, the output is the list-export layout simulate reads, and every failure is one line,
exit 2, with nothing written."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest

from generator import config
from generator.simulator.exports import load_data
from generator.simulator.reads import SYS_USER_ALWAYS, tables_read
from tests.conftest import EXAMPLE, ROOT, run_cli
from tests.table_api_server import TableAPI

FIXTURE_DIR = ROOT / "examples" / "acme" / "instance"
FIXTURE = load_data(FIXTURE_DIR)
AUTH = "Basic " + base64.b64encode(b"svc.reader:s3cret-pw").decode()
CREDS = {"SN_USER": "svc.reader", "SN_PASSWORD": "s3cret-pw"}
READS = tables_read(config.load(EXAMPLE))


def snapshot(api: TableAPI, out, *extra, env=CREDS):
    return run_cli("snapshot", out, "--from", api.url, "--config", EXAMPLE, "--timeout", "0.5", *extra,
                   env={k: "" for k in ("SN_USER", "SN_PASSWORD", "SN_TOKEN")} | env)


def test_the_tables_and_fields_come_from_running_the_scripts():
    assert {"sys_user", "sys_user_has_role", "sys_properties", "sysauto_script", "sys_trigger",
            "clone_profile_cleanup_scripts_list"} <= set(READS)
    assert "sysauto" not in READS  # a parent table: its children are read instead
    # sys_user: no names, e-mail or phone, since no step reads them
    assert set(READS["sys_user"]) == {"active", "internal_integration_user", "locked_out", "source",
                                      "web_service_access_only", *SYS_USER_ALWAYS}


def test_a_snapshot_read_through_the_table_api_simulates_exactly_like_the_fixture(tmp_path):
    with TableAPI(FIXTURE, AUTH) as api:
        r = snapshot(api, tmp_path / "snap")
        methods = api.methods
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"read {len(set(READS) & set(FIXTURE))} tables (")
    assert "not on this instance: discovery_schedule, scheduled_data_import, sysauto_pa, sysauto_query" in r.stdout
    assert methods == {"GET"}
    manifest = json.loads((tmp_path / "snap" / "snapshot.manifest.json").read_text())
    assert manifest["tables"]["sys_user"] == {"fields": READS["sys_user"], "query": "", "rows": 14}
    users = load_data(tmp_path / "snap")["sys_user"]
    assert all(set(u) == set(READS["sys_user"]) for u in users)  # nothing else of production's users
    # what simulate sees: the fixture's rows in the Table API's order (sys_id), sys_user's fields limited
    # to those read
    reduced = {t: sorted(([{f: u.get(f, "") for f in READS["sys_user"]} for u in rows] if t == "sys_user" else rows),
                         key=lambda row: row["sys_id"])
               for t, rows in FIXTURE.items() if t in READS}
    for instance in ("acmedev", "acmetest", "acmetrain", "acme"):
        via_api = json.loads(run_cli("simulate", EXAMPLE, "--instance", instance, "--data", tmp_path / "snap",
                                     "--json").stdout)
        (tmp_path / "reduced.json").write_text(json.dumps(reduced))
        direct = json.loads(run_cli("simulate", EXAMPLE, "--instance", instance, "--data", tmp_path / "reduced.json",
                                    "--json").stdout)
        for report in (via_api, direct):
            report.pop("seconds")
        assert via_api == direct, instance
        full = json.loads(run_cli("simulate", EXAMPLE, "--instance", instance, "--data", FIXTURE_DIR, "--json").stdout)
        assert [s["summary"] for s in via_api["steps"]] == [s["summary"] for s in full["steps"]], instance
        assert via_api["totals"] == full["totals"] and via_api["ok"] == full["ok"], instance


def test_a_table_asked_for_by_name_with_a_query(tmp_path):
    with TableAPI(FIXTURE, AUTH) as api:
        r = snapshot(api, tmp_path / "snap", "--table", "sys_package:source=global")
    assert r.returncode == 0, r.stderr
    assert load_data(tmp_path / "snap" / "sys_package.xml")["sys_package"] == [
        {"name": "Global", "source": "global", "sys_id": "global"}]
    manifest = json.loads((tmp_path / "snap" / "snapshot.manifest.json").read_text())
    assert manifest["tables"]["sys_package"] == {"fields": "all", "query": "source=global", "rows": 1}


def _nothing_written(tmp_path) -> bool:
    return not (tmp_path / "snap").exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".postclone-")]


@pytest.mark.parametrize("case,setup,message", [
    ("no credentials", {"env": {}}, "no credentials: set SN_USER and SN_PASSWORD, or SN_TOKEN"),
    ("401", {"auth": "Basic nope"}, "sys_user: HTTP 401: the instance did not accept the credentials"),
    ("403", {"forbidden": "sys_user_has_role"}, "sys_user_has_role: HTTP 403: the user may not read sys_user_has_role"),
    ("404 on sys_user", {"drop_table": "sys_user"}, "sys_user: HTTP 404: no table sys_user"),
    ("500 every time", {"faults": [("status", 500, {})] * 20}, "HTTP 500, 5 attempts; nothing was written"),
    ("hangs", {"faults": [("hang", 2)] * 5}, "no answer within 0.5 s, 5 attempts; nothing was written"),
])
def test_each_failure_is_one_line_exit_2_and_nothing_is_written(tmp_path, case, setup, message):
    data = {k: v for k, v in FIXTURE.items() if k != setup.get("drop_table")}
    with TableAPI(data, setup.get("auth", AUTH), forbidden=frozenset({setup.get("forbidden", "")})) as api:
        api.faults = list(setup.get("faults", []))
        r = snapshot(api, tmp_path / "snap", env=setup.get("env", CREDS))
    assert r.returncode == 2, r.stdout
    assert r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
    assert "s3cret" not in r.stderr + r.stdout
    assert _nothing_written(tmp_path)


def test_a_retried_429_still_gives_the_whole_snapshot(tmp_path):
    with TableAPI(FIXTURE, AUTH) as api:
        api.faults = [("status", 429, {"Retry-After": "1"}), ("drop",)]
        r = snapshot(api, tmp_path / "snap")
    assert r.returncode == 0, r.stderr
    assert len(load_data(tmp_path / "snap")["sys_user"]) == 14


@pytest.mark.parametrize("url,message", [
    ("http://acme.example.com", "HTTPS is required"),
    ("https://me:pw@acme.service-now.com", "the URL holds a user name or password"),
])
def test_bad_urls_are_refused_before_anything_is_sent(tmp_path, url, message):
    r = run_cli("snapshot", tmp_path / "snap", "--from", url, "--config", EXAMPLE, env=CREDS)
    assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1
    assert _nothing_written(tmp_path)


def test_a_disk_that_fills_ends_in_one_line_and_nothing_half_written(tmp_path):
    """The snapshot runs with a file-size limit (RLIMIT_FSIZE), so its first large write fails."""
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (600, 600)); from generator.cli import main; main()")
    with TableAPI(FIXTURE, AUTH) as api:
        r = subprocess.run([sys.executable, "-c", code, "snapshot", str(tmp_path / "snap"), "--from", api.url,
                            "--config", str(EXAMPLE)], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, **CREDS, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"postclone: error: {tmp_path / 'snap'}: cannot write the snapshot: ")
    assert r.stderr.endswith("; nothing was written\n") and r.stderr.count("\n") == 1
    assert _nothing_written(tmp_path)


def test_from_needs_config_and_synthetic_options_do_not_apply(tmp_path):
    r = run_cli("snapshot", tmp_path / "snap", "--from", "https://acme.service-now.com", env=CREDS)
    assert r.returncode == 2 and "--from needs --config" in r.stderr
    r = run_cli("snapshot", tmp_path / "snap", "--from", "https://acme.service-now.com", "--config", EXAMPLE,
                "--users", "5", env=CREDS)
    assert r.returncode == 2 and "--users, --jobs and --force apply only to a synthetic snapshot" in r.stderr
    r = run_cli("snapshot", tmp_path / "snap", "--table", "incident")
    assert r.returncode == 2 and "--config and --table apply only with --from URL" in r.stderr
