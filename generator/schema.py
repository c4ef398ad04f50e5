"""The configuration's shape, declared once: every key with its type, default, constraints and meaning.

generator/config.py reads every value through this table (type, default and constraints come from
here; only checks that relate two keys or the file system are written there), and the JSON Schema
(docs/postclone.schema.json) and the README's key tables are generated from it:
`python -m generator.schema --write` rewrites both, and tests/test_docs.py fails when either is not
what the table gives.

Paths: `a.b` is key `b` of table `a`; `environments.<name>` is any key of a table of tables;
`jobs[]` is each table of an array of tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

REQUIRED = object()  # the key must be given
NO_DEFAULT = object()  # the key may be left out, and then has no value of its own

INSTANCE = r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"  # a DNS label, as ServiceNow instance names are
INSTANCE_INVALID = ("{value!r} is not a ServiceNow instance name (lowercase letters, digits and hyphens, "
                    "starting with a letter, at most 63 characters)")
STABLE_ID = r"[a-z0-9][a-z0-9_-]{0,21}"  # "postclone preview <id>" fits sys_script_fix.name (40)
STABLE_ID_INVALID = "{value!r} must be 1-22 lowercase letters, digits, '-' or '_'"
# An environment name is a key of the scripts' CONFIG objects: never one that every JavaScript object
# already has (a "__proto__" key in an object literal sets the prototype instead of adding a key).
OBJECT_NAMES = ("constructor", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString",
                "toString", "valueOf", "prototype")
ENV_NAME = r"(?!(?:" + "|".join(OBJECT_NAMES) + r")$)[A-Za-z0-9][A-Za-z0-9_-]{0,39}"
ENV_NAME_INVALID = ("{value!r} is not an environment name: 1-40 letters, digits, '-' and '_', starting with a "
                    "letter or digit, and not a name every JavaScript object has (" + ", ".join(OBJECT_NAMES[:3]) +
                    ", …)")
PURPOSES = ("development", "test", "training")
EMAIL_MODES = ("off", "redirect", "on")
RUN_TYPES = ("daily", "weekly", "monthly", "periodically", "once", "on_demand")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HEADER_MAX = 100  # sys_ux_banner_announcement.heading length
CLONED = "{cloned}"  # in a header: the date of the clone, filled in on the instance (YYYY-MM-DD)
JOB_POLICIES = ("customer", "all")
LDAP_MODES = ("off", "logins")
INTEGRATION_POLICIES = ("lock", "keep")
# Tables whose every active job stops by default: scheduled reports mail people, scheduled imports
# and discovery schedules repeat production's work (issue 13; README, jobs step).
STOP_TABLES = ("sysauto_report", "scheduled_import_set", "discovery_schedule")
TABLE_NAME = r"[a-z][a-z0-9_]{0,79}"
# An endpoint prefix: an absolute http(s) URL with a host (what outbound REST, SOAP and HTTP connection
# records hold), no whitespace.
URL_PREFIX = r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][^\s]*)?"
URL_PREFIX_INVALID = "{value!r} is not an http(s) URL prefix (https://host/path…)"
HOST = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
ENDPOINT_ACTIONS = ("rewrite", "deactivate")
# A system property's name (sys_properties.name): letters, digits and . _ - $ (css.$navpage-header-bg).
PROPERTY_NAME = r"[A-Za-z0-9_$][A-Za-z0-9_.$-]{0,99}"

# Defaults by purpose, for the keys whose Key has by_purpose=True.
PURPOSE_DEFAULTS: dict[str, dict[str, Any]] = {
    "development": {"header": "DEVELOPMENT", "header_color": "#2E7D32"},
    "test": {"header": "TEST", "header_color": "#F9A825"},
    "training": {"header": "TRAINING", "header_color": "#1565C0"},
}


@dataclass(frozen=True, slots=True)
class Key:
    """One configuration key. Messages are templates over {value!r}, {length} and the key's limits."""

    path: str
    type: str  # string | boolean | integer | strings | string_or_strings | string_map | table | tables | map
    meaning: str  # README text (markdown); also the schema's description
    default: Any = NO_DEFAULT
    shown_default: str = ""  # the README's default column when it is not the value itself
    by_purpose: bool = False  # the default comes from PURPOSE_DEFAULTS
    enum: tuple[str, ...] = ()
    lower: bool = False  # compared in lower case
    pattern: str = ""  # a string value must match all of it (Python and ECMAScript alike)
    invalid: str = ""  # message when the pattern or the enum does not match
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    too_long: str = ""
    min_items: int = 0
    too_few: str = ""
    item_pattern: str = ""
    item_invalid: str = ""
    nonempty: bool = True  # a given string must not be blank
    readme: bool = True  # listed in the README tables (tables of tables are headings there)

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


