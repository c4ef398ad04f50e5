"""Issue 17, part 3: record rules ([[environments.<env>.records]]) set fields on the records an encoded
query matches, every field checked on the instance first, proven by running the generated script in
the simulator."""

import pytest

from generator import config
from generator.errors import ConfigError
from generator.records import query_fields
from tests.conftest import (
    ENGINES,
    EXAMPLE,
    assert_config_error,
    engine_or_skip,
    example_data,
    run_postclone,
    small_config,
)

DATA = example_data()
CFG = config.load(EXAMPLE)


def run(instance, mode="apply", cfg=CFG, data=None, **kw):
    return run_postclone(cfg, instance, mode, data, **kw)


def groups(state):
    return {g["name"]: (g["email"], g["active"]) for g in state["sys_user_group"]}


def messages(step):
    return [line["message"] for line in step.logs]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_test_environment_empties_the_groups_distribution_lists(engine):
    engine_or_skip(engine)
    report = run("acmetest", engine=engine, keep_state=True)
    assert report.ok, report.to_text()
    assert groups(report.state) == {"UAT Testers": ("", "true"), "Training participants": ("", "true"),
                                    "Service Desk": ("", "true"), "HR Integrations": ("", "true")}
    step = report.step("records")
    assert (step.changed, step.kept, step.failed) == (2, 0, "none")
    assert messages(step) == [
        "postclone: test records: sys_user_group emailISNOTEMPTY: matched 2, 2 to change",
        'postclone: test records: sys_user_group "Service Desk": email: "servicedesk@acme.example" -> ""',
        'postclone: test records: sys_user_group "HR Integrations": email: "hr-integrations@acme.example" -> ""',
        "postclone: test records: changed 2, kept 0, failed: none",
    ]
    assert "postclone: test verify: records: pass" in messages(report.step("verify"))


def test_a_second_run_writes_nothing_and_preview_predicts_the_first():
    preview = run("acmetest", "preview")
    assert preview.ok and preview.changes == [] and preview.step("records").changed == 2
    first = run("acmetest", keep_state=True)
    second = run("acmetest", data=first.state)
    assert second.ok and second.changes == []
    assert "postclone: test records: sys_user_group emailISNOTEMPTY: matched 0, 0 to change" in \
        messages(second.step("records"))


def test_an_environment_without_rules_skips_the_step():
    report = run("acmedev")
    step = report.step("records")
    assert (step.changed, step.writes, step.failed) == (0, 0, "none")
    assert "postclone: dev records: skipped: no record rules" in messages(step)


def rules_config(tmp_path, *rules):
    return config.load(small_config(tmp_path, "environments.dev.records", *rules))


SERVICE_DESK = 'table = "sys_user_group"\nquery = "name=Service Desk"\nset = { active = "false" }'


@pytest.mark.parametrize("engine", ENGINES)
def test_a_boolean_and_a_kept_record(tmp_path, engine):
    engine_or_skip(engine)
    cfg = rules_config(tmp_path, SERVICE_DESK,
                       'table = "sys_user_group"\nquery = "name=UAT Testers^ORname=Training participants"\n'
                       'set = { email = "" }')
    report = run("dev1", cfg=cfg, engine=engine, keep_state=True)
    step = report.step("records")
    assert (step.changed, step.kept, step.failed) == (1, 2, "none")  # both matched groups had no email already
    assert groups(report.state)["Service Desk"] == ("servicedesk@acme.example", "false")
    again = run("dev1", cfg=cfg, engine=engine, data=report.state)
    assert again.step("records").changed == 0 and list(again.step("records").changes) == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rule,why", [
    ('table = "sys_user_group"\nquery = "emialISNOTEMPTY"\nset = { email = "" }',
     "sys_user_group has no field emial: nothing changed"),
    ('table = "sys_user_group"\nquery = "name=Service Desk^ORemial=x"\nset = { email = "" }',
     "sys_user_group has no field emial: nothing changed"),
    ('table = "sys_user_group"\nquery = "name=Service Desk^NQemial=x"\nset = { email = "" }',
     "sys_user_group has no field emial: nothing changed"),
    ('table = "sys_user_group"\nquery = "name=Service Desk^ORDERBYemial"\nset = { email = "" }',
     "sys_user_group has no field emial: nothing changed"),
    ('table = "sys_user_group"\nquery = "name=Service Desk"\nset = { manager = "x" }',
     "sys_user_group has no field manager: nothing changed"),
    ('table = "sys_email_account"\nquery = "active=true"\nset = { active = "false" }',
     "table sys_email_account does not exist here: nothing changed"),
    ('table = "sys_user_group"\nquery = "active=true"\nset = { email = "" }\nmax = 3',
     "sys_user_group active=true matches more than 3 records (max): nothing changed"),
])
def test_a_rule_that_cannot_be_applied_safely_changes_nothing(tmp_path, engine, rule, why):
    """The first rule could be applied; the second cannot, so neither is."""
    engine_or_skip(engine)
    report = run("dev1", cfg=rules_config(tmp_path, SERVICE_DESK, rule), engine=engine, keep_state=True)
    step = report.step("records")
    assert step.failed == why
    assert step.writes == 0 and list(step.changes) == []
    assert groups(report.state) == groups(DATA)
    assert report.step("verify").failed.startswith("records: ") and not report.ok
    assert report.step("jobs").failed == "none" and report.step("jobs").changed > 0  # the other steps ran


