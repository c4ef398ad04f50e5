"""Behaviour of the generated post-clone scripts, proven by running them in the simulator."""

import json
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import config, plan
from generator.render import render, render_postclone
from generator.simulator.run import simulate
from tests.conftest import (
    ENGINES,
    EXAMPLE,
    GOLDEN,
    ROOT,
    engine_or_skip,
    example_data,
    run_postclone,
    write_config,
)

CFG = config.load(EXAMPLE)
DATA = example_data()


def run(instance, mode="cleanup", data=None, cfg=CFG, **kw):
    return run_postclone(cfg, instance, mode, data, **kw)


def users_by_name(state):
    return {u["user_name"]: u for u in state["sys_user"]}


# ------------------------------------------------------------------ the guard

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("instance,why", [
    ("acme", '"acme" is a production instance'),
    ("", "instance_name is empty"),
    ("   ", "instance_name is empty"),
    ("acmeqa", '"acmeqa" is not listed under any environment'),
])
@pytest.mark.parametrize("mode", ["cleanup", "apply", "preview"])
def test_guard_writes_nothing_and_says_why(engine, instance, why, mode):
    engine_or_skip(engine)
    report = run(instance, mode, engine=engine)
    assert report.ops == [] and report.changes == []
    assert [(line["level"], line["source"]) for line in report.logs] == [("error", "postclone")]
    assert why in report.logs[0]["message"]


def test_guard_matches_after_trim_and_lower_case():
    report = run("  ACMEDEV  ")
    assert report.ok and report.changes
    assert run(" ACME ").changes == []


def test_guard_survives_a_throwing_property_read():
    script = render_postclone(plan.make(CFG), "cleanup")
    report = simulate("gs.getProperty = function () { throw new Error('no db'); };\n" + script, DATA, "acmedev")
    assert report.error is None and report.ops == []
    assert report.logs[0]["message"].startswith("postclone: nothing done: cannot read instance_name")


names = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)


@st.composite
def configs(draw):
    all_names = draw(st.lists(names, min_size=3, max_size=8, unique=True))
    prod_n = draw(st.integers(1, len(all_names) - 2))
    production, rest = all_names[:prod_n], all_names[prod_n:]
    envs, i = [], 0
    while i < len(rest) - 1:
        n = draw(st.integers(1, len(rest) - 1 - i))
        envs.append(rest[i:i + n])
        i += n
    unknown = rest[i:]  # at least one name listed nowhere
    purposes = draw(st.lists(st.sampled_from(config.PURPOSES), min_size=len(envs), max_size=len(envs)))
    text = "[update_set]\nname = \"H\"\nversion = \"1\"\n[instances]\nproduction = %s\n" % json.dumps(production)
    for k, (inst, purpose) in enumerate(zip(envs, purposes, strict=True)):
        text += "[environments.e%d]\ninstances = %s\npurpose = \"%s\"\n" % (k, json.dumps(inst), purpose)
        mode = draw(st.sampled_from(["off", "redirect", "on"]))
        text += "[environments.e%d.email]\nmode = \"%s\"\n" % (k, mode)
        if mode == "redirect":
            text += "redirect_to = \"x@y.example\"\n"
    target = draw(st.sampled_from(production + unknown + ["", " "]))
    return text, target


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(configs(), st.sampled_from(["cleanup", "apply", "preview"]))
def test_production_unknown_and_empty_never_get_a_write(tmp_path, case, mode):
    text, target = case
    cfg = config.load(write_config(tmp_path, text))
    report = simulate(render_postclone(plan.make(cfg), mode), DATA, target)
    assert report.error is None
    assert report.ops == [] and report.changes == []


# ------------------------------------------------------------------ each purpose does its policy

def props(state):
    return {p["name"]: p.get("value", "") for p in state["sys_properties"]}