def _keys(*keys: Key) -> dict[str, Key]:
    return {k.path: k for k in keys}


ENV = "environments.<name>"

KEYS: dict[str, Key] = _keys(
    Key("update_set", "table", "The update set and its records.", REQUIRED, readme=False),
    Key("update_set.name", "string", "Update set name. The version is appended in the XML.", REQUIRED),
    Key("update_set.version", "string", "Release of this configuration: letters, digits, `.`, `-`, `+`, `_`.",
        REQUIRED, pattern=r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}",
        invalid="{value!r} is not a version (letters, digits, '.', '-', '+', '_')"),
    Key("update_set.description", "string", "Update set description.", "", nonempty=False),
    Key("update_set.scope", "string", "Only `global` for now. Clone cleanup scripts run in the global scope.",
        "global", enum=("global",),
        invalid="{value!r} is not supported yet: only \"global\" (clone cleanup scripts run in the global scope)"),
    Key("update_set.created_by", "string", "`sys_created_by` / `sys_updated_by` in the XML.", "postclone"),
    Key("update_set.id", "string", "Stable id, 1-22 of `a-z 0-9 - _`. It is the namespace of every sys_id and "
        "part of the build folder and record names. Set it once and never change it.", NO_DEFAULT,
        shown_default="slug of `name`", pattern=STABLE_ID, invalid=STABLE_ID_INVALID),
    Key("update_set.cleanup_order", "integer", "`order` of the clone cleanup script among the other cleanup "
        "scripts.", 1000, minimum=0, maximum=1_000_000),

    Key("instances", "table", "Which instances are which.", REQUIRED, readme=False),
    Key("instances.production", "strings", "`instance_name` values of production. At least one. The scripts "
        "never write there.", REQUIRED, min_items=1, too_few="must name at least one production instance",
        item_pattern=INSTANCE, item_invalid=INSTANCE_INVALID),
    Key("instances.clone_profiles", "strings", "Names of the clone profiles (`clone_profile`) on production whose "
        "cleanup script list (`clone_profile_cleanup_scripts_list`) gets the clone cleanup script, and whose "
        "preserver list (`clone_profile_preservers`) gets the shipped preservers, when you run the fix script "
        "`postclone install <id>` there. ServiceNow adds neither to existing profiles by itself.", ()),

    Key("instances.production_hosts", "strings", "Host names production's integrations call (lowercase). After "
        "the endpoints step, every outbound endpoint that still points at one of them or a subdomain, or at a "
        "production instance (`<name>.service-now.com`), is listed.", (), item_pattern=HOST,
        item_invalid="{value!r} is not a host name (lowercase letters, digits, '-' and '.')"),

    Key("environments", "map", "One table per sub-production environment.", REQUIRED, min_items=1,
        too_few="define at least one environment", item_pattern=ENV_NAME,
        item_invalid=ENV_NAME_INVALID, readme=False),
    Key(f"{ENV}.instances", "strings", "The `instance_name` values this environment covers.", REQUIRED,
        min_items=1, too_few="must list at least one instance", item_pattern=INSTANCE, item_invalid=INSTANCE_INVALID),
    Key(f"{ENV}.purpose", "string", "`development`, `test` or `training`. Sets the defaults below.", REQUIRED,
        enum=PURPOSES),
    Key(f"{ENV}.header", "string", "Header text (UI16) and banner text (Next Experience). At most 100 characters. "
        "`{cloned}` stands for the date of the clone (`YYYY-MM-DD`, in the time zone of the user the script runs "
        "as): the cleanup script fills in the day it runs, after the clone; `apply` keeps the date already shown.",
        NO_DEFAULT, by_purpose=True, max_length=HEADER_MAX,
        too_long="is {length} characters; the banner heading holds at most {max_length}"),
    Key(f"{ENV}.header_color", "string", "UI16 header colour, `#RRGGBB`.", NO_DEFAULT, by_purpose=True,
        pattern=r"#[0-9A-Fa-f]{6}",
        invalid="{value!r} is not a colour of the form #RRGGBB"),
    Key(f"{ENV}.welcome_page", "boolean", "Activate the welcome page section that says the instance is not "
        "production.", True),
    Key(f"{ENV}.clone_target", "boolean", "Set `glide.db.clone.allow_clone_target` to `true` after each clone, so "
        "the instance can be cloned over again: a clone copies production's value (`false`) onto the target.", False),
    Key(f"{ENV}.login_report", "boolean", "Report, after each clone, what it carried from production into sign-in "
        "and stored credentials (SSO and MFA settings, identity providers, certificates, credentials, OAuth) and what "
        "to do; the report writes nothing and reads no secret.", True),
    Key(f"{ENV}.properties", "string_map", "System properties to set after each clone, `\"name\" = \"value\"` (quote "
        "a name with dots; values are strings). Each change is reported with the previous value. A property another "
        "step sets, `instance_name` and a password property are refused.", (), shown_default="none",
        item_pattern=PROPERTY_NAME,
        item_invalid="{value!r} is not a property name (letters, digits and '.', '_', '-', '$'; at most 100)"),
    Key(f"{ENV}.testing", "table", "Test enablement.", NO_DEFAULT, readme=False),
    Key(f"{ENV}.testing.atf", "boolean", "Turn on the Automated Test Framework's runner and its scheduled runs "
        "(`sn_atf.runner.enabled`, `sn_atf.schedule.enabled`; production keeps them off). Only for `purpose = "
        "\"test\"` unless `force`.", False),
    Key(f"{ENV}.testing.force", "boolean", "Allow `atf` in a development or training environment.", False),
    Key(f"{ENV}.endpoints", "tables", "Outbound endpoint rules, applied in order to REST messages and their methods, "
        "SOAP message functions and HTTP(S) connections.", (), readme=False),
    Key(f"{ENV}.endpoints[].from", "string", "The URL prefix of the endpoints this rule takes, compared without regard "
        "to case.", REQUIRED, pattern=URL_PREFIX, invalid=URL_PREFIX_INVALID),
    Key(f"{ENV}.endpoints[].action", "string", "`rewrite`: the prefix becomes `to`. `deactivate`: the matching records "
        "are made inactive (a table without an `active` field fails the step, which then changes nothing).",
        "rewrite", enum=ENDPOINT_ACTIONS),
    Key(f"{ENV}.endpoints[].to", "string", "The new prefix, with `rewrite` (required there, refused otherwise).",
        NO_DEFAULT, pattern=URL_PREFIX, invalid=URL_PREFIX_INVALID),
    Key(f"{ENV}.records", "tables", "Record rules, applied after the other changes: every record of `table` that "
        "`query` matches gets the values of `set`.", (), readme=False),
    Key(f"{ENV}.records[].table", "string", "The table.", REQUIRED, pattern=TABLE_NAME,
        invalid="{value!r} is not a table name (lowercase letters, digits and '_')"),
    Key(f"{ENV}.records[].query", "string", "An encoded query (as a list filter's *Copy query* gives it) on fields of "
        "the table: terms joined by `^`, `^OR` and `^NQ`, no dot-walk, no `javascript:`. Every field it names is "
        "checked on the instance first.", REQUIRED),
    Key(f"{ENV}.records[].set", "string_map", "`field = \"value\"` for each field to set (strings; `\"\"` empties a "
        "field). System fields, fields another step sets and secrets are refused.", REQUIRED,
        item_pattern=r"[A-Za-z0-9_.$-]{1,80}", item_invalid="{value!r} is not a field name"),
    Key(f"{ENV}.records[].max", "integer", "The most records the query may match. More, and the step changes nothing "
        "and fails (a query that matches far more than meant is a mistake).", 1000, minimum=1, maximum=1_000_000),
    Key(f"{ENV}.email", "table", "Outbound and inbound email.", NO_DEFAULT, readme=False),
    Key(f"{ENV}.email.mode", "string", "`off`, `redirect` or `on` (see the email step above).", "off",
        enum=EMAIL_MODES),
    Key(f"{ENV}.email.redirect_to", "string_or_strings", "An address, a comma-separated string or an array. "
        "Required with `redirect`, refused otherwise.", NO_DEFAULT),
    Key(f"{ENV}.email.purge_outbox", "boolean", "Mark unsent mail from production `send-ignored`.", True),
    Key(f"{ENV}.users", "table", "Who keeps access.", NO_DEFAULT, readme=False),
    Key(f"{ENV}.users.lock", "boolean", "Lock out users who do not keep access.", True),
    Key(f"{ENV}.users.keep_roles", "strings", "Role names whose holders keep access.", ("admin",)),
    Key(f"{ENV}.users.keep_groups", "strings", "Group names whose members keep access.", ()),
    Key(f"{ENV}.users.keep_users", "strings", "`user_name` values that keep access.", ()),
    Key(f"{ENV}.users.integration_users", "string", "`lock` or `keep` the accounts integrations use (web service "
        "access only, internal integration users, users with an OAuth token): they carry production's passwords "
        "and tokens. The log names them either way; keep lists still keep them.", "lock", enum=INTEGRATION_POLICIES),
    Key(f"{ENV}.ldap", "table", "LDAP servers.", NO_DEFAULT, readme=False),
    Key(f"{ENV}.ldap.disable", "boolean", "Stop LDAP as `mode` says.", True),
    Key(f"{ENV}.ldap.mode", "string", "`off`: every LDAP server configuration inactive, so nobody signs in through "
        "LDAP. `logins`: the servers stay active for sign-in; only what brings data from LDAP stops (listeners "
        "and scheduled LDAP imports).", "off", enum=LDAP_MODES),
    Key(f"{ENV}.scheduled_jobs", "table", "Scheduled jobs carried over from production.", NO_DEFAULT, readme=False),
    Key(f"{ENV}.scheduled_jobs.disable", "boolean", "Stop the scheduled jobs that `stop` selects.", True),
    Key(f"{ENV}.scheduled_jobs.stop", "string", "`customer`: the customer's own jobs (package Global, or an "
        "application of the instance's company code) and every job of `stop_tables`; the platform's and store "
        "applications' jobs keep running. `all`: every active job.", "customer", enum=JOB_POLICIES),
    Key(f"{ENV}.scheduled_jobs.stop_tables", "strings", "Job tables whose every active job stops, whoever made "
        "it (with `stop = \"customer\"`).", STOP_TABLES, item_pattern=TABLE_NAME,
        item_invalid="{value!r} is not a table name (lowercase letters, digits and '_')"),
    Key(f"{ENV}.scheduled_jobs.keep", "strings", "Names of jobs to leave active, whatever `stop` says.", ()),
    Key(f"{ENV}.mid_servers", "table", "MID servers.", NO_DEFAULT, readme=False),
    Key(f"{ENV}.mid_servers.check", "boolean", "Check MID server users and list MID servers and their open issues.",
        True),
    Key(f"{ENV}.mid_servers.users", "strings", "`user_name` values of MID server users. They are checked and "
        "never locked out.", ()),

    Key("preserve", "tables", "Clone data preservers this update set ships: what every target keeps of its own data "
        "across a clone.", (), readme=False),
    Key("preserve[].table", "string", "The table whose records the target keeps. Child tables are not preserved "
        "with their parent: list each.", REQUIRED, pattern=TABLE_NAME,
        invalid="{value!r} is not a table name (lowercase letters, digits and '_')"),
    Key("preserve[].condition", "string", "An encoded query selecting the records to keep (terms joined by `^` and "
        "`^OR`; no dot-walk, no `javascript:`). Empty keeps the whole table; required for users, groups and roles.",
        "", shown_default="`\"\"` (the whole table)", nonempty=False),
    Key("preserve[].name", "string", "The preserver's name in *Instance Clone > Preserve Data*.", NO_DEFAULT,
        shown_default="`<update_set.name>: <table>`"),
    Key("preserve[].theme", "boolean", "Set when the data kept is a UI property (the form's *Theme* check box).",
        False),
    Key("jobs", "tables", "Instance-guarded scheduled jobs this update set ships.", (), readme=False),
    Key("jobs[].name", "string", "Job name.", REQUIRED),
    Key("jobs[].key", "string", "Stable key (1-22 of `a-z 0-9 - _`). It fixes the sys_id, so renaming the job "
        "updates the same record.", NO_DEFAULT, shown_default="slug of `name`", pattern=STABLE_ID,
        invalid=STABLE_ID_INVALID),
    Key("jobs[].run_on", "strings", "Instances the job may run on. Each must be production or listed under an "
        "environment.", REQUIRED, min_items=1, too_few="must name at least one instance", item_pattern=INSTANCE,
        item_invalid=INSTANCE_INVALID),
    Key("jobs[].script", "string", "The job body (a UTF-8 `.js` file, ES5), checked with esprima. An error points "
        "at this file and line. The path stays inside the configuration's folder (no absolute path, `..` or symlink "
        "leading out, unless the environment variable `POSTCLONE_ALLOW_SCRIPTS_OUTSIDE=1` allows it). "
        "The generated script (guard plus body) must fit `sysauto_script.script`, which "
        "holds 8000 characters.", REQUIRED),
    Key("jobs[].run", "string", "`daily`, `weekly`, `monthly`, `periodically`, `once` or `on_demand`.", "daily",
        enum=RUN_TYPES),
    Key("jobs[].time", "string", "Time of day, `HH:MM:SS`.", "00:00:00",
        pattern=r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]", invalid="{value!r} is not a time of the form HH:MM:SS"),
    Key("jobs[].time_zone", "string", "IANA zone of `time` (e.g. `Europe/Berlin`). The stored `run_time` is "
        "converted to UTC, and the zone is written to the job. Without it, `time` is taken as UTC.", NO_DEFAULT),
    Key("jobs[].day_of_week", "string", "For `weekly`.", "monday", enum=WEEKDAYS, lower=True),
    Key("jobs[].day_of_month", "integer", "For `monthly`.", 1, minimum=1, maximum=31),
    Key("jobs[].interval", "string", "For `periodically` (required): `HH:MM:SS` or `D HH:MM:SS`.", NO_DEFAULT,
        pattern=r"(?:[0-9]+ )?(?:[01]?[0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]",
        invalid="{value!r} is not a duration of the form [D ]HH:MM:SS"),
    Key("jobs[].start", "string", "First run, `YYYY-MM-DD HH:MM:SS` (required for `once`).", NO_DEFAULT,
        pattern=r"[0-9]{4}-[0-9]{2}-[0-9]{2} (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]",
        invalid="{value!r} is not a date-time of the form YYYY-MM-DD HH:MM:SS"),
    Key("jobs[].active", "boolean", "Whether the job is active.", True),
    Key("jobs[].run_as", "string", "`user_name` the job runs as. It is looked up on each instance when the scripts "
        "run (`postclone install <id>` on production, the post-clone script after a clone), never written as a "
        "sys_id; a job whose user is missing is not scheduled. The post-clone script never locks this user out "
        "where the job runs.", NO_DEFAULT, shown_default="the user who saves the job"),
    Key("jobs[].description", "string", "Shown in the job script's header comment.", "", nonempty=False),
)