def test_a_save_the_instance_refuses_fails_the_step_and_verify(tmp_path):
    cfg = rules_config(tmp_path, SERVICE_DESK)
    report = run("dev1", cfg=cfg, refuse_updates=("sys_user_group",), keep_state=True)
    step = report.step("records")
    assert step.failed == 'sys_user_group "Service Desk" was not saved (a business rule may have stopped it)'
    assert groups(report.state) == groups(DATA)
    assert report.step("verify").failed == "records: 1 records still differ from their rule"
    assert not report.ok


@pytest.mark.parametrize("engine", ENGINES)
def test_values_are_data(tmp_path, engine):
    engine_or_skip(engine)
    value = "a'); gs.setProperty('x', 'y'); //\\\" </script> ${x} \\\\n"
    cfg = rules_config(tmp_path, f'table = "sys_user_group"\nquery = "name=Service Desk"\nset = {{ email = "{value}" }}')
    wanted = cfg.environments[0].records[0].values[0][1]
    assert "'" in wanted and '"' in wanted and "\\" in wanted
    report = run("dev1", cfg=cfg, engine=engine, keep_state=True)
    assert report.step("records").failed == "none"
    assert groups(report.state)["Service Desk"][0] == wanted
    assert [r["name"] for r in report.state["sys_properties"] if r["name"] == "x"] == []


def test_production_and_unknown_instances_get_no_write(tmp_path):
    cfg = rules_config(tmp_path, SERVICE_DESK)
    for instance in ("acme", "acmeqa"):
        report = run(instance, "cleanup", cfg=cfg)
        assert report.ops == [] and report.changes == []


def test_the_query_s_fields_are_every_field_it_names():
    assert query_fields("active=true^nameSTARTSWITHa^ORemailISEMPTY^NQsys_id!=x^ORDERBYDESCname^EQ") == \
        (["active", "email", "name", "sys_id"], "")
    assert query_fields("nameINa,b^rolesNOT INx^ORdescriptionNOT LIKEy") == (["description", "name", "roles"], "")
    assert query_fields("user.active=true")[1].startswith("has a term postclone cannot check, 'user.active=true'")


@pytest.mark.parametrize("rule,message", [
    ('table = "sys_user_group"\nquery = "assigned_to=javascript:gs.getUserID()"\nset = { email = "" }',
     "records[0].query: holds a javascript: value, which the instance runs as a script"),
    ('table = "sys_user_group"\nquery = "manager.active=true"\nset = { email = "" }',
     "records[0].query: has a term postclone cannot check, 'manager.active=true'"),
    ('table = "sys_user_group"\nquery = "sys_updated_onONToday@javascript:gs.beginningOfToday()@javascript:gs.endOfToday()"\nset = { email = "" }',
     "records[0].query: holds a javascript: value"),
    ('table = "sys_user_group"\nquery = "nameBETWEENa@b"\nset = { email = "" }',
     "records[0].query: has a term postclone cannot check, 'nameBETWEENa@b'"),
    ('table = "sys_user_group"\nquery = "^EQ"\nset = { email = "" }',
     "records[0].query: selects every record of the table: give a condition"),
    ('table = "sys_user_group"\nquery = "name=a^^b"\nset = { email = "" }', "records[0].query: holds '^^'"),
    ('table = "sys_user_group"\nquery = ""\nset = { email = "" }', "records[0].query: must not be empty"),
    ('table = "sys_user_group"\nquery = "active=true"\nset = {}', "records[0].set: names no field"),
    ('table = "sys_user_group"\nquery = "active=true"\nset = { sys_updated_by = "x" }',
     "records[0].set.sys_updated_by: is a system field"),
    ('table = "sys_user"\nquery = "active=true"\nset = { locked_out = "false" }',
     "records[0].set.locked_out: is set by the users step; configure it there"),
    ('table = "http_connection"\nquery = "active=true"\nset = { connection_url = "https://x/" }',
     "records[0].set.connection_url: is set by the endpoints step"),
    ('table = "sys_user"\nquery = "user_name=x"\nset = { user_password = "hunter2" }',
     "records[0].set.user_password: names a secret"),
    ('table = "sys_user_group"\nquery = "active=true"\nset = { email = "javascript:gs.getUserName()" }',
     "records[0].set.email: starts with javascript: values are data, never code"),
    ('table = "sys_properties"\nquery = "name=x"\nset = { value = "y" }',
     "records[0].table: 'sys_properties': system properties are set with [environments.<env>.properties]"),
    ('table = "Groups"\nquery = "name=x"\nset = { email = "" }', "records[0].table: 'Groups' is not a table name"),
    ('table = "sys_user_group"\nquery = "name=x"\nset = { "Email" = "" }', "records[0].set.Email: 'Email' is not a "
     "field name"),
    ('table = "sys_user_group"\nquery = "name=x"\nset = { email = 3 }', "records[0].set.email: must be a string"),
    ('table = "sys_user_group"\nquery = "name=x"\nset = { email = "" }\nmax = 0', "records[0].max: must be between"),
    ('table = "sys_user_group"\nquery = "name=x"\nset = { email = "" }\nlimit = 3', "records[0].limit: unknown key"),
])
def test_bad_rules_are_one_line_naming_the_key(tmp_path, rule, message):
    assert_config_error(small_config(tmp_path, "environments.dev.records", rule), f"environments.dev.{message}")


def test_two_rules_on_one_field_are_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"records\[1\]\.set: sets email of sys_user_group, as an earlier rule "
                                          r"does"):
        rules_config(tmp_path, 'table = "sys_user_group"\nquery = "name=a"\nset = { email = "" }',
                     'table = "sys_user_group"\nquery = "name=b"\nset = { email = "x@y.example", active = "true" }')

