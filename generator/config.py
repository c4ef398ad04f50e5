"""Step 1 of the pipeline: load and check the TOML configuration.

Every problem is a `ConfigError` with one line naming the file and the key path
(or file:line:column for TOML syntax errors). The result is a tree of frozen
dataclasses that the later steps read and never change.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from generator import secretscan
from generator.endpoints import Endpoint, endpoint_rules
from generator.errors import ConfigError, InputError
from generator.preservers import Preserver, preservers
from generator.readfile import STDIN, STDIN_LABEL, read_regular
from generator.records import RecordRule, record_rules
from generator.schema import (  # noqa: F401 - re-exported
    CLONED,
    EMAIL_MODES,
    HEADER_MAX,
    PURPOSE_DEFAULTS,
    PURPOSES,
    RUN_TYPES,
    STOP_TABLES,
    WEEKDAYS,
)
from generator.tomlread import BAD_CHARS_RE, SECRET_RE, Table, read_toml

EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


@dataclass(frozen=True, slots=True)
class UpdateSet:
    name: str
    version: str
    description: str
    scope: str
    created_by: str
    id: str
    cleanup_order: int


@dataclass(frozen=True, slots=True)
class Email:
    mode: str = "off"
    redirect_to: tuple[str, ...] = ()
    purge_outbox: bool = True


@dataclass(frozen=True, slots=True)
class Users:
    lock: bool = True
    keep_roles: tuple[str, ...] = ("admin",)
    keep_groups: tuple[str, ...] = ()
    keep_users: tuple[str, ...] = ()
    integration_users: str = "lock"


@dataclass(frozen=True, slots=True)
class Ldap:
    disable: bool = True
    mode: str = "off"


@dataclass(frozen=True, slots=True)
class ScheduledJobs:
    disable: bool = True
    stop: str = "customer"
    stop_tables: tuple[str, ...] = STOP_TABLES
    keep: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MidServers:
    check: bool = True
    users: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Testing:
    atf: bool = False
    force: bool = False


# Properties other parts of postclone set or read: [environments.<env>.properties] may not set them.
MANAGED_PROPERTIES = {
    "instance_name": "identifies the instance: the scripts' guard reads it, and postclone never sets it",
    "glide.email.smtp.active": "is set by the email step (email.mode)",
    "glide.email.read.active": "is set by the email step (email.mode)",
    "glide.email.test.user": "is set by the email step (email.redirect_to)",
    "glide.product.description": "is set by the welcome step (header)",
    "css.$navpage-header-bg": "is set by the welcome step (header_color)",
    "glide.ui.polaris.login.show_welcome": "is set by the welcome step (welcome_page)",
    "glide.db.clone.allow_clone_target": "is set by the clone_target step (clone_target = true)",
    "sn_atf.runner.enabled": "is set by the testing step (testing.atf)",
    "sn_atf.schedule.enabled": "is set by the testing step (testing.atf)",
}


@dataclass(frozen=True, slots=True)
class Environment:
    key: str
    instances: tuple[str, ...]
    purpose: str
    header: str
    header_color: str
    welcome_page: bool
    email: Email
    users: Users
    ldap: Ldap
    scheduled_jobs: ScheduledJobs
    mid_servers: MidServers
    properties: tuple[tuple[str, str], ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    records: tuple[RecordRule, ...] = ()
    clone_target: bool = False
    testing: Testing = field(default_factory=Testing)
    login_report: bool = True


@dataclass(frozen=True, slots=True)
class Job:
    key: str
    name: str
    run_on: tuple[str, ...]
    script_path: Path
    script_label: str  # the path as written in the config, for messages
    script: str
    run: str
    time: str
    day_of_week: str
    day_of_month: int
    interval: str
    start: str
    active: bool
    description: str
    time_zone: str
    run_as: str = ""


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    digest: str
    update_set: UpdateSet
    production: tuple[str, ...]
    clone_profiles: tuple[str, ...]
    environments: tuple[Environment, ...]
    production_hosts: tuple[str, ...] = ()
    jobs: tuple[Job, ...] = field(default=())
    preservers: tuple[Preserver, ...] = ()

    def environment_of(self, instance: str) -> Environment | None:
        for env in self.environments:
            if instance in env.instances:
                return env
        return None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:22].strip("-") or "postclone"


MAX_JOB_BYTES = 64 * 1024


def load(path: str | Path) -> Config:
    path = Path(path)
    data, raw = read_toml(path)
    source = STDIN_LABEL if str(path) == STDIN else str(path)
    root = Table(source, "", data)
    base = path.parent

    us = root.table("update_set")
    name = us.value("name")
    update_set = UpdateSet(
        name=name,
        version=us.value("version"),
        description=us.value("description"),
        scope=us.value("scope"),
        created_by=us.value("created_by"),
        id=us.value("id", slug(name)),
        cleanup_order=us.value("cleanup_order"),
    )
    us.finish()

    inst = root.table("instances")
    production = inst.value("production")
    clone_profiles = inst.value("clone_profiles")
    production_hosts = inst.value("production_hosts")
    inst.finish()

    owner: dict[str, str] = {p: "instances.production" for p in production}
    hosts = (*production_hosts, *(f"{p}.service-now.com" for p in production))
    environments = [_environment(t, owner, hosts) for t in root.entries("environments")]

    jobs: list[Job] = []
    job_keys: set[str] = set()
    known = set(owner)
    for i, t in enumerate(root.items("jobs")):
        job = _job(t, base, known)
        if job.key in job_keys:
            root.fail(f"jobs[{i}].key", f"{job.key!r} is used by another job (names must differ, or set key)")
        job_keys.add(job.key)
        jobs.append(job)
    preserve = preservers(root, update_set.name)
    root.finish()
    finding = secretscan.config_finding(source, raw.decode("utf-8"), data)
    if finding:
        raise ConfigError(finding)

    digest = hashlib.sha256(raw)
    for job in jobs:
        digest.update(b"\0" + job.script.encode("utf-8"))
    return Config(
        path=path,
        digest=digest.hexdigest(),
        update_set=update_set,
        production=production,
        clone_profiles=clone_profiles,
        environments=tuple(environments),
        production_hosts=production_hosts,
        jobs=tuple(jobs),
        preservers=preserve,
    )


def _environment(t: Table, owner: dict[str, str], hosts: tuple[str, ...] = ()) -> Environment:
    key = t.path.split(".", 1)[1]
    instances = t.value("instances")
    for i, name in enumerate(instances):
        if name in owner:
            t.fail(f"{t.key('instances')}[{i}]", f"{name!r} is already listed in {owner[name]}")
        owner[name] = t.key("instances")
    purpose = t.value("purpose")
    defaults = PURPOSE_DEFAULTS[purpose]
    header = t.value("header", defaults["header"])
    dated = len(header.replace(CLONED, "YYYY-MM-DD"))
    if dated > HEADER_MAX:
        t.fail(t.key("header"), f"is {dated} characters with the date for {CLONED}; the banner heading holds at most "
               f"{HEADER_MAX}")
    color = t.value("header_color", defaults["header_color"])
    welcome = t.value("welcome_page")

    e = t.table("email")
    mode = e.value("mode")
    redirect = e.value("redirect_to")
    for a in redirect:
        if not EMAIL_RE.fullmatch(a):
            e.fail(e.key("redirect_to"), f"{a!r} is not an email address")
    if mode == "redirect" and not redirect:
        e.fail(e.key("redirect_to"), "is required when mode = \"redirect\" (the address every mail goes to)")
    if mode != "redirect" and redirect:
        e.fail(e.key("redirect_to"), f"only applies when mode = \"redirect\" (mode is {mode!r})")
    email = Email(mode=mode, redirect_to=redirect, purge_outbox=e.value("purge_outbox"))
    e.finish()

    u = t.table("users")
    users = Users(lock=u.value("lock"), keep_roles=u.value("keep_roles"), keep_groups=u.value("keep_groups"),
                  keep_users=u.value("keep_users"), integration_users=u.value("integration_users"))
    u.finish()
    lt = t.table("ldap")
    ldap = Ldap(disable=lt.value("disable"), mode=lt.value("mode"))
    lt.finish()
    s = t.table("scheduled_jobs")
    stop = s.value("stop")
    if stop == "all" and s.has("stop_tables"):
        s.fail(s.key("stop_tables"), "only applies when stop = \"customer\" (stop = \"all\" stops every job)")
    jobs = ScheduledJobs(disable=s.value("disable"), stop=stop, stop_tables=s.value("stop_tables"),
                         keep=s.value("keep"))
    s.finish()
    m = t.table("mid_servers")
    mid = MidServers(check=m.value("check"), users=m.value("users"))
    m.finish()
    properties = t.value("properties")
    seen: dict[str, str] = {}
    for name, value in properties:
        why = MANAGED_PROPERTIES.get(name.lower())
        if why:
            t.fail(f"{t.key('properties')}.{json.dumps(name)}", why)
        if value and SECRET_RE.search(name.rsplit(".", 1)[-1]):
            t.fail(f"{t.key('properties')}.{json.dumps(name)}", "names a secret: postclone never writes passwords, "
                   "tokens or keys into an artifact (set it on the instance, or keep it across clones with a clone "
                   "data preserver)")
        if name.lower() in seen:  # names are compared without case, as the instance's queries compare them
            t.fail(f"{t.key('properties')}.{json.dumps(name)}", f"is {seen[name.lower()]!r} again")
        seen[name.lower()] = name
    te = t.table("testing")
    testing = Testing(atf=te.value("atf"), force=te.value("force"))
    if testing.atf and purpose != "test" and not testing.force:
        te.fail(te.key("atf"), f"turns on the test runner, which is for purpose = \"test\" (this is {purpose!r}); "
                "set force = true to turn it on here too")
    if testing.force and not testing.atf:
        te.fail(te.key("force"), "only applies with atf = true")
    te.finish()
    clone_target = t.value("clone_target")
    login_report = t.value("login_report")
    endpoints = endpoint_rules(t, hosts)
    records = record_rules(t)
    t.finish()
    return Environment(
        key=key, instances=instances, purpose=purpose, header=header, header_color=color.upper(),
        welcome_page=welcome, email=email, users=users, ldap=ldap, scheduled_jobs=jobs, mid_servers=mid,
        properties=properties, endpoints=endpoints, records=records, clone_target=clone_target, testing=testing,
        login_report=login_report,
    )


def _job(t: Table, base: Path, known: set[str]) -> Job:
    name = t.value("name")
    key = t.value("key", slug(name))
    run_on = t.value("run_on")
    for i, inst in enumerate(run_on):
        if inst not in known:
            t.fail(f"{t.key('run_on')}[{i}]",
                   f"{inst!r} is neither a production instance nor listed under an environment")
    label = t.value("script")
    script_path = base / label
    _inside(t, base, label, script_path)
    script_path, script = _job_script(t, script_path)
    run = t.value("run")
    time = t.value("time")
    dow = t.value("day_of_week")
    dom = t.value("day_of_month")
    interval = t.value("interval")
    start = t.value("start")
    if run == "periodically" and not interval:
        t.fail(t.key("interval"), "is required when run = \"periodically\" (e.g. \"01:00:00\" or \"2 00:00:00\")")
    if run != "periodically" and interval:
        t.fail(t.key("interval"), f"only applies when run = \"periodically\" (run is {run!r})")
    if run == "once" and not start:
        t.fail(t.key("start"), "is required when run = \"once\"")
    tz = t.value("time_zone")
    if tz:
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(tz)
        except Exception:
            t.fail(t.key("time_zone"), f"{tz!r} is not a known time zone (e.g. \"Europe/Berlin\")")
    job = Job(
        key=key, name=name, run_on=run_on, script_path=script_path, script_label=label, script=script,
        run=run, time=time, day_of_week=dow, day_of_month=dom, interval=interval, start=start,
        active=t.value("active"), description=t.value("description"), time_zone=tz, run_as=t.value("run_as", ""),
    )
    t.finish()
    return job


ALLOW_OUTSIDE = "POSTCLONE_ALLOW_SCRIPTS_OUTSIDE"  # "1": job scripts may live outside the config's folder


def _inside(t: Table, base: Path, label: str, script_path: Path) -> None:
    """A job script stays inside the configuration's folder tree: no absolute path, no '..' and no
    symlink that leads out, unless the environment variable ALLOW_OUTSIDE is "1"."""
    if os.environ.get(ALLOW_OUTSIDE) == "1":
        return
    if Path(label).is_absolute() or ".." in Path(label).parts:
        t.fail(t.key("script"), f"{label!r} leads outside the configuration's folder; give a path inside it "
               f"(or set {ALLOW_OUTSIDE}=1 to allow it)")
    try:
        script_path.resolve().relative_to(base.resolve())
    except ValueError:
        t.fail(t.key("script"), f"{label!r} is a symlink that leads outside the configuration's folder "
               f"(set {ALLOW_OUTSIDE}=1 to allow it)")
    except OSError as err:
        t.fail(t.key("script"), f"cannot resolve {label!r}: {err.strerror}")


def _job_script(t: Table, script_path: Path) -> tuple[Path, str]:
    """The job body file: bounded, UTF-8, without a byte order mark or CRLF line ends."""
    try:
        script_bytes = read_regular(script_path, MAX_JOB_BYTES, "a job script (it holds at most 8000 characters)")
    except InputError as err:
        t.fail(t.key("script"), str(err))
    try:
        script = script_bytes.decode("utf-8")
    except UnicodeDecodeError as err:
        line = script_bytes[: err.start].count(b"\n") + 1
        t.fail(t.key("script"), f"{script_path}:{line}: not valid UTF-8")
    if script.startswith("\ufeff"):
        script = script[1:]
    script = script.replace("\r\n", "\n")
    if BAD_CHARS_RE.search(script):
        t.fail(t.key("script"), f"{script_path} contains a control character XML cannot carry")
    finding = secretscan.script_finding(str(script_path), script)
    if finding:
        raise ConfigError(finding)
    return script_path, script
