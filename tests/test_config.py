"""Configuration loading: the example loads, and every kind of bad input gets its exact one-line message."""

import pytest

from generator import config
from generator.errors import ConfigError
from tests.conftest import EXAMPLE, MINIMAL, write_config


def test_example_loads_with_every_environment_and_job():
    cfg = config.load(EXAMPLE)
    assert [e.key for e in cfg.environments] == ["dev", "test", "training"]
    assert cfg.production == ("acme",)
    assert cfg.environment_of("acmedev2").key == "dev"
    assert cfg.environment_of("acme") is None
    assert {j.run for j in cfg.jobs} == set(config.RUN_TYPES)
    test = cfg.environment_of("acmetest")
    assert test.email.mode == "redirect" and test.email.redirect_to == ("servicenow-test-mail@acme.example",)


def test_purpose_defaults_fill_missing_keys(tmp_path):
    cfg = config.load(write_config(tmp_path, MINIMAL))
    env = cfg.environments[0]
    assert env.header == "DEVELOPMENT" and env.header_color == "#2E7D32"
    assert env.email.mode == "off" and env.email.purge_outbox
    assert env.users.lock and env.users.keep_roles == ("admin",)
    assert env.ldap.disable and env.scheduled_jobs.disable
    assert cfg.update_set.id == "t" and cfg.update_set.cleanup_order == 1000


ENV = "[environments.dev]\ninstances = [\"dev1\"]\npurpose = \"development\"\n"
HEAD = "[update_set]\nname = \"T\"\nversion = \"1.0.0\"\n[instances]\nproduction = [\"prod\"]\n"

