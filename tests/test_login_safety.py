"""Issue 17, part 8: the login safety and credentials report, which writes nothing and reads no secret,
proven by running the generated script in the simulator."""

import copy

import pytest

from generator import config
from tests.conftest import ENGINES, EXAMPLE, engine_or_skip, example_data, run_postclone, write_config

DATA = example_data()
CFG = config.load(EXAMPLE)
PREFIX = "postclone: test login_safety: "

EXPECTED = [
    "multi-provider SSO: glide.authenticate.multisso.enabled = true (this instance's own, kept by \"Core Instance "
    "Properties\")",
    "external SSO: glide.authenticate.external is not set here",
    "default identity provider: glide.authenticate.sso.redirect.idp is not set here",
    "multi-factor authentication: glide.authenticate.multifactor = true (production's value)",
    "identity providers (sso_properties): 1 active (\"Acme Okta\"): came from production; sign-in through them uses "
    "the IdP applications registered for production: register this instance with each IdP and correct the records, "
    "or keep this instance's own with preservers (Multi-SSO: \"Identity Providers\", \"SAML2 Update1 Properties\", "
    "\"Digest Properties\", \"Certificate\")",
    "certificates (sys_certificate): 1 active (\"Okta SAML signing\"): this instance's own, kept by \"Certificates\"",
    "role-based MFA criteria (multi_factor_criteria): 1 (\"Role-based multi-factor authentication\"): came from "
    "production; production's MFA rules apply here: make sure the users this environment keeps can complete MFA",
    "basic auth credentials (sys_auth_profile_basic): 1 (\"Workday HR integration\"): this instance's own, kept by "
    "\"Acme: basic auth credentials\"",
    "credentials (discovery_credentials): 1 active (\"Acme Windows discovery\"): this instance's own, kept by "
    "\"Discovery credentials\"",
    "OAuth applications (oauth_entity): 1 active (\"Workday OAuth\"): this instance's own, kept by \"OAuth entities\"",
    "OAuth grants (oauth_credential): 1 (\"Outlook add-in\"): came from production; production's OAuth grants: "
    "revoke them here and request new ones",
    "3 of these came from production and need action (see the lines above)",
]


def findings(report, prefix=PREFIX):
    step = report.step("login_safety")
    lines = [line["message"] for line in step.logs]
    assert lines[-1] in (prefix + "changed 0, kept 0, failed: none", prefix + "would change 0, kept 0, failed: none")
    return [line[len(prefix):] for line in lines[:-1]]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_test_environment_s_report_and_it_writes_nothing(engine):
    engine_or_skip(engine)
    report = run_postclone(CFG, "acmetest", engine=engine)
    assert report.ok, report.to_text()
    assert findings(report) == EXPECTED
    step = report.step("login_safety")
    assert step.writes == 0 and list(step.changes) == []


def test_preview_and_a_second_run_report_the_same():
    first = run_postclone(CFG, "acmetest", keep_state=True)
    preview = run_postclone(CFG, "acmetest", "preview")
    assert findings(preview, "postclone [preview]: test login_safety: ") == EXPECTED
    assert findings(run_postclone(CFG, "acmetest", data=first.state)) == EXPECTED


def test_no_secret_is_read():
    data = copy.deepcopy(DATA)
    for table in ("sys_auth_profile_basic", "discovery_credentials", "oauth_entity"):
        for row in data[table]:
            row["password"] = "s3cret-" + table
    for row in data["oauth_credential"]:
        row["token"] = "s3cret-token"
    report = run_postclone(CFG, "acmetest", data=data)
    assert findings(report) == EXPECTED
    assert "s3cret" not in report.to_text()
    for table in ("sys_auth_profile_basic", "discovery_credentials", "oauth_entity", "oauth_credential",
                  "sso_properties", "sys_certificate", "multi_factor_criteria"):
        # the users step reads oauth_credential.user (who holds a token); nothing reads a secret
        assert set(report.reads[table]) <= {"active", "name", "sys_id", "user"}, (table, report.reads[table])


def test_what_a_preserver_keeps_only_in_part_and_what_cannot_be_read(tmp_path):
    data = copy.deepcopy(DATA)
    data["sso_properties"].append({"sys_id": "c" * 32, "name": "Sandbox Okta", "active": "true"})
    data["clone_data_preserver"].append({"sys_id": "d" * 32, "name": "Sandbox IdP", "table": "sso_properties",
                                         "condition": "nameSTARTSWITHSandbox^EQ", "theme": "false"})
    lines = findings(run_postclone(CFG, "acmetest", data=data))
    assert lines[4].startswith('identity providers (sso_properties): 2 active ("Acme Okta", "Sandbox Okta"): 1 of them '
                               "came from production; sign-in through them")
    del data["clone_data_preserver"]
    lines = findings(run_postclone(CFG, "acmetest", data=data))
    assert lines[0] == "multi-provider SSO: glide.authenticate.multisso.enabled = true"  # whose, it cannot say
    assert lines[5] == ('certificates (sys_certificate): 1 active ("Okta SAML signing"); the preservers cannot be '
                        "read here: if these came from production, production's certificates (SAML signing, mutual "
                        "TLS) are here: replace those this instance must not share, or keep this instance's own with "
                        "a preserver")
    assert lines[-1] == "7 of these came from production and need action (see the lines above)"


def test_an_instance_without_those_tables_gets_a_short_report(tmp_path):
    data = {t: rows for t, rows in DATA.items() if t not in ("sso_properties", "sys_certificate", "multi_factor_criteria",
                                                              "sys_auth_profile_basic", "discovery_credentials",
                                                              "oauth_entity")}
    data["oauth_credential"] = []
    lines = findings(run_postclone(CFG, "acmetest", data=data))
    assert len(lines) == 5 and lines[4].startswith("OAuth grants (oauth_credential): none")


def test_login_report_false_skips_it(tmp_path):
    text = EXAMPLE.read_text().replace("login_report = true ", "login_report = false")
    cfg = config.load(write_config(tmp_path, text, {p.relative_to(EXAMPLE.parent).as_posix(): p.read_text()
                                                     for p in (EXAMPLE.parent / "jobs").glob("*.js")}))
    assert findings(run_postclone(cfg, "acmetest")) == ["skipped: login_report = false"]
