"""Policies (issue 13), proven by running the generated scripts in the simulator on the example's fixture,
which holds the customer's jobs (package Global, the company's x_acme_ application) beside the platform's
(a plugin's package) and store applications' (sn_grc, a vendor's x_vndr_ application)."""

from __future__ import annotations

import copy

import pytest

from tests.conftest import ENGINES, engine_or_skip
from tests.test_postclone_script import DATA, PLATFORM_JOBS, example_with, run

JOB_TABLES = ("sysauto_script", "sysauto_report", "sysauto_template", "scheduled_import_set")
# The example's dev policy, line by line, as the tests vary it.
STOP = 'stop = "customer"'
TABLES = 'stop_tables = ["sysauto_report", "scheduled_import_set", "discovery_schedule"]'
KEEP = 'keep = ["Clean up expired sessions"]'
SHIPPED = {"Nightly HR sync", "Refresh test data", "Purge training sandbox", "Ping HR endpoint", "Rebuild search index"}
# Active on production and not shipped: what the clone carries.
CARRIED = {"Clean up expired sessions", "Nightly finance export", "Quarterly licence report", "Sync room bookings",
           "Weekly open incidents report", "Daily SLA breach digest", "Create monthly checklist", "HR feed",
           *PLATFORM_JOBS}


def active_jobs(report):
    return {j["name"] for t in JOB_TABLES for j in report.state[t] if j["active"] == "true"}


def notes(report, step="jobs"):
    return [line["message"].split(f" dev {step}: ", 1)[1] for line in report.step(step).logs]


def with_property(name, value):
    data = copy.deepcopy(DATA)
    rows = [p for p in data["sys_properties"] if p["name"] != name]
    if value is not None:
        rows.append({"sys_id": "f" * 32, "name": name, "value": value, "type": "string"})
    data["sys_properties"] = rows
    return data


@pytest.mark.parametrize("engine", ENGINES)
def test_the_default_policy_stops_the_customers_jobs_and_every_report_and_import(engine):
    engine_or_skip(engine)
    report = run("acmedev", "apply", engine=engine, keep_state=True)
    assert report.ok, report.to_text()
    # what stays active: the kept job, the shipped ones and the platform's; nothing else
    assert active_jobs(report) == {"Clean up expired sessions", *SHIPPED, *PLATFORM_JOBS}
    # stopped jobs lost their schedule rows; the platform's kept theirs
    assert all(j["scheduled"] == j["active"] for j in report.jobs)
    assert {j["name"] for j in report.jobs if j["scheduled"]} >= set(PLATFORM_JOBS)
    # a second run stops nothing and writes nothing
    again = run("acmedev", "apply", data=report.state, engine=engine)
    assert again.ok and again.step("jobs").writes == 0 and again.step("jobs").changed == 0, again.to_text()


def test_preview_lists_per_family_what_stops_and_what_the_platform_keeps_and_writes_nothing():
    report = run("acmedev", "preview")
    assert report.ok and not report.write_ops, report.to_text()
    lines = notes(report)
    assert 'sysauto_script: would stop "Nightly finance export", "Quarterly licence report", "Sync room bookings"; ' \
           'left running (platform or store application): "Prune Search Suggestions", "Refresh currency rates", ' \
           '"Vendor licence heartbeat"' in lines
    assert 'sysauto_report: would stop "Daily SLA breach digest", "Weekly open incidents report"' in lines
    assert 'sysauto_template: would stop "Create monthly checklist"; left running (platform or store application): ' \
           '"Generate knowledge review tasks"' in lines
    assert 'scheduled_import_set: would stop "HR feed"' in lines
    assert 'stop_tables not on this instance (nothing to stop there): "discovery_schedule"' in lines
    assert 'kept (scheduled_jobs.keep): "Clean up expired sessions"' in lines


def test_jobs_that_call_integrations_are_named_whatever_the_policy_does_with_them(tmp_path):
    expected = ('jobs from production that call integrations: "Nightly finance export" (REST; stopped), '
                '"Refresh currency rates" (REST; left running), "Sync room bookings" (SOAP; stopped), '
                '"Vendor licence heartbeat" (MID server; left running)')
    assert expected in notes(run("acmedev", "apply"))
    cfg = example_with(tmp_path, (KEEP, 'keep = ["Nightly finance export"]'))
    lines = notes(run("acmedev", "apply", cfg=cfg))
    assert expected.replace("export\" (REST; stopped)", "export\" (REST; kept)") in lines


