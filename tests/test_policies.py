"""Policies (issue 13), proven by running the generated scripts in the simulator on the example's fixture,
which holds the customer's jobs (package Global, the company's x_acme_ application) beside the platform's
(a plugin's package) and store applications' (sn_grc, a vendor's x_vndr_ application)."""

from __future__ import annotations

import copy

import pytest

from tests.conftest import ENGINES, engine_or_skip
from tests.test_postclone_script import DATA, PLATFORM_JOBS, example_with, run, users_by_name

JOB_TABLES = ("sysauto_script", "sysauto_report", "sysauto_template", "scheduled_import_set")
# The example's dev policy, line by line, as the tests vary it.
STOP = 'stop = "customer"'
TABLES = 'stop_tables = ["sysauto_report", "scheduled_import_set", "discovery_schedule"]'
KEEP = 'keep = ["Clean up expired sessions"]'
SHIPPED = {"Nightly HR sync", "Refresh test data", "Purge training sandbox", "Ping HR endpoint", "Rebuild search index"}
# Active on production and not shipped: what the clone carries.
CARRIED = {"Clean up expired sessions", "Nightly finance export", "Quarterly licence report", "Sync room bookings",
           "Weekly open incidents report", "Daily SLA breach digest", "Create monthly checklist", "HR feed",
           "ACME AD user import",
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
    assert 'scheduled_import_set: would stop "ACME AD user import", "HR feed"' in lines
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
    assert failed == ('stopped but still scheduled (their Schedule Item [sys_trigger] rows remain): "ACME AD user '
                      'import", "Create monthly '
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


# ------------------------------------------------------------------ LDAP

@pytest.mark.parametrize("engine", ENGINES)
def test_ldap_off_turns_the_servers_off_and_names_the_kept_users_who_sign_in_through_ldap(engine):
    engine_or_skip(engine)
    report = run("acmedev", "apply", engine=engine, keep_state=True)
    assert report.ok, report.to_text()
    assert all(s["active"] == "false" for s in report.state["ldap_server_config"])
    assert ('3 active users sign in through LDAP and cannot log in once its servers are off; among those who keep '
            'access: "jane.admin" (give them a local login, or use ldap.mode = "logins")') in notes(report, "ldap")


def test_without_locking_users_the_ldap_note_counts_them(tmp_path):
    cfg = example_with(tmp_path, ("[environments.dev.users]\nlock = true", "[environments.dev.users]\nlock = false"))
    lines = notes(run("acmedev", "apply", cfg=cfg), "ldap")
    assert "3 active users sign in through LDAP and cannot log in once its servers are off" in lines


@pytest.mark.parametrize("engine", ENGINES)
def test_ldap_logins_keeps_the_servers_and_stops_listeners_and_ldap_imports(engine):
    engine_or_skip(engine)
    report = run("acmetest", "apply", engine=engine, keep_state=True)
    assert report.ok, report.to_text()
    servers = {s["name"]: (s["active"], s["listener"]) for s in report.state["ldap_server_config"]}
    assert servers == {"ACME Corporate AD": ("true", "false"), "ACME Partner LDAP": ("true", "false"),
                       "Legacy LDAP": ("false", "false")}
    imports = {j["name"]: j["active"] for j in report.state["scheduled_import_set"]}
    assert imports == {"ACME AD user import": "false", "HR feed": "false"}  # the LDAP one by the ldap step
    assert not any(j["scheduled"] for j in report.jobs if j["name"] == "ACME AD user import")
    lines = [line["message"].split(" test ldap: ", 1)[1] for line in report.step("ldap").logs]
    assert 'LDAP servers stay active for sign-in (ldap.mode = "logins"): "ACME Corporate AD", "ACME Partner LDAP"' in lines
    assert 'stopped scheduled LDAP imports "ACME AD user import"' in lines
    assert 'stopped the listener of "ACME Corporate AD"' in lines
    # the tester who signs in through LDAP keeps access and can still sign in
    anna = users_by_name(report.state)["uat.anna"]
    assert anna["source"].startswith("ldap:") and anna["locked_out"] == "false"
    again = run("acmetest", "apply", data=report.state, engine=engine)
    assert again.ok and not again.step("ldap").writes and again.step("ldap").changed == 0, again.to_text()


def test_ldap_logins_without_a_listener_field_changes_nothing():
    data = copy.deepcopy(DATA)
    for row in data["ldap_server_config"]:
        row.pop("listener")
    report = run("acmetest", "apply", data=data, keep_state=True)
    assert report.step("ldap").failed == "ldap_server_config has no field listener: nothing changed"
    assert {j["name"]: j["active"] for j in report.state["scheduled_import_set"]}["ACME AD user import"] == "false"
    assert "ldap: cannot check" in report.step("verify").failed  # the jobs step still stopped the import


# ------------------------------------------------------------------ users

def test_integration_accounts_are_locked_by_default_and_named():
    report = run("acmedev", "apply", keep_state=True)
    assert report.ok, report.to_text()
    assert ('integration accounts, which carry production\'s credentials (users.integration_users = "lock"): '
            '"fay.agent" (OAuth credential; locked), "mid.server.acme" (internal integration user; kept), '
            '"svc.integration.hr" (web service access only; kept)') in notes(report, "users")
    assert users_by_name(report.state)["fay.agent"]["locked_out"] == "true"


def test_integration_users_keep_keeps_them(tmp_path):
    cfg = example_with(tmp_path, ('integration_users = "lock"', 'integration_users = "keep"'))
    report = run("acmedev", "apply", cfg=cfg, keep_state=True)
    assert report.ok, report.to_text()
    assert users_by_name(report.state)["fay.agent"]["locked_out"] == "false"
    assert '"fay.agent" (OAuth credential; kept)' in notes(report, "users")[0]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_shipped_job_runs_as_its_user_found_by_name_who_is_never_locked_out(engine):
    engine_or_skip(engine)
    report = run("acmetest", "apply", engine=engine, keep_state=True)
    assert report.ok, report.to_text()
    users = users_by_name(report.state)
    job = next(j for j in report.state["sysauto_script"] if j["name"] == "Refresh test data")
    assert job["run_as"] == users["svc.integration.hr"]["sys_id"]
    assert users["svc.integration.hr"]["locked_out"] == "false"
    again = run("acmetest", "apply", data=report.state, engine=engine)
    assert again.ok and again.step("jobs").changed == 0, again.to_text()


def test_a_shipped_job_whose_run_as_user_is_missing_is_not_scheduled_and_nobody_is_locked():
    data = copy.deepcopy(DATA)
    data["sys_user"] = [u for u in data["sys_user"] if u["user_name"] != "svc.integration.hr"]
    report = run("acmetest", "apply", data=data, keep_state=True)
    assert report.step("jobs").failed == ('shipped jobs whose run_as user is not on this instance, so this script '
                                          'does not schedule them: "Refresh test data" (run_as "svc.integration.hr")')
    assert not any(j["scheduled"] for j in report.jobs if j["name"] == "Refresh test data")
    assert report.step("users").failed.startswith('keep entries that match nobody: jobs[].run_as "svc.integration.hr"')
    assert all(u["locked_out"] != "true" or u["user_name"] == "hal.locked" for u in report.state["sys_user"])


def test_install_on_production_sets_run_as_and_does_not_schedule_a_job_whose_user_is_missing():
    from tests.test_postclone_script import install

    data = copy.deepcopy(DATA)
    data["sys_user"] = [u for u in data["sys_user"] if u["user_name"] != "svc.integration.hr"]
    report = install(data=data)
    assert report.step("jobs").failed.startswith("shipped jobs whose run_as user is not on this instance")
    assert not any(j["scheduled"] for j in report.jobs if j["name"] == "Refresh test data")
    assert all(j["scheduled"] for j in report.jobs if j["name"] in SHIPPED - {"Refresh test data"})
