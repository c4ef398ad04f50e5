"""Issue 17, part 1: outbound endpoints rewritten or switched off per environment, and what still points
at production listed, proven by running the generated script in the simulator."""

import pytest

from generator import config
from generator.errors import ConfigError
from tests.conftest import ENGINES, EXAMPLE, engine_or_skip, example_data, run_cli, run_postclone, small_config

DATA = example_data()
CFG = config.load(EXAMPLE)


def run(instance, mode="apply", cfg=CFG, data=None, **kw):
    return run_postclone(cfg, instance, mode, data, **kw)


def endpoints(state):
    out = {}
    for table, field in (("sys_rest_message", "rest_endpoint"), ("sys_rest_message_fn", "rest_endpoint"),
                         ("sys_soap_message_function", "soap_endpoint"), ("http_connection", "connection_url")):
        for rec in state[table]:
            out[(table, rec.get("name") or rec.get("function_name"))] = (rec[field], rec.get("active"))
    return out


@pytest.mark.parametrize("engine", ENGINES)
def test_the_test_environment_rewrites_and_switches_off_production_endpoints(engine):
    engine_or_skip(engine)
    report = run("acmetest", engine=engine, keep_state=True)
    assert report.ok, report.to_text()
    assert endpoints(report.state) == {
        ("sys_rest_message", "Workday HR"): ("https://hr-sandbox.acme.example/api/v1", None),
        ("sys_rest_message", "Payments gateway"): ("https://payments-sandbox.acme.example/v2", None),
        ("sys_rest_message", "Status page"): ("https://status.vendor.example/api", None),
        ("sys_rest_message", "Templated"): ("${base_url}/items", None),
        ("sys_rest_message_fn", "get employees"): ("https://hr-sandbox.acme.example/api/v1/employees", None),
        ("sys_rest_message_fn", "charge"): ("https://payments-sandbox.acme.example/v2/charge", None),
        ("sys_rest_message_fn", "status"): ("", None),
        ("sys_soap_message_function", "CreateTicket"): ("https://itsm-test.acme.example/soap/ticket", None),
        ("http_connection", "Acme HR"): ("https://hr-sandbox.acme.example/", "true"),
        ("http_connection", "Acme Data Lake"): ("https://datalake.acme.example/ingest", "false"),
        # inactive, and rewritten all the same: switched on again later, it does not call production
        ("http_connection", "Old partner"): ("https://payments-sandbox.acme.example/legacy", "false"),
    }
    step = report.step("endpoints")
    assert (step.changed, step.failed) == (8, "none")
    logs = [line["message"] for line in step.logs]
    assert ('postclone: test endpoints: sys_rest_message "Workday HR": rest_endpoint: "https://hr.acme.example/api/v1" '
            '-> "https://hr-sandbox.acme.example/api/v1"') in logs
    assert 'postclone: test endpoints: http_connection "Acme Data Lake": switched off ' \
           '(https://datalake.acme.example/ingest)' in logs
    assert "postclone: test verify: endpoints: pass" in [line["message"] for line in report.step("verify").logs]


def test_a_second_run_writes_nothing_and_preview_predicts_the_first():
    preview = run("acmetest", "preview")
    assert preview.ok and preview.changes == [] and preview.step("endpoints").changed == 8
    first = run("acmetest", keep_state=True)
    second = run("acmetest", data=first.state)
    assert second.ok and second.changes == [] and second.step("endpoints").changed == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_without_rules_the_step_only_lists_what_points_at_production(engine):
    engine_or_skip(engine)
    report = run("acmedev", engine=engine, keep_state=True)
    step = report.step("endpoints")
    assert (step.changed, step.writes, step.failed) == (0, 0, "none")
    listed = [line["message"].split("still points at production: ", 1)[1] for line in step.logs
              if "still points at production" in line["message"]]
    assert listed == [
        'sys_rest_message "Workday HR": https://hr.acme.example/api/v1',
        'sys_rest_message "Payments gateway": https://payments.acme.example/v2',
        'sys_rest_message_fn "get employees": https://hr.acme.example/api/v1/employees',
        'sys_rest_message_fn "charge": https://payments.acme.example/v2/charge',
        'sys_soap_message_function "CreateTicket": https://itsm.acme.example/soap/ticket',
        'http_connection "Acme HR": https://hr.acme.example/',
        'http_connection "Acme Data Lake": https://datalake.acme.example/ingest',
    ]  # not the inactive "Old partner", nor the vendor's status page or a templated endpoint
    assert endpoints(report.state) == endpoints(DATA)