@pytest.mark.parametrize("engine", ENGINES)
def test_stop_all_stops_every_active_job_but_the_shipped_and_kept_ones(tmp_path, engine):
    engine_or_skip(engine)
    cfg = example_with(tmp_path, (STOP, 'stop = "all"'), (TABLES, ""))
    report = run("acmedev", "apply", cfg=cfg, engine=engine, keep_state=True)
    assert report.ok, report.to_text()
    assert active_jobs(report) == {"Clean up expired sessions", *SHIPPED}
    assert report.step("jobs").changed == 5 + len(CARRIED) - 1  # 5 shipped scheduled, all carried but the kept one


def test_without_stop_tables_the_platforms_reports_run_on_and_the_customers_still_stop(tmp_path):
    cfg = example_with(tmp_path, (TABLES, "stop_tables = []"))
    report = run("acmedev", "apply", cfg=cfg, keep_state=True)
    assert report.ok, report.to_text()
    assert active_jobs(report) == {"Clean up expired sessions", "Daily SLA breach digest", *SHIPPED, *PLATFORM_JOBS}


def test_the_company_code_decides_which_scoped_applications_are_the_customers():
    # without the property, the x_acme_ application's job is not recognisably the customer's: it runs on
    report = run("acmedev", "apply", data=with_property("glide.appcreator.company.code", None), keep_state=True)
    assert report.ok, report.to_text()
    assert "Sync room bookings" in active_jobs(report)
    # an unusable code stops nothing and says why
    report = run("acmedev", "apply", data=with_property("glide.appcreator.company.code", "ac^me"), keep_state=True)
    assert report.step("jobs").failed.startswith('glide.appcreator.company.code "ac^me" is not a company code')
    assert report.step("jobs").writes == 5  # only the shipped jobs' saves
    assert active_jobs(report) >= CARRIED
    assert "jobs: cannot check" in report.step("verify").failed


def test_a_keep_entry_that_matches_no_job_stops_nothing(tmp_path):
    cfg = example_with(tmp_path, (KEEP, KEEP.replace("Clean up expired sessions", "Clean up expired sesions")))
    report = run("acmedev", "apply", cfg=cfg, keep_state=True)
    assert report.step("jobs").failed == ('keep entries that match no job: "Clean up expired sesions"; no job was '
                                          'stopped (correct the configuration or the instance, then run again)')
    assert active_jobs(report) >= CARRIED


def test_a_stop_table_that_is_not_on_the_instance_fails_the_step_and_the_rest_still_stops(tmp_path):
    cfg = example_with(tmp_path, (TABLES, 'stop_tables = ["sysauto_reprot"]'))
    report = run("acmedev", "apply", cfg=cfg, keep_state=True)
    assert report.step("jobs").failed == 'stop_tables entries that are not tables on this instance: "sysauto_reprot"'
    assert "Nightly finance export" not in active_jobs(report)


def test_a_stopped_job_that_keeps_its_schedule_row_fails_the_step_and_verify():
    report = run("acmedev", "apply", stale_schedules=True)
    failed = report.step("jobs").failed
    assert failed == ('stopped but still scheduled (their Schedule Item [sys_trigger] rows remain): "Create monthly '
                      'checklist", "Daily SLA breach digest", "HR feed", "Nightly finance export", "Quarterly licence '
                      'report", "Sync room bookings", "Weekly open incidents report"')
    assert "still has a schedule row" in report.step("verify").failed and not report.ok


def test_a_snapshot_without_package_columns_stops_nothing():
    data = copy.deepcopy(DATA)
    for t in JOB_TABLES:
        for row in data[t]:
            row.pop("sys_package", None)
    report = run("acmedev", "apply", data=data, keep_state=True)
    assert "has no field sys_package" in report.step("jobs").failed
    assert active_jobs(report) >= CARRIED


def test_stop_tables_with_stop_all_is_refused(tmp_path):
    from generator.errors import ConfigError

    with pytest.raises(ConfigError, match=r"scheduled_jobs\.stop_tables: only applies when stop = \"customer\""):
        example_with(tmp_path, (STOP, 'stop = "all"'))