@pytest.mark.parametrize("engine", ENGINES)
def test_development_policy(engine):
    engine_or_skip(engine)
    report = run("acmedev", "apply", engine=engine, keep_state=True)
    assert report.ok, report.to_text()
    p = props(report.state)
    assert p["glide.email.smtp.active"] == "false" and p["glide.email.read.active"] == "false"
    assert p["glide.product.description"] == "DEV — cloned from production"
    assert p["css.$navpage-header-bg"] == "#2E7D32"
    assert {m["type"] for m in report.state["sys_email"] if m["sys_id"]} == {"send-ignored", "sent", "received"}
    assert all(r["active"] == "false" for r in report.state["ldap_server_config"])
    jobs = {j["name"]: j["active"] for t in ("sysauto_script", "sysauto_report", "sysauto_template",
                                              "scheduled_import_set") for j in report.state[t]}
    shipped = {"Nightly HR sync": "true", "Refresh test data": "true", "Purge training sandbox": "true",
               "Ping HR endpoint": "true", "One-off data fix": "false", "Rebuild search index": "true"}
    # the default policy: the customer's jobs stop (package Global, or the company's x_acme_ application),
    # and every scheduled report and import whoever made it; the platform's and store apps' jobs run on
    assert jobs == {"Clean up expired sessions": "true", "Nightly finance export": "false",
                    "Retired archive job": "false", "Weekly open incidents report": "false", "HR feed": "false",
                    "Create monthly checklist": "false", "Quarterly licence report": "false",
                    "Sync room bookings": "false", "Daily SLA breach digest": "false", "ACME AD user import": "false",
                    **PLATFORM_JOBS, **shipped}
    # the scheduler: the stopped jobs lost their schedule rows, the kept job and the platform's rows
    # stayed, and every active shipped job (imported, so unscheduled) was saved and got one
    scheduled = {j["name"] for j in report.jobs if j["scheduled"]}
    assert scheduled == {"Clean up expired sessions", *PLATFORM_JOBS} | {n for n, a in shipped.items() if a == "true"}
    assert all(j["scheduled"] == j["active"] for j in report.jobs)
    assert "SMTP Sender" in {t["name"] for t in report.state["sys_trigger"]}
    users = users_by_name(report.state)
    unlocked = sorted(n for n, u in users.items() if u["active"] == "true" and u["locked_out"] != "true")
    assert unlocked == ["admin", "jane.admin", "mid.server.acme", "svc.integration.hr"]
    assert users["ida.gone"]["locked_out"] == "false"  # inactive users are left alone
    att = report.attachments[0]
    assert att["table_sys_id"] == plan.make(CFG).scripts["apply"].sys_id
    locked_ids = {line.split()[0] for line in att["content"].splitlines()}
    assert locked_ids == {u["sys_id"] for n, u in users.items()
                          if n in ("uat.anna", "uat.ben", "trainee.carl", "trainee.dora", "emil.agent",
                                   "fay.agent", "gus.requester", "temp.jo")}
    home = [h for h in report.state["sys_home"] if h["sys_id"] == plan.make(CFG).owned["welcome"].sys_id]
    assert home and home[0]["active"] == "true" and "DEV" in home[0]["text"]
    banner = report.state["sys_ux_banner_announcement"]
    assert [b["heading"] for b in banner] == ["DEV — cloned from production"] and banner[0]["start"]


# The fixture's active jobs that a plugin or a store application installed: the default policy leaves them.
PLATFORM_JOBS = {"Prune Search Suggestions": "true", "Refresh currency rates": "true",
                 "Vendor licence heartbeat": "true", "Generate knowledge review tasks": "true"}


def test_test_policy_redirects_mail_and_keeps_uat_testers():
    report = run("acmetest", "apply", keep_state=True)
    assert report.ok, report.to_text()
    p = props(report.state)
    assert p["glide.email.smtp.active"] == "true" and p["glide.email.read.active"] == "false"
    assert p["glide.email.test.user"] == "servicenow-test-mail@acme.example"
    assert p["glide.email.server"] == "smtp.acme.example"  # production's legacy value, not ours to change
    assert not any("password" in name for name in p)
    users = users_by_name(report.state)
    unlocked = sorted(n for n, u in users.items() if u["active"] == "true" and u["locked_out"] != "true")
    # svc.integration.hr: the run_as user of "Refresh test data", which runs on acmetest
    assert unlocked == ["admin", "jane.admin", "mid.server.acme", "svc.integration.hr", "uat.anna", "uat.ben"]
    jobs = [j for t in ("sysauto_script", "sysauto_report", "sysauto_template") for j in report.state[t]
            if j["active"] == "true"]
    assert sorted(j["name"] for j in jobs) == sorted([  # shipped and guarded, or the platform's
        "Nightly HR sync", "Ping HR endpoint", "Purge training sandbox", "Rebuild search index", "Refresh test data",
        *PLATFORM_JOBS])


