"""Issue 17, parts 2, 4, 5 and 6: system properties per environment, test enablement (ATF), the
clone-target switch and the date of the clone in the header, each proven by running the generated
script in the simulator."""

import pytest

from generator import config
from generator.errors import ConfigError
from tests.conftest import ENGINES, EXAMPLE, MINIMAL, engine_or_skip, example_data, run_cli, run_postclone, write_config

DATA = example_data()


def run(cfg, instance, mode="apply", data=None, **kw):
    return run_postclone(cfg, instance, mode, data, **kw)


def props(state):
    return {p["name"]: p for p in state["sys_properties"]}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_test_environment_sets_its_properties_the_runner_and_the_clone_target(engine):
    engine_or_skip(engine)
    report = run(config.load(EXAMPLE), "acmetest", engine=engine, keep_state=True)
    assert report.ok, report.to_text()
    after = props(report.state)
    assert after["glide.servlet.uri"]["value"] == "https://acmetest.service-now.com/"
    assert after["glide.ui.session_timeout"] == {**after["glide.ui.session_timeout"], "value": "120", "type": "string"}
    assert after["sn_atf.runner.enabled"]["value"] == after["sn_atf.schedule.enabled"]["value"] == "true"
    assert after["glide.db.clone.allow_clone_target"]["value"] == "true"
    logs = [line["message"] for s in report.steps for line in s.logs]
    assert ('postclone: test properties: glide.servlet.uri: "https://acme.service-now.com/" -> '
            '"https://acmetest.service-now.com/"') in logs
    assert "postclone: test properties: glide.ui.session_timeout: (missing) -> \"120\"" in logs
    assert [s.name for s in report.steps][:5] == ["email", "welcome", "properties", "testing", "clone_target"]
    assert "postclone: test verify: properties: pass" in logs and "postclone: test verify: clone_target: pass" in logs


@pytest.mark.parametrize("engine", ENGINES)
def test_a_development_environment_leaves_the_runner_and_the_clone_target_alone(engine):
    engine_or_skip(engine)
    report = run(config.load(EXAMPLE), "acmedev", engine=engine, keep_state=True)
    assert report.ok
    assert {s.name: s.summary.split(": ", 1)[1] for s in report.steps if s.name in ("properties", "testing",
                                                                                     "clone_target")} == {
        "properties": "dev properties: changed 0, kept 0, failed: none",
        "testing": "dev testing: changed 0, kept 0, failed: none",
        "clone_target": "dev clone_target: changed 0, kept 0, failed: none"}
    after = props(report.state)
    assert after["sn_atf.runner.enabled"]["value"] == "false" and after["glide.servlet.uri"]["value"].startswith(
        "https://acme.")


def with_properties(tmp_path, lines, env_extra=""):
    return write_config(tmp_path, MINIMAL.replace('purpose = "development"', f'purpose = "development"\n{env_extra}')
                        + f"\n[environments.dev.properties]\n{lines}\n")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_password_property_is_never_set_and_the_step_sets_nothing(tmp_path, engine):
    engine_or_skip(engine)
    cfg = config.load(with_properties(tmp_path, '"glide.servlet.uri" = "https://x/"\n'
                                                '"glide.smtp.legacy.password" = ""'))
    secret = {"sys_id": "p1", "name": "glide.smtp.legacy.password", "type": "password2", "value": ""}
    report = run(cfg, "dev1", data={**DATA, "sys_properties": DATA["sys_properties"] + [secret]}, keep_state=True)
    step = report.step("properties")
    assert step.failed == "a property the instance keeps encrypted is never set: glide.smtp.legacy.password (type password2)"
    assert list(step.changes) == [] and step.writes == 0
    assert props(report.state)["glide.servlet.uri"]["value"] == "https://acme.service-now.com/"
    assert report.step("welcome").failed == "none" and report.step("ldap").failed == "none"  # the others ran


def test_preview_sets_nothing_and_a_second_run_writes_nothing():
    cfg = config.load(EXAMPLE)
    preview = run(cfg, "acmetest", "preview")
    assert preview.ok and preview.changes == []
    assert preview.step("properties").changed == 2 and preview.step("testing").changed == 2
    first = run(cfg, "acmetest", keep_state=True)
    second = run(cfg, "acmetest", data=first.state)
    assert second.ok and second.changes == []
    assert (second.step("properties").kept, second.step("testing").kept, second.step("clone_target").kept) == (2, 2, 1)


def test_production_gets_none_of_it():
    report = run(config.load(EXAMPLE), "acme", "cleanup")
    assert report.ops == [] and report.changes == []


