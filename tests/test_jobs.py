"""Instance-guarded scheduled jobs: guards proven in the simulator, schedule fields, audit."""

import json

import pytest
from lxml import etree

from generator import config, plan
from generator.pipeline import assemble
from generator.review.audit import audit_jobs
from generator.simulator.exports import load_data
from generator.simulator.run import simulate
from tests.conftest import EPOCH, EXAMPLE, MINIMAL, ROOT, run_cli, update_set_file, write_config

FIXTURE = ROOT / "examples" / "acme" / "instance"
CFG = config.load(EXAMPLE)
BUILD = assemble(CFG, epoch=EPOCH)
DATA = load_data(FIXTURE)
ALL_INSTANCES = ["acme", "acmedev", "acmedev2", "acmetest", "acmetrain", "elsewhere", ""]


def job_records():
    root = etree.fromstring(BUILD.files[update_set_file(BUILD.files)].encode())
    out = {}
    for row in root.findall("sys_update_xml"):
        rec = etree.fromstring(row.findtext("payload").encode())[0]
        if rec.tag == "sysauto_script":
            out[rec.findtext("name")] = {c.tag: (c.text or "") for c in rec}
    return out


@pytest.mark.parametrize("job", CFG.jobs, ids=lambda j: j.key)
@pytest.mark.parametrize("instance", ALL_INSTANCES)
def test_script_body_runs_only_on_run_on(job, instance):
    report = simulate(BUILD.files[f"jobs/{job.key}.js"], DATA, instance)
    assert report.error is None, report.error
    body_ran = bool(report.ops or report.events or
                    any(not line["message"].startswith("postclone: job ") for line in report.logs))
    assert body_ran == (instance in job.run_on), report.to_text()
    if instance not in job.run_on:
        assert report.ops == [] and report.changes == []
        assert report.logs[0]["message"].startswith(f"postclone: job {json.dumps(job.name)} skipped")


@pytest.mark.parametrize("job", CFG.jobs, ids=lambda j: j.key)
@pytest.mark.parametrize("instance", ALL_INSTANCES)
def test_condition_is_true_only_on_run_on(job, instance):
    condition = BUILD.files[f"jobs/{job.key}.condition.js"]
    report = simulate(condition + "gs.log(String(answer));\n", DATA, instance)
    assert report.logs[-1]["message"] == ("true" if instance in job.run_on else "false")
    assert report.ops == []


def test_job_records_carry_the_guard_and_schedule():
    jobs = job_records()
    assert set(jobs) == {j.name for j in CFG.jobs}
    for job in CFG.jobs:
        rec = jobs[job.name]
        assert rec["conditional"] == "true" and rec["condition"] == BUILD.files[f"jobs/{job.key}.condition.js"]
        assert rec["script"] == BUILD.files[f"jobs/{job.key}.js"]
        assert rec["sys_id"] == plan.make(CFG).job(job).sys_id and rec["sys_class_name"] == "sysauto_script"
        assert rec["run_type"] == job.run and rec["active"] == ("true" if job.active else "false")
    hr = jobs["Nightly HR sync"]
    assert (hr["run_time"], hr["time_zone"]) == ("1970-01-01 01:00:00", "Europe/Berlin")  # 02:00 CET is 01:00 UTC
    weekly = jobs["Refresh test data"]
    assert (weekly["run_time"], weekly["run_dayofweek"]) == ("1970-01-01 04:30:00", "7")  # sunday
    assert jobs["Purge training sandbox"]["run_dayofmonth"] == "1"
    periodic = jobs["Ping HR endpoint"]
    assert (periodic["run_period"], periodic["run_start"]) == ("1970-01-01 01:00:00", "2026-01-01 00:00:00")
    once = jobs["One-off data fix"]
    assert (once["run_start"], once["active"]) == ("2026-12-01 06:00:00", "false")
    assert jobs["Rebuild search index"]["run_type"] == "on_demand"


def test_body_is_the_users_file_unchanged():
    for job in CFG.jobs:
        assert job.script.rstrip("\n") in BUILD.files[f"jobs/{job.key}.js"]


def test_renaming_a_job_with_a_key_keeps_its_sys_id(tmp_path):
    text = MINIMAL + "[[jobs]]\nname = \"%s\"\nkey = \"sync\"\nrun_on = [\"prod\"]\nscript = \"j.js\"\n"
    path = write_config(tmp_path, text % "Old name", {"j.js": "gs.log('x');\n"})
    before = plan.make(config.load(path)).jobs[0][1].sys_id
    path.write_text(text % "New name")
    assert plan.make(config.load(path)).jobs[0][1].sys_id == before


def test_multi_day_interval_is_a_duration(tmp_path):
    text = MINIMAL + ("[[jobs]]\nname = \"J\"\nrun_on = [\"prod\"]\nscript = \"j.js\"\nrun = \"periodically\"\n"
                      "interval = \"2 06:00:00\"\n")
    build = assemble(config.load(write_config(tmp_path, text, {"j.js": "gs.log('x');\n"})), epoch=0)
    assert "&lt;run_period&gt;1970-01-03 06:00:00&lt;/run_period&gt;" in build.files[update_set_file(build.files)]


# The fixture's active scripted jobs from production that do not read instance_name: the customer's and
# the platform's alike (the audit looks at every scripted job).
UNGUARDED = ["Clean up expired sessions", "Nightly finance export", "Prune Search Suggestions", "Refresh currency rates",
             "Sync room bookings", "Vendor licence heartbeat"]


def test_audit_finds_the_unguarded_jobs_of_the_fixture():
    findings, examined = audit_jobs(DATA)
    assert examined == 12  # 8 carried from production, 4 shipped by this update set (guarded)
    assert [f.name for f in findings] == UNGUARDED


def test_audit_accepts_a_guard_in_script_or_used_condition_only():
    jobs = {"sysauto_script": [
        {"sys_id": "1", "name": "a", "active": "true", "script": "if (gs.getProperty('instance_name') == 'p') {}"},
        {"sys_id": "2", "name": "b", "active": "true", "script": "x();", "conditional": "true",
         "condition": 'gs.getProperty("instance_name") == "p"'},
        {"sys_id": "3", "name": "c", "active": "true", "script": "x();", "conditional": "false",
         "condition": 'gs.getProperty("instance_name") == "p"'},
        {"sys_id": "4", "name": "d", "active": "true", "script": "// instance_name is checked elsewhere\nx();"},
        {"sys_id": "5", "name": "e", "active": "false", "script": "x();"},
    ]}
    findings, examined = audit_jobs(jobs)
    assert examined == 4 and [f.name for f in findings] == ["c", "d"]
    assert "conditional is false" in findings[0].reason


def test_audit_cli_exit_codes():
    r = run_cli("audit-jobs", "--data", FIXTURE, "--json")
    assert r.returncode == 1
    assert [f["name"] for f in json.loads(r.stdout)["unguarded"]] == UNGUARDED
    # an export with no scripted job is not a jobs export: an error, not "all 0 jobs check instance_name"
    r = run_cli("audit-jobs", "--data", FIXTURE / "sysauto_report.xml")
    assert r.returncode == 2 and "holds no sysauto_script records (sysauto_report)" in r.stderr