HOSTS = 'production_hosts = ["hr.acme.example", "payments.acme.example"]'


def rules_config(tmp_path, *rules):
    return config.load(small_config(tmp_path, "environments.dev.endpoints", *rules, instances=HOSTS))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rules,why", [
    (['from = "https://payments.acme.example/"\naction = "deactivate"'],
     'sys_rest_message "Payments gateway" (https://payments.acme.example/v2) cannot be switched off: sys_rest_message '
     "has no active field (rewrite it instead)"),
    (['from = "https://hr.acme.example/"\nto = "https://' + "x" * 190 + '.example/"'],
     'sys_rest_message "Workday HR": the rewritten endpoint would be 213 characters; sys_rest_message.rest_endpoint '
     "holds 200"),
    (['from = "https://hr.acme.example/"\nto = "https://hr-sandbox.acme.example/"',
      'from = "https://hr.acme.exmaple/"\nto = "https://x.example/"'],
     'the rule for "https://hr.acme.exmaple/" matches no endpoint'),
])
def test_a_rule_that_cannot_be_applied_safely_changes_nothing(tmp_path, engine, rules, why):
    engine_or_skip(engine)
    report = run("dev1", cfg=rules_config(tmp_path, *rules), engine=engine, keep_state=True)
    step = report.step("endpoints")
    assert step.failed.startswith(why) and step.failed.endswith(": nothing changed")
    assert step.writes == 0 and list(step.changes) == []
    assert endpoints(report.state) == endpoints(DATA)


def test_with_rules_an_endpoint_left_on_production_fails_the_step(tmp_path):
    report = run("dev1", cfg=rules_config(tmp_path, 'from = "https://hr.acme.example/"\n'
                                                    'to = "https://hr-sandbox.acme.example/"'))
    step = report.step("endpoints")
    assert step.changed == 3  # the rule was applied
    assert step.failed == "2 outbound endpoints still point at production (see the lines above)"
    assert "postclone: dev endpoints: still points at production: sys_rest_message \"Payments gateway\": " \
           "https://payments.acme.example/v2" in [line["message"] for line in step.logs]
    assert "endpoints: 2 endpoints still point at production" in report.step("verify").failed


def test_production_and_unknown_instances_get_no_write():
    for instance in ("acme", "acmeqa"):
        report = run(instance, "cleanup")
        assert report.ops == [] and report.changes == []


@pytest.mark.parametrize("rule,message", [
    ('from = "https://hr.acme.example/"', 'endpoints[0].to: is required with action = "rewrite"'),
    ('from = "https://hr.acme.example/"\naction = "deactivate"\nto = "https://x/"',
     "endpoints[0].to: only applies with action = \"rewrite\" (action is 'deactivate')"),
    ('from = "https://hr.acme.example/"\nto = "https://hr.acme.example/test/"',
     "endpoints[0].to: starts with from ('https://hr.acme.example/'): the rule would match what it wrote"),
    ('from = "https://hr.acme.example/"\nto = "https://api.payments.acme.example/"',
     "endpoints[0].to: points at a production host (api.payments.acme.example)"),
    ('from = "https://hr.acme.example/"\nto = "https://acme.service-now.com/"',
     "endpoints[0].to: points at a production host (acme.service-now.com)"),
    ('from = "hr.acme.example"\nto = "https://x.example/"', "endpoints[0].from: 'hr.acme.example' is not an http(s) URL"),
    ('from = "https://hr.acme.example/"\naction = "off"', "endpoints[0].action: "),
])
def test_bad_rules_are_one_line_naming_the_key(tmp_path, rule, message):
    path = small_config(tmp_path, "environments.dev.endpoints", rule, instances=HOSTS)
    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert f"environments.dev.{message}" in str(err.value)
    r = run_cli("validate", path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1


def test_overlapping_rules_and_bad_hosts_are_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"endpoints\[1\]\.from: overlaps the earlier rule for "
                                          r"'https://hr\.acme\.example/'"):
        rules_config(tmp_path, 'from = "https://hr.acme.example/"\nto = "https://a.example/"',
                     'from = "https://HR.acme.example/api/"\nto = "https://b.example/"')
    path = small_config(tmp_path, "environments.dev.endpoints", instances=HOSTS.replace('"hr.acme.example"', '"HR Server"'))
    with pytest.raises(ConfigError, match=r"instances\.production_hosts\[0\]: 'HR Server' is not a host name"):
        config.load(path)