@pytest.mark.parametrize("lines,extra,message", [
    ('"instance_name" = "acmetest"', "", 'properties."instance_name": identifies the instance'),
    ('"Glide.Email.Smtp.Active" = "true"', "", 'properties."Glide.Email.Smtp.Active": is set by the email step'),
    ('"glide.db.clone.allow_clone_target" = "true"', "", "is set by the clone_target step (clone_target = true)"),
    ('glide.servlet.uri = "https://x/"', "", "properties.glide: is a table: a dotted name makes nested tables in "
     "TOML, so quote it"),
    ('"glide.ui.session_timeout" = 120', "", 'properties."glide.ui.session_timeout": must be a string, got an '
     "integer (values are strings: quote it)"),
    ('"bad name" = "x"', "", "'bad name' is not a property name"),
    ('"a.b" = "1"\n"A.B" = "2"', "", 'properties."A.B": is \'a.b\' again'),
    ('"a.b" = "1"', "[environments.dev.testing]\natf = true\n", "testing.atf: turns on the test runner, which is for "
     'purpose = "test" (this is \'development\'); set force = true to turn it on here too'),
    ('"a.b" = "1"', "[environments.dev.testing]\nforce = true\n", "testing.force: only applies with atf = true"),
])
def test_bad_properties_and_testing_keys_are_one_line_naming_the_key(tmp_path, lines, extra, message):
    text = MINIMAL + f"\n[environments.dev.properties]\n{lines}\n" + (
        extra.replace("[environments.dev.testing]", "\n[environments.dev.testing]") if extra else "")
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert message in str(err.value) and "environments.dev." in str(err.value)
    r = run_cli("validate", path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_atf_with_force_is_allowed_in_development(tmp_path):
    path = write_config(tmp_path, MINIMAL + "\n[environments.dev.testing]\natf = true\nforce = true\n")
    cfg = config.load(path)
    assert cfg.environments[0].testing.atf
    report = run(cfg, "dev1", keep_state=True)
    assert props(report.state)["sn_atf.runner.enabled"]["value"] == "true"


def test_a_secret_as_a_property_value_is_refused(tmp_path):
    path = with_properties(tmp_path, '"glide.integration.password" = "Xk9$vQ2#mL7pR4tZ"')
    r = run_cli("validate", path)
    assert r.returncode == 2 and "Xk9$" not in r.stderr and "glide.integration.password" in r.stderr


# Part 6: the date of the clone in the header ({cloned}).

def banner_and_home(state):
    return ([b["heading"] for b in state["sys_ux_banner_announcement"]],
            [h["text"] for h in state["sys_home"] if h["short_description"].startswith("postclone: ")])


@pytest.mark.parametrize("engine", ENGINES)
def test_the_header_carries_the_date_of_the_clone(engine):
    engine_or_skip(engine)
    cfg = config.load(EXAMPLE)
    first = run(cfg, "acmetest", "cleanup", engine=engine, keep_state=True, now="2026-03-04 23:30:00")
    assert first.ok, first.to_text()
    header = "TEST — cloned from production on 2026-03-04"
    assert props(first.state)["glide.product.description"]["value"] == header
    headings, texts = banner_and_home(first.state)
    assert headings == [header] and len(texts) == 1 and "<h2>" + header + "</h2>" in texts[0]
    # apply, run by hand a week later, keeps the clone's date: it writes nothing
    later = run(cfg, "acmetest", "apply", data=first.state, engine=engine, now="2026-03-11 08:00:00")
    assert later.ok and later.changes == [], later.to_text()
    # the next clone's cleanup script shows that clone's date
    again = run(cfg, "acmetest", "cleanup", data=first.state, engine=engine, keep_state=True,
                now="2026-04-01 01:00:00")
    assert props(again.state)["glide.product.description"]["value"] == "TEST — cloned from production on 2026-04-01"
    assert banner_and_home(again.state)[0] == ["TEST — cloned from production on 2026-04-01"]


def test_preview_shows_the_date_it_would_set():
    report = run(config.load(EXAMPLE), "acmetest", "preview", now="2026-05-06 10:00:00")
    assert ('postclone [preview]: test welcome: glide.product.description: "ACME Service Portal" -> '
            '"TEST — cloned from production on 2026-05-06"') in [line["message"] for line in report.logs]


def test_a_header_too_long_once_the_date_is_in_is_refused(tmp_path):
    fits = "x" * 90 + " {cloned}"  # 99 characters, 101 with the date
    path = write_config(tmp_path, MINIMAL + f'header = "{fits}"\n')
    with pytest.raises(ConfigError, match=r"environments\.dev\.header: is 101 characters with the date for "
                                          r"\{cloned\}; the banner heading holds at most 100"):
        config.load(path)
    config.load(write_config(tmp_path, MINIMAL + f'header = "{fits[2:]}"\n'))