BAD = [
    ("unknown key with hint", MINIMAL + "heder = 'x'\n",
     "environments.dev.heder: unknown key (did you mean 'header'?)"),
    ("unknown top-level key", MINIMAL + "[enviroments.x]\n",
     "enviroments: unknown key (did you mean 'environments'?)"),
    ("wrong type", HEAD + "[environments.dev]\ninstances = \"dev1\"\npurpose = \"test\"\n",
     "environments.dev.instances: must be an array, got a string"),
    ("bad purpose", HEAD + "[environments.dev]\ninstances = [\"dev1\"]\npurpose = \"dev\"\n",
     "environments.dev.purpose: 'dev' is not one of development, test, training"),
    ("bad instance name", HEAD + "[environments.dev]\ninstances = [\"Dev_1\"]\npurpose = \"test\"\n",
     "environments.dev.instances[0]: 'Dev_1' is not a ServiceNow instance name (lowercase letters, digits and hyphens, starting with a letter, at most 63 characters)"),
    ("instance in two environments", MINIMAL + "[environments.qa]\ninstances = [\"dev1\"]\npurpose = \"test\"\n",
     "environments.qa.instances[0]: 'dev1' is already listed in environments.dev.instances"),
    ("production in an environment", HEAD + "[environments.dev]\ninstances = [\"prod\"]\npurpose = \"test\"\n",
     "environments.dev.instances[0]: 'prod' is already listed in instances.production"),
    ("redirect without address", MINIMAL + "[environments.dev.email]\nmode = \"redirect\"\n",
     "environments.dev.email.redirect_to: is required when mode = \"redirect\" (the address every mail goes to)"),
    ("bad email mode", MINIMAL + "[environments.dev.email]\nmode = \"of\"\n",
     "environments.dev.email.mode: 'of' is not one of off, redirect, on (did you mean 'off'?)"),
    ("bad address", MINIMAL + "[environments.dev.email]\nmode = \"redirect\"\nredirect_to = \"nobody\"\n",
     "environments.dev.email.redirect_to: 'nobody' is not an email address"),
    ("bad colour", MINIMAL + "header_color = \"green\"\n",
     "environments.dev.header_color: 'green' is not a colour of the form #RRGGBB"),
    ("header too long", MINIMAL + "header = \"" + "x" * 101 + "\"\n",
     "environments.dev.header: is 101 characters; the banner heading holds at most 100"),
    ("retired email.server", MINIMAL + "[environments.dev.email]\nserver = \"smtp.example\"\n",
     "environments.dev.email.server: no longer supported: current releases send mail through an email account (sys_email_account) on each instance, not through the legacy glide.email.server and glide.email.user properties (platform-administration/c_EmailAccounts.md); configure the target's SMTP account once, and the default \"Email Accounts\" clone data preserver keeps it across clones"),
    ("password key", MINIMAL + "[environments.dev.email]\npassword = \"hunter2\"\n",
     "environments.dev.email.password: secrets do not belong in this file: postclone never writes passwords, tokens or keys into an artifact (passwords are encrypted per instance: set them on the instance, or keep them across clones with a clone data preserver)"),
    ("missing production", "[update_set]\nname = \"T\"\nversion = \"1\"\n[instances]\n" + ENV,
     "instances.production: is required"),
    ("empty production", "[update_set]\nname = \"T\"\nversion = \"1\"\n[instances]\nproduction = []\n" + ENV,
     "instances.production: must name at least one production instance"),
    ("missing update_set", "[instances]\nproduction = [\"prod\"]\n" + ENV, "update_set: is required"),
    ("boolean as string", MINIMAL + "welcome_page = \"yes\"\n",
     "environments.dev.welcome_page: must be a boolean, got a string"),
    ("control character", MINIMAL + "header = \"a\\u0001b\"\n",
     "environments.dev.header: contains control character U+0001, which XML cannot carry"),
    ("scoped not yet", "[update_set]\nname = \"T\"\nversion = \"1\"\nscope = \"x_acme_pc\"\n[instances]\nproduction = [\"prod\"]\n" + ENV,
     "update_set.scope: 'x_acme_pc' is not supported yet: only \"global\" (clone cleanup scripts run in the global scope)"),
    ("missing job script", MINIMAL + "[[jobs]]\nname = \"J\"\nrun_on = [\"prod\"]\nscript = \"nope.js\"\n",
     "jobs[0].script: {dir}/nope.js: file not found"),
    ("job on unknown instance", MINIMAL + "[[jobs]]\nname = \"J\"\nrun_on = [\"elsewhere\"]\nscript = \"j.js\"\n",
     "jobs[0].run_on[0]: 'elsewhere' is neither a production instance nor listed under an environment"),
    ("bad job time", MINIMAL + "[[jobs]]\nname = \"J\"\nrun_on = [\"prod\"]\nscript = \"j.js\"\ntime = \"25:00:00\"\n",
     "jobs[0].time: '25:00:00' is not a time of the form HH:MM:SS"),
    ("periodically without interval", MINIMAL + "[[jobs]]\nname = \"J\"\nrun_on = [\"prod\"]\nscript = \"j.js\"\nrun = \"periodically\"\n",
     "jobs[0].interval: is required when run = \"periodically\" (e.g. \"01:00:00\" or \"2 00:00:00\")"),
    ("duplicate job", MINIMAL + "[[jobs]]\nname = \"J\"\nrun_on = [\"prod\"]\nscript = \"j.js\"\n[[jobs]]\nname = \"J\"\nrun_on = [\"prod\"]\nscript = \"j.js\"\n",
     "jobs[1].key: 'j' is used by another job (names must differ, or set key)"),
    ("bad time zone", MINIMAL + "[[jobs]]\nname = \"J\"\nrun_on = [\"prod\"]\nscript = \"j.js\"\ntime_zone = \"Mars/Olympus\"\n",
     "jobs[0].time_zone: 'Mars/Olympus' is not a known time zone (e.g. \"Europe/Berlin\")"),
]


@pytest.mark.parametrize("text,message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_config_has_one_line_message_naming_the_key(tmp_path, text, message):
    path = write_config(tmp_path, text, {"j.js": "gs.info('x');\n"})
    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert str(err.value) == f"{path}: " + message.format(dir=tmp_path)
    assert "\n" not in str(err.value)


def test_toml_syntax_error_names_file_line_and_column(tmp_path):
    path = write_config(tmp_path, MINIMAL + "header = \n")
    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert str(err.value) == f"{path}:12:10: TOML syntax: Invalid value"


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        config.load(tmp_path / "absent.toml")


def test_digest_follows_job_scripts(tmp_path):
    text = MINIMAL + "[[jobs]]\nname = \"J\"\nrun_on = [\"prod\"]\nscript = \"j.js\"\n"
    path = write_config(tmp_path, text, {"j.js": "gs.info('a');\n"})
    first = config.load(path).digest
    (tmp_path / "j.js").write_text("gs.info('b');\n")
    assert config.load(path).digest != first
