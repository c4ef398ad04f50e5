"""Step 1 of the pipeline: load and check the TOML configuration.

Every problem is a `ConfigError` with one line naming the file and the key path
(or file:line:column for TOML syntax errors). The result is a tree of frozen
dataclasses that the later steps read and never change.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import ConfigError

PURPOSES = ("development", "test", "training")
EMAIL_MODES = ("off", "redirect", "on")
RUN_TYPES = ("daily", "weekly", "monthly", "periodically", "once", "on_demand")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# ServiceNow instance names are DNS labels: lowercase letters, digits and hyphens,
# starting with a letter, not ending with a hyphen, at most 63 characters.
INSTANCE_RE = re.compile(r"^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$")
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$")
INTERVAL_RE = re.compile(r"^(?:(\d+) )?([01]?\d|2[0-3]):([0-5]\d):([0-5]\d)$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,21}$")  # "postclone preview <id>" fits sys_script_fix.name (40)
EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
SECRET_RE = re.compile(r"pass(word)?|secret|token|api_?key|credential", re.I)
# Characters XML 1.0 cannot carry (and so no update set can): C0 controls except tab/newline.
BAD_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

SYS_SCRIPT_FIX_NAME_MAX = 40  # sys_script_fix.name column length (SDK schema)
HEADER_MAX = 100  # sys_ux_banner_announcement.heading length

# Defaults by purpose. Every value can be overridden in the environment's table.
PURPOSE_DEFAULTS: dict[str, dict[str, Any]] = {
    "development": {"header": "DEVELOPMENT", "header_color": "#2E7D32"},
    "test": {"header": "TEST", "header_color": "#F9A825"},
    "training": {"header": "TRAINING", "header_color": "#1565C0"},
}


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
    server: str = ""
    user: str = ""


@dataclass(frozen=True, slots=True)
class Users:
    lock: bool = True
    keep_roles: tuple[str, ...] = ("admin",)
    keep_groups: tuple[str, ...] = ()
    keep_users: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ldap:
    disable: bool = True


@dataclass(frozen=True, slots=True)
class ScheduledJobs:
    disable: bool = True
    keep: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MidServers:
    check: bool = True
    users: tuple[str, ...] = ()


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


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    digest: str
    update_set: UpdateSet
    production: tuple[str, ...]
    environments: tuple[Environment, ...]
    jobs: tuple[Job, ...] = field(default=())

    def environment_of(self, instance: str) -> Environment | None:
        for env in self.environments:
            if instance in env.instances:
                return env
        return None


# --------------------------------------------------------------------------- reading helpers


class _Table:
    """A TOML table with its key path; every read is type-checked and every key accounted for."""

    def __init__(self, source: str, path: str, data: Any):
        self.source = source
        self.path = path
        if not isinstance(data, dict):
            self.fail(path, f"must be a table, got {_type_name(data)}")
        self.data: dict[str, Any] = data
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, key: str, message: str) -> None:
        raise ConfigError(f"{self.source}: {key}: {message}")

    def has(self, name: str) -> bool:
        return name in self.data

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ..., *, required: bool = False) -> Any:
        self.seen.add(name)
        if name not in self.data:
            if required or default is ...:
                self.fail(self.key(name), "is required")
            return default
        value = self.data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            self.fail(self.key(name), f"must be {_kind_name(kinds)}, got a boolean")
        if not isinstance(value, kinds):
            self.fail(self.key(name), f"must be {_kind_name(kinds)}, got {_type_name(value)}")
        if isinstance(value, str):
            self.check_text(self.key(name), value)
        return value

    def text(self, name: str, default: Any = ..., *, required: bool = False, nonempty: bool = True) -> str:
        value = self.get(name, str, default, required=required)
        if nonempty and name in self.data and not value.strip():
            self.fail(self.key(name), "must not be empty")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        return self.get(name, bool, default)

    def strings(self, name: str, default: tuple[str, ...] = (), *, required: bool = False) -> tuple[str, ...]:
        value = self.get(name, list, list(default), required=required)
        out = []
        for i, item in enumerate(value):
            key = f"{self.key(name)}[{i}]"
            if not isinstance(item, str):
                self.fail(key, f"must be a string, got {_type_name(item)}")
            self.check_text(key, item)
            if not item.strip():
                self.fail(key, "must not be empty")
            if item in out:
                self.fail(key, f"{item!r} is listed twice")
            out.append(item)
        return tuple(out)

    def check_text(self, key: str, value: str) -> None:
        bad = BAD_CHARS_RE.search(value)
        if bad:
            self.fail(key, f"contains control character U+{ord(bad.group()):04X}, which XML cannot carry")

    def table(self, name: str, *, required: bool = False) -> "_Table":
        self.seen.add(name)
        if name not in self.data:
            if required:
                self.fail(self.key(name), "is required")
            return _Table(self.source, self.key(name), {})
        return _Table(self.source, self.key(name), self.data[name])

    def finish(self) -> None:
        """Reject keys nobody read: unknown keys, with a 'did you mean' when one is close."""
        for name in self.data:
            if name in self.seen:
                continue
            key = self.key(name)
            if SECRET_RE.search(name):
                self.fail(key, "secrets do not belong in this file: postclone never writes passwords, tokens "
                          "or keys into an artifact (passwords are encrypted per instance: set them on the "
                          "instance, or keep them across clones with a clone data preserver)")
            import difflib  # only on the error path

            close = difflib.get_close_matches(name, sorted(self.seen), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.fail(key, f"unknown key{hint}")


def _type_name(value: Any) -> str:
    return {
        str: "a string", bool: "a boolean", int: "an integer", float: "a number",
        list: "an array", dict: "a table",
    }.get(type(value), type(value).__name__)


def _kind_name(kinds: tuple[type, ...]) -> str:
    return " or ".join(_type_name(k()) if k in (str, bool, int, float, list, dict) else k.__name__ for k in kinds)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:22].strip("-") or "postclone"


# --------------------------------------------------------------------------- loading


MAX_CONFIG_BYTES = 1024 * 1024
MAX_JOB_BYTES = 64 * 1024


def read_toml(path: Path) -> tuple[dict[str, Any], bytes]:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ConfigError(f"{path}: is a folder, not a configuration file")
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: {size} bytes is over the 1 MiB limit for a configuration file")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise ConfigError(f"{path}:{line}:{column}: not valid UTF-8 (is this a text file?)") from None
    if not text.strip():
        raise ConfigError(f"{path}: the file is empty; start from: postclone init {path.name}")
    try:
        return tomllib.loads(text), raw
    except tomllib.TOMLDecodeError as err:
        msg = str(err)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        if m:
            msg = msg[: m.start()].strip()
            raise ConfigError(f"{path}:{m.group(1)}:{m.group(2)}: TOML syntax: {msg}") from None
        m = re.search(r"\(at end of document\)", msg)
        if m:
            lines = text.count("\n") + 1
            raise ConfigError(f"{path}:{lines}: TOML syntax: {msg[: m.start()].strip()}") from None
        raise ConfigError(f"{path}: TOML syntax: {msg}") from None


def load(path: str | Path) -> Config:
    path = Path(path)
    data, raw = read_toml(path)
    source = str(path)
    root = _Table(source, "", data)
    base = path.parent

    us = root.table("update_set", required=True)
    name = us.text("name", required=True)
    version = us.text("version", required=True)
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}", version):
        us.fail(us.key("version"), f"{version!r} is not a version (letters, digits, '.', '-', '+', '_')")
    scope = us.text("scope", "global")
    if scope != "global":
        us.fail(us.key("scope"), f"{scope!r} is not supported yet: only \"global\" "
                "(clone cleanup scripts run in the global scope)")
    uid = us.text("id", slug(name))
    if not ID_RE.fullmatch(uid):
        us.fail(us.key("id"), f"{uid!r} must be 1-22 lowercase letters, digits, '-' or '_'")
    order = us.get("cleanup_order", int, 1000)
    if not 0 <= order <= 1_000_000:
        us.fail(us.key("cleanup_order"), "must be between 0 and 1000000")
    update_set = UpdateSet(
        name=name,
        version=version,
        description=us.text("description", "", nonempty=False),
        scope=scope,
        created_by=us.text("created_by", "postclone"),
        id=uid,
        cleanup_order=order,
    )
    us.finish()

    inst = root.table("instances", required=True)
    production = inst.strings("production", required=True)
    if not production:
        inst.fail(inst.key("production"), "must name at least one production instance")
    for i, p in enumerate(production):
        _check_instance(inst, f"{inst.key('production')}[{i}]", p)
    inst.finish()

    owner: dict[str, str] = {p: "instances.production" for p in production}
    envs_table = root.table("environments", required=True)
    environments = []
    for key in envs_table.data:
        envs_table.seen.add(key)
        environments.append(_environment(envs_table.table(key), key, owner))
    if not environments:
        envs_table.fail("environments", "define at least one environment")
    envs_table.finish()

    jobs_raw = root.get("jobs", list, [])
    jobs: list[Job] = []
    job_keys: set[str] = set()
    known = set(owner)
    for i, item in enumerate(jobs_raw):
        job = _job(_Table(source, f"jobs[{i}]", item), base, known)
        if job.key in job_keys:
            root.fail(f"jobs[{i}].key", f"{job.key!r} is used by another job (names must differ, or set key)")
        job_keys.add(job.key)
        jobs.append(job)
    root.finish()

    digest = hashlib.sha256(raw)
    for job in jobs:
        digest.update(b"\0" + job.script.encode("utf-8"))
    return Config(
        path=path,
        digest=digest.hexdigest(),
        update_set=update_set,
        production=production,
        environments=tuple(environments),
        jobs=tuple(jobs),
    )


def _check_instance(t: _Table, key: str, name: str) -> None:
    if not INSTANCE_RE.fullmatch(name):
        t.fail(key, f"{name!r} is not a ServiceNow instance name (lowercase letters, digits and "
               "hyphens, starting with a letter, at most 63 characters)")


def _environment(t: _Table, key: str, owner: dict[str, str]) -> Environment:
    if not re.fullmatch(r"[A-Za-z0-9_-]+", key):
        t.fail(t.path, "environment names are letters, digits, '-' and '_'")
    instances = t.strings("instances", required=True)
    if not instances:
        t.fail(t.key("instances"), "must list at least one instance")
    for i, name in enumerate(instances):
        k = f"{t.key('instances')}[{i}]"
        _check_instance(t, k, name)
        if name in owner:
            t.fail(k, f"{name!r} is already listed in {owner[name]}")
        owner[name] = t.key("instances")
    purpose = t.text("purpose", required=True)
    if purpose not in PURPOSES:
        _bad_enum(t, "purpose", purpose, PURPOSES)
    defaults = PURPOSE_DEFAULTS[purpose]
    header = t.text("header", defaults["header"])
    if len(header) > HEADER_MAX:
        t.fail(t.key("header"), f"is {len(header)} characters; the banner heading holds at most {HEADER_MAX}")
    color = t.text("header_color", defaults["header_color"])
    if not COLOR_RE.fullmatch(color):
        t.fail(t.key("header_color"), f"{color!r} is not a colour of the form #RRGGBB")
    welcome = t.boolean("welcome_page", True)

    e = t.table("email")
    mode = e.text("mode", "off")
    if mode not in EMAIL_MODES:
        _bad_enum(e, "mode", mode, EMAIL_MODES)
    redirect_raw = e.get("redirect_to", (str, list), "")
    if isinstance(redirect_raw, str):
        redirect = tuple(a.strip() for a in redirect_raw.split(",") if a.strip())
    else:
        redirect = e.strings("redirect_to")
    for a in redirect:
        if not EMAIL_RE.fullmatch(a):
            e.fail(e.key("redirect_to"), f"{a!r} is not an email address")
    if mode == "redirect" and not redirect:
        e.fail(e.key("redirect_to"), "is required when mode = \"redirect\" (the address every mail goes to)")
    if mode != "redirect" and redirect:
        e.fail(e.key("redirect_to"), f"only applies when mode = \"redirect\" (mode is {mode!r})")
    email = Email(
        mode=mode,
        redirect_to=redirect,
        purge_outbox=e.boolean("purge_outbox", True),
        server=e.text("server", ""),
        user=e.text("user", ""),
    )
    e.finish()

    u = t.table("users")
    users = Users(
        lock=u.boolean("lock", True),
        keep_roles=u.strings("keep_roles", ("admin",)),
        keep_groups=u.strings("keep_groups"),
        keep_users=u.strings("keep_users"),
    )
    u.finish()
    lt = t.table("ldap")
    ldap = Ldap(disable=lt.boolean("disable", True))
    lt.finish()
    s = t.table("scheduled_jobs")
    jobs = ScheduledJobs(disable=s.boolean("disable", True), keep=s.strings("keep"))
    s.finish()
    m = t.table("mid_servers")
    mid = MidServers(check=m.boolean("check", True), users=m.strings("users"))
    m.finish()
    t.finish()
    return Environment(
        key=key, instances=instances, purpose=purpose, header=header, header_color=color.upper(),
        welcome_page=welcome, email=email, users=users, ldap=ldap, scheduled_jobs=jobs, mid_servers=mid,
    )


def _bad_enum(t: _Table, name: str, value: str, allowed: tuple[str, ...]) -> None:
    import difflib  # only on the error path

    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    t.fail(t.key(name), f"{value!r} is not one of {', '.join(allowed)}{hint}")


def _job(t: _Table, base: Path, known: set[str]) -> Job:
    name = t.text("name", required=True)
    key = t.text("key", slug(name))
    if not ID_RE.fullmatch(key):
        t.fail(t.key("key"), f"{key!r} must be 1-22 lowercase letters, digits, '-' or '_'")
    run_on = t.strings("run_on", required=True)
    if not run_on:
        t.fail(t.key("run_on"), "must name at least one instance")
    for i, inst in enumerate(run_on):
        k = f"{t.key('run_on')}[{i}]"
        _check_instance(t, k, inst)
        if inst not in known:
            t.fail(k, f"{inst!r} is neither a production instance nor listed under an environment")
    label = t.text("script", required=True)
    script_path = base / label
    try:
        if script_path.is_dir():
            t.fail(t.key("script"), f"{script_path} is a folder, not a script file")
        if script_path.exists() and script_path.stat().st_size > MAX_JOB_BYTES:
            t.fail(t.key("script"), f"{script_path} is over 64 KiB; a job script holds at most 8000 characters")
        script_bytes = script_path.read_bytes()
    except FileNotFoundError:
        t.fail(t.key("script"), f"file not found: {script_path}")
    except OSError as err:
        t.fail(t.key("script"), f"cannot read {script_path}: {err.strerror}")
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
    run = t.text("run", "daily")
    if run not in RUN_TYPES:
        _bad_enum(t, "run", run, RUN_TYPES)
    time = t.text("time", "00:00:00")
    if not TIME_RE.fullmatch(time):
        t.fail(t.key("time"), f"{time!r} is not a time of the form HH:MM:SS")
    dow = t.text("day_of_week", "monday").lower()
    if dow not in WEEKDAYS:
        _bad_enum(t, "day_of_week", dow, WEEKDAYS)
    dom = t.get("day_of_month", int, 1)
    if not 1 <= dom <= 31:
        t.fail(t.key("day_of_month"), "must be between 1 and 31")
    interval = t.text("interval", "")
    start = t.text("start", "")
    if run == "periodically":
        if not interval:
            t.fail(t.key("interval"), "is required when run = \"periodically\" (e.g. \"01:00:00\" or \"2 00:00:00\")")
        if not INTERVAL_RE.fullmatch(interval):
            t.fail(t.key("interval"), f"{interval!r} is not a duration of the form [D ]HH:MM:SS")
    elif interval:
        t.fail(t.key("interval"), f"only applies when run = \"periodically\" (run is {run!r})")
    if start and not DATETIME_RE.fullmatch(start):
        t.fail(t.key("start"), f"{start!r} is not a date-time of the form YYYY-MM-DD HH:MM:SS")
    if run == "once" and not start:
        t.fail(t.key("start"), "is required when run = \"once\"")
    tz = t.text("time_zone", "")
    if tz:
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(tz)
        except Exception:
            t.fail(t.key("time_zone"), f"{tz!r} is not a known time zone (e.g. \"Europe/Berlin\")")
    job = Job(
        key=key, name=name, run_on=run_on, script_path=script_path, script_label=label, script=script,
        run=run, time=time, day_of_week=dow, day_of_month=dom, interval=interval, start=start,
        active=t.boolean("active", True), description=t.text("description", "", nonempty=False),
        time_zone=tz,
    )
    t.finish()
    return job