# Keys that are no more: a configuration that still has one is told what to do instead.
EMAIL_ACCOUNTS = ("no longer supported: current releases send mail through an email account (sys_email_account) "
                  "on each instance, not through the legacy glide.email.server and glide.email.user properties "
                  "(platform-administration/c_EmailAccounts.md); configure the target's SMTP account once, and "
                  "the default \"Email Accounts\" clone data preserver keeps it across clones")
RETIRED: dict[str, str] = {f"{ENV}.email.server": EMAIL_ACCOUNTS, f"{ENV}.email.user": EMAIL_ACCOUNTS}


def parent_of(path: str) -> str:
    """The key that holds `path`: "environments.<name>.email" for its `mode`, "jobs" for `jobs[].name`."""
    if "." not in path:
        return ""
    parent = path.rsplit(".", 1)[0]
    return parent.removesuffix("[]").removesuffix(".<name>")


def children(parent: str) -> list[Key]:
    """The keys directly inside `parent` ("" for the top level), in declaration order."""
    return [k for k in KEYS.values() if parent_of(k.path) == parent]


# --------------------------------------------------------------------------- JSON Schema

def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of the configuration, from KEYS (generator/schema_json.py)."""
    from generator.schema_json import json_schema as build

    return build()


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- README tables

# Which table of the README lists which keys: the heading's table, and where key names start.
README_TABLES = {"update_set": "update_set", "instances": "instances", "environments": ENV, "jobs": "jobs",
                 "preserve": "preserve"}


def readme_table(section: str) -> str:
    """The markdown table of one README section: key, default, meaning."""
    base = README_TABLES[section]
    prefix = base + ("[]." if base in KEYS and KEYS[base].type == "tables" else ".")
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for k in KEYS.values():
        if k.readme and k.path.startswith(prefix):
            rows.append(f"| `{k.path[len(prefix):]}` | {_shown_default(k)} | {k.meaning} |")
    return "\n".join(rows)


def _shown_default(k: Key) -> str:
    if k.shown_default:
        return k.shown_default
    if k.by_purpose:
        return " / ".join(f"`{PURPOSE_DEFAULTS[p][k.name]}`" for p in PURPOSES)
    if k.default is REQUIRED:
        return "required"
    if k.default is NO_DEFAULT:
        return "—"
    value = list(k.default) if isinstance(k.default, tuple) else k.default
    return f"`{json.dumps(value, ensure_ascii=False)}`"


README_BEGIN = "<!-- keys of {section}: generated from generator/schema.py (python -m generator.schema --write) -->"
README_END = "<!-- end of generated keys -->"


def readme_with_tables(text: str) -> str:
    """The README with every generated key table replaced by what KEYS gives."""
    for section in README_TABLES:
        begin = README_BEGIN.format(section=section)
        start = text.index(begin) + len(begin)
        end = text.index(README_END, start)
        text = text[:start] + "\n" + readme_table(section) + "\n" + text[end:]
    return text


def main(argv: list[str] | None = None) -> int:
    """`python -m generator.schema [--write]`: print the JSON Schema, or rewrite it and the README's tables."""
    import sys
    from pathlib import Path

    args = sys.argv[1:] if argv is None else argv
    if args != ["--write"]:
        sys.stdout.write(schema_text())
        return 0
    root = Path(__file__).resolve().parent.parent
    (root / "docs" / "postclone.schema.json").write_text(schema_text(), encoding="utf-8")
    readme = root / "README.md"
    readme.write_text(readme_with_tables(readme.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