def test_training_policy_keeps_participants_and_leaves_outbox():
    report = run("acmetrain", "apply", keep_state=True)
    assert report.ok, report.to_text()
    users = users_by_name(report.state)
    unlocked = sorted(n for n, u in users.items() if u["active"] == "true" and u["locked_out"] != "true")
    assert unlocked == ["admin", "jane.admin", "mid.server.acme", "trainee.carl", "trainee.dora"]
    assert [m["type"] for m in report.state["sys_email"]] == [m["type"] for m in DATA["sys_email"]]
    assert "mid_servers" in [s.name for s in report.steps]
    assert any("skipped: mid_servers.check = false" in line["message"] for line in report.logs)


@pytest.mark.parametrize("instance", ["acmedev", "acmetest", "acmetrain"])
def test_golden_reports(instance, update_golden):
    """What each example environment's cleanup script changes on the fixture, for reviewers."""
    text = run(instance).to_text() + "\n"
    path = GOLDEN / "reports" / f"{instance}.txt"
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), "regenerate with pytest --update-golden and review"


# ------------------------------------------------------------------ safety properties

def test_running_user_and_mid_server_users_are_never_locked_whatever_the_config(tmp_path):
    text = ("[update_set]\nname = \"T\"\nversion = \"1\"\n[instances]\nproduction = [\"acme\"]\n"
            "[environments.x]\ninstances = [\"acmedev\"]\npurpose = \"training\"\n"
            "[environments.x.users]\nkeep_roles = []\n")
    cfg = config.load(write_config(tmp_path, text))
    data = {**DATA, "sys_script_fix": [{"sys_id": plan.make(cfg).scripts["apply"].sys_id, "name": "postclone apply t"}]}
    report = run("acmedev", "apply", cfg=cfg, data=data, user="emil.agent", keep_state=True)
    assert report.ok, report.to_text()
    users = users_by_name(report.state)
    unlocked = sorted(n for n, u in users.items() if u["active"] == "true" and u["locked_out"] != "true")
    assert unlocked == ["emil.agent", "mid.server.acme"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_failing_step_is_reported_and_the_others_still_run(engine):
    engine_or_skip(engine)
    report = run("acmedev", "apply", throw_on={"ldap_server_config": "database unavailable"}, engine=engine,
                 keep_state=True)
    assert report.error is None  # nothing escaped the script
    assert report.failed_steps == ["ldap", "verify"]
    assert "failed: database unavailable" in report.step("ldap").summary
    assert report.step("users").changed == 8 and report.step("jobs").changed == 13  # 8 stopped, 5 scheduled
    assert report.logs[-1]["message"].endswith("failed steps: ldap, verify")
    assert report.logs[-1]["level"] == "error"


def test_every_step_failing_still_ends_cleanly():
    tables = ["sys_properties", "sys_email", "sys_home", "sys_ux_banner_announcement", "ldap_server_config",
              "sysauto", "sysauto_script", "sys_user_has_role", "sys_user", "ecc_agent", "sys_script_fix"]
    report = run("acmedev", "apply", throw_on={t: "boom" for t in tables})
    assert report.error is None and report.changes == []
    assert report.failed_steps == ["email", "welcome", "ldap", "jobs", "users", "mid_servers", "login_safety", "verify"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("instance", ["acmedev", "acmetest", "acmetrain"])
def test_second_run_writes_nothing(engine, instance):
    engine_or_skip(engine)
    first = run(instance, "apply", engine=engine, keep_state=True)
    assert first.ok and first.write_ops
    second = run(instance, "apply", data=first.state, engine=engine)
    assert second.ok, second.to_text()
    assert second.write_ops == [] and second.changes == []
    assert all(s.changed == 0 for s in second.steps if s.summary)


@pytest.mark.parametrize("instance", ["acmedev", "acmetest", "acmetrain"])
def test_preview_writes_nothing_and_predicts_apply(instance):
    preview = run(instance, "preview")
    assert preview.ok and preview.write_ops == [] and preview.changes == []
    apply = run(instance, "apply")
    predicted = {s.name: s.changed for s in preview.steps if s.summary}
    made = {s.name: s.changed for s in apply.steps if s.summary and s.name != "verify"}
    assert predicted == made
    # and the counts are what really changed, record by record
    for s in apply.steps:
        if s.summary and s.name not in ("verify", "mid_servers"):
            records = [c for c in s.changes if c["table"] != "sys_attachment" and c.get("by") != "scheduler"]
            saved = [line for line in s.logs if "saved shipped job" in line["message"]  # a save, no field change
                     and "run as" not in line["message"]]
            assert len(records) + len(saved) == s.changed, s.name


def test_no_global_variables_leak():
    report = simulate(render_postclone(plan.make(CFG), "apply") +
                      "\ngs.log(typeof CONFIG + ' ' + typeof env + ' ' + typeof step + ' ' + typeof instance);",
                      DATA, "acmedev")
    assert report.logs[-1]["message"] == "undefined undefined undefined undefined"


def test_every_step_uses_a_bounded_number_of_operations():
    """Database operations per step do not grow with users or jobs (the users step: at most 40)."""
    from generator.simulator.synthetic import large

    per_size = []
    for users, jobs in ((500, 40), (3000, 400)):
        report = run("acmetest", "apply", data=large(users=users, jobs=jobs))
        assert report.ok, report.to_text()
        per_size.append({s.name: s.queries + s.writes for s in report.steps})
    assert per_size[0] == per_size[1]
    assert per_size[0]["users"] <= 40


def test_all_three_scripts_share_one_body():
    scripts = {s.filename: s.text for s in render(plan.make(CFG))}
    bodies = {name: text.split("(function (MODE) {", 1)[1].rsplit("})(", 1)[0]
              for name, text in scripts.items() if name in ("postclone-cleanup.js", "postclone-apply.js",
                                                             "postclone-preview.js")}
    assert len(bodies) == 3 and len(set(bodies.values())) == 1


# ------------------------------------------------------------------ fail closed (fidelity issue)

def example_with(tmp_path, *replacements):
    """The example configuration, in a copy of its folder, with each (old, new) replaced once."""
    shutil.copytree(ROOT / "examples" / "acme", tmp_path / "acme", ignore=shutil.ignore_patterns("instance"))
    path = tmp_path / "acme" / "postclone.toml"
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return config.load(path)


TEST_USERS = '[environments.test.users]\nkeep_roles = ["admin"]\nkeep_groups = ["UAT Testers"]'
KEEP_TYPOS = [
    ("keep_roles", '["admin"]', '["admin", "uat_testr"]', 'keep_roles "uat_testr"'),
    ("keep_groups", '["UAT Testers"]', '["UAT Tester"]', 'keep_groups "UAT Tester"'),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("key,old,new,named", KEEP_TYPOS, ids=[k[0] for k in KEEP_TYPOS])
@pytest.mark.parametrize("mode", ["apply", "preview"])
def test_a_keep_entry_that_matches_nobody_locks_nobody(tmp_path, engine, key, old, new, named, mode):
    engine_or_skip(engine)
    cfg = example_with(tmp_path, (TEST_USERS, TEST_USERS.replace(f"{key} = {old}", f"{key} = {new}")))
    report = run("acmetest", mode, cfg=cfg, engine=engine)
    users = report.step("users")
    assert users.failed.startswith(f"keep entries that match nobody: {named}; nobody was locked out"), users.summary
    assert [c for c in report.changes if c["table"] == "sys_user"] == []
    assert users.writes == 0 and not report.ok


@pytest.mark.parametrize("old,new,named", [
    ('keep_users = ["mid.server.acme", "svc.integration.hr"]', 'keep_users = ["mid.server.acme", "jane.admn"]',
     'keep_users "jane.admn"'),
    ('users = ["mid.server.acme"]', 'users = ["mid.server.acm"]', 'mid_servers.users "mid.server.acm"'),
])
def test_a_keep_user_or_mid_server_user_that_does_not_exist_locks_nobody(tmp_path, old, new, named):
    report = run("acmedev", "apply", cfg=example_with(tmp_path, (old, new)))
    assert report.step("users").failed.startswith(f"keep entries that match nobody: {named}")
    assert [c for c in report.changes if c["table"] == "sys_user"] == []


def test_keep_entries_match_without_regard_to_case(tmp_path):
    cfg = example_with(tmp_path, ('keep_groups = ["UAT Testers"]', 'keep_groups = ["uat testers"]'),
                       ('keep_users = ["mid.server.acme", "svc.integration.hr"]',
                        'keep_users = ["MID.Server.ACME", "svc.integration.hr"]'))
    for instance in ("acmetest", "acmedev"):
        assert run(instance, "apply", cfg=cfg).step("users").summary == run(instance, "apply").step("users").summary


def without_field(table, field):
    data = {t: [dict(r) for r in rows] for t, rows in DATA.items()}
    for row in data[table]:
        row.pop(field, None)
    return data


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("table,field,step,named", [
    ("sys_user", "locked_out", "users", "sys_user"),
    ("ldap_server_config", "active", "ldap", "ldap_server_config"),
    ("sysauto_report", "active", "jobs", "sysauto"),  # a parent has only the fields all its children have
    ("sys_email", "type", "email", "sys_email"),
])
def test_a_bulk_update_on_a_field_the_table_lacks_changes_nothing(engine, table, field, step, named):
    """Without the check the query term is dropped and the update widens to the whole table; the
    simulator would show it (a warning) and a real instance would do it (c_GlideRecordAPI.md)."""
    engine_or_skip(engine)
    report = run("acmetest", "apply", data=without_field(table, field), engine=engine)
    s = report.step(step)
    assert f"{named} has no field {field}: nothing changed" in s.failed, s.summary
    assert [c for c in report.changes if c["table"] == table] == []
    assert report.warnings == []  # no query ever widened
    others = [x.name for x in report.steps if x.failed != "none"]
    assert set(others) <= {step, "verify"}


def test_a_failure_outside_every_step_fails_the_run(tmp_path):
    """The script stops ("stopped by an unexpected error") without throwing: simulate must still fail."""
    script = "gs.getSession = function () { throw new Error('no session'); };\n" + \
        render_postclone(plan.make(CFG), "apply")
    report = simulate(script, DATA, "acmedev")
    assert report.error is None and report.changes == []
    assert report.stopped == "postclone: stopped by an unexpected error: Error: no session"
    assert not report.ok and "the script stopped: " in report.to_text()
    assert report.to_json()["ok"] is False


def test_the_record_of_locked_users_is_complete_at_100000_users():
    from generator.simulator.synthetic import large

    data = large(users=100_000, jobs=100)
    report = run("acmetest", "apply", data=data)
    assert report.ok, report.to_text()[-2000:]
    locked = {c["sys_id"] for c in report.changes if c["table"] == "sys_user" and c["fields"].get("locked_out", ["", ""])[1] == "true"}
    recorded = [line.split()[0] for line in report.attachments[0]["content"].splitlines()]
    assert len(locked) > 90_000 and len(recorded) == len(set(recorded)) == len(locked)
    assert set(recorded) == locked


@pytest.mark.parametrize("engine", ENGINES)
def test_when_the_record_cannot_be_attached_the_sys_ids_go_to_the_log_in_chunks(engine):
    engine_or_skip(engine)
    report = run("acmedev", "apply", throw_on={"sys_attachment": "attachments are read-only"}, engine=engine)
    users = report.step("users")
    assert users.failed == ("could not attach postclone-locked-users-acmedev-20260101000000.txt (attachments are "
                            "read-only); the sys_ids of the locked users are in the system log instead (1 lines "
                            "\"locked users n/1\")")
    assert users.changed == 8  # the lockout itself stands
    chunk = next(line["message"] for line in users.logs if "locked users 1/1: " in line["message"])
    assert len(chunk.split(": ", 2)[2].split(", ")) == 8


def property_changes(report, name):
    return [(c["seq"], c["fields"]["value"][1]) for c in report.changes
            if c["table"] == "sys_properties" and c["name"] == name]


@pytest.mark.parametrize("engine", ENGINES)
def test_with_redirect_sending_is_switched_on_last_after_the_address_and_the_purge(engine):
    engine_or_skip(engine)
    report = run("acmetest", "apply", engine=engine)
    smtp = property_changes(report, "glide.email.smtp.active")
    address = property_changes(report, "glide.email.test.user")
    purge = [c["seq"] for c in report.changes if c["table"] == "sys_email"]
    assert [v for _, v in smtp] == ["false", "true"]  # production had it on: off while the work is done
    assert smtp[0][0] < address[0][0] < min(purge) <= max(purge) < smtp[1][0]
    assert report.step("email").failed == "none"


@pytest.mark.parametrize("engine", ENGINES)
def test_if_any_part_of_the_email_step_fails_sending_stays_off(engine):
    engine_or_skip(engine)
    report = run("acmetest", "apply", throw_on={"sys_email": "sys_email is down"}, engine=engine, keep_state=True)
    email = report.step("email")
    assert "sys_email is down" in email.failed
    assert props(report.state)["glide.email.smtp.active"] == "false"


def test_a_second_redirect_run_leaves_sending_on_and_writes_nothing():
    first = run("acmetest", "apply", keep_state=True)
    second = run("acmetest", "apply", data=first.state)
    assert second.step("email").changed == 0 and property_changes(second, "glide.email.smtp.active") == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("instance", ["acmedev", "acmetest", "acmetrain"])
def test_the_next_experience_banner_displays_after_the_script(engine, instance):
    engine_or_skip(engine)
    report = run(instance, "apply", engine=engine)
    assert report.ok, report.to_text()
    assert [b["displays"] for b in report.banners] == [True]


def test_without_the_unified_navigation_config_the_welcome_step_fails_and_says_so():
    data = {**DATA, "sys_ux_banner_announcement_config": []}
    report = run("acmedev", "apply", data=data)
    assert report.step("welcome").failed == ('announcement config "Unified Navigation" not found: the banner '
                                             "would not display")
    assert "the banner is not mapped" in report.step("verify").failed
    assert [b["displays"] for b in report.banners] == [False]


# ------------------------------------------------------------------ the install fix script

def install(instance="acme", mode="install", data=None, cfg=CFG, engine="v8", **kw):
    from generator.render import render_install

    return simulate(render_install(plan.make(cfg), "preview" if mode == "preview" else "install"),
                    DATA if data is None else data, instance, script_name="postclone-install.js", engine=engine,
                    keep_state=True, **kw)


@pytest.mark.parametrize("engine", ENGINES)
def test_install_on_production_schedules_the_shipped_jobs_and_fills_the_clone_profiles_and_nothing_else(engine):
    engine_or_skip(engine)
    report = install(engine=engine)
    assert report.ok, report.to_text()
    active_shipped = {p.sys_id for j, p in plan.make(CFG).jobs if j.active}
    assert {(o["op"], o["table"]) for o in report.write_ops} == {("update", "sysauto_script"),
                                                                  ("insert", "clone_profile_cleanup_scripts_list"),
                                                                  ("insert", "clone_profile_preservers")}
    assert {o["sys_id"] for o in report.write_ops if o["table"] == "sysauto_script"} == active_shipped
    # the one field it changes on a job: run_as of the job that names one, looked up by user_name
    hr = next(u for u in report.state["sys_user"] if u["user_name"] == "svc.integration.hr")
    assert [(c["name"], c["fields"]) for c in report.changes
            if c.get("by") != "scheduler" and not c["table"].startswith("clone_profile_")] == [
        ("Refresh test data", {"run_as": ["", hr["sys_id"]]})]
    assert all(j["scheduled"] for j in report.jobs if j["sys_id"] in active_shipped)
    rows = [r for r in report.state["clone_profile_cleanup_scripts_list"]
            if r["cleanup_script"] == plan.make(CFG).scripts["cleanup"].sys_id]
    assert [(r["clone_profile"], r["active"]) for r in rows] == [("6a7b8c9d0e1f20314253647586970a1b", "true")]
    again = install(data=report.state, engine=engine)
    assert again.ok and again.write_ops == [] and again.changes == []
    assert [s.changed for s in again.steps if s.summary] == [0, 0, 0]


def test_install_preview_writes_nothing_and_predicts_the_install():
    preview, done = install(mode="preview"), install()
    assert preview.ok and preview.write_ops == [] and preview.changes == []
    assert [s.changed for s in preview.steps if s.summary] == [s.changed for s in done.steps if s.summary] == [5, 1, 2]


@pytest.mark.parametrize("instance", ["acmedev", "acmetest", "", "elsewhere"])
def test_install_does_nothing_but_on_production(instance):
    report = install(instance)
    assert report.ops == [] and report.changes == []
    assert report.logs[0]["level"] == "error" and "nothing done" in report.logs[0]["message"]


def test_install_fails_loudly_for_a_clone_profile_or_a_job_it_cannot_find(tmp_path):
    cfg = example_with(tmp_path, ('clone_profiles = ["ACME full clone"]', 'clone_profiles = ["ACME ful clone"]'))
    data = {**DATA, "sysauto_script": [j for j in DATA["sysauto_script"] if j["name"] != "Rebuild search index"]}
    report = install(cfg=cfg, data=data)
    assert report.step("clone_profiles").failed == 'clone profile "ACME ful clone" not found'
    assert report.step("jobs").failed.startswith("shipped jobs not on this instance: ")
    assert not report.ok and [o for o in report.write_ops if o["table"] == "clone_profile_cleanup_scripts_list"] == []


def test_the_post_clone_script_schedules_a_shipped_job_the_clone_left_unscheduled():
    report = run("acmetest", "apply")
    waiting = {p.sys_id for j, p in plan.make(CFG).jobs if j.active}
    assert {j["sys_id"] for j in report.jobs if j["scheduled"]} >= waiting
    assert "verify" not in report.failed_steps
    second = run("acmetest", "apply", data=run("acmetest", "apply", keep_state=True).state)
    assert second.write_ops == [] and second.step("jobs").changed == 0
