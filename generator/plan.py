"""Step 2 of the pipeline: decide, once, every record of a release (table, key, sys_id, what it deletes).

Render, validate and package read the plan; none of them computes an id. A record's sys_id depends
on the update set id, the table and the record's key only (generator/ids.py), so release N+1 updates
the records of release N. The post-clone script is a frame with one template per step: adding a step
means adding `templates/postclone/steps/<name>.js.j2` and its name to POSTCLONE_STEPS.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from generator import __version__
from generator.config import Config, Job
from generator.errors import InputError
from generator.ids import record_id, sys_id
from generator.preservers import Preserver

# The post-clone script's steps, in the order they run; each is templates/postclone/steps/<name>.js.j2.
POSTCLONE_STEPS = ("email", "welcome", "properties", "testing", "clone_target", "endpoints", "ldap", "jobs", "users",
                   "mid_servers", "records", "login_safety", "verify")

# The three post-clone records: one script text, three modes (the argument on its last line).
MODES = {
    "cleanup": "clone cleanup script; ServiceNow runs it on the target after every clone.",
    "apply": "fix script; run it by hand after a clone, or again to re-apply.",
    "preview": "dry run; reads and reports what apply would change, and writes nothing.",
}
MODE_TABLES = {"cleanup": "clone_cleanup_script", "apply": "sys_script_fix", "preview": "sys_script_fix"}
JOB_TABLE = "sysauto_script"
PRESERVER_TABLE = "clone_data_preserver"

# Records the post-clone script itself creates on the target at run time, keyed by a sys_id the
# release owns (so a second run finds and updates them instead of adding more).
OWNED = {"welcome": "sys_home", "banner": "sys_ux_banner_announcement",
         "banner_mapping": "sys_ux_m2m_banner_announcement"}

# The build folder, <id>-<version>/, holds the scripts, the update set (named as the platform names
# its exports, sys_remote_update_set_<sys_id>.xml: now-sdk transform reads nothing from a file named
# otherwise), the manifest, and nothing else.
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True, slots=True)
class Planned:
    """One record of the release: shipped in the update set, owned at run time, or deleted."""

    table: str
    key: str
    sys_id: str
    name: str
    update_id: str = ""  # sys_id of the sys_update_xml row that carries it in this release

    def entry(self) -> dict[str, str]:
        """The record as the manifest lists it."""
        return {"table": self.table, "key": self.key, "sys_id": self.sys_id, "name": self.name}


@dataclass(frozen=True, slots=True)
class Plan:
    config: Config
    update_set_sys_id: str  # the sys_remote_update_set of this release
    remote_sys_id: str
    scripts: dict[str, Planned]  # mode -> its post-clone record
    install: Planned  # the fix script to run on production after the commit
    jobs: tuple[tuple[Job, Planned], ...]
    owned: dict[str, Planned]  # key -> record the post-clone script creates at run time
    deletions: tuple[Planned, ...]  # DELETE updates: records an earlier release shipped and this one has not
    preservers: tuple[tuple[Preserver, Planned], ...] = ()
    steps: tuple[str, ...] = POSTCLONE_STEPS

    @property
    def records(self) -> tuple[Planned, ...]:
        """Every record the update set ships, in a fixed order: cleanup, apply, preview, install, jobs,
        preservers."""
        return (*self.scripts.values(), self.install, *(p for _, p in self.jobs), *(p for _, p in self.preservers))

    def job(self, job: Job) -> Planned:
        return next(p for j, p in self.jobs if j.key == job.key)

    @property
    def shipped_job_ids(self) -> list[str]:
        return sorted(p.sys_id for _, p in self.jobs)

    @property
    def job_run_as(self) -> list[dict]:
        """The shipped jobs that name a `run_as` user: its user_name is looked up on each instance at run time."""
        return sorted(({"id": p.sys_id, "user": j.run_as, "runOn": list(j.run_on)} for j, p in self.jobs if j.run_as),
                      key=lambda r: r["id"])

    @property
    def active_job_ids(self) -> list[str]:
        """The shipped jobs that are active, so that ServiceNow must schedule them."""
        return sorted(p.sys_id for j, p in self.jobs if j.active)

    @property
    def update_set_name(self) -> str:
        """The update set's name in the XML and in the scripts: name and version."""
        return f"{self.config.update_set.name} {self.config.update_set.version}"

    @property
    def update_set_file(self) -> str:
        return f"sys_remote_update_set_{self.update_set_sys_id}.xml"

    @property
    def folder_name(self) -> str:
        """The build folder's name: <id>-<version>."""
        return folder_name(self.config)

    def inputs_digest(self, epoch_env: str | None) -> str:
        """Everything a build's output depends on: tool version, config and job files, the records an
        earlier release shipped that this one deletes, and SOURCE_DATE_EPOCH when set."""
        h = hashlib.sha256()
        for part in (__version__, self.config.digest, epoch_env or ""):
            h.update(part.encode("utf-8") + b"\0")
        h.update(json.dumps([p.entry() for p in self.deletions], sort_keys=True).encode())
        return h.hexdigest()


def folder_name(cfg: Config) -> str:
    """The build folder's name: <id>-<version>."""
    return f"{cfg.update_set.id}-{cfg.update_set.version}"


def make(cfg: Config, previous: dict | None = None, source: str = "the previous manifest") -> Plan:
    """The plan of `cfg`; `previous` is an earlier release's manifest (records it shipped or deleted),
    read from `source` (named in errors)."""
    us = cfg.update_set
    uid = us.id

    def planned(table: str, key: str, name: str) -> Planned:
        update_id = sys_id(uid, "sys_update_xml", us.version, table, key)
        return Planned(table, key, record_id(uid, table, key), name, update_id)

    scripts = {mode: planned(table, mode, f"postclone {mode} {uid}") for mode, table in MODE_TABLES.items()}
    jobs = tuple((job, planned(JOB_TABLE, job.key, job.name)) for job in cfg.jobs)
    owned = {key: Planned(table, key, record_id(uid, table, key), key) for key, table in OWNED.items()}
    install = planned("sys_script_fix", "install", f"postclone install {uid}")
    kept = tuple((pr, planned(PRESERVER_TABLE, pr.key, pr.name)) for pr in cfg.preservers)
    current = {(p.table, p.sys_id) for p in (*scripts.values(), install, *(p for _, p in jobs), *(p for _, p in kept))}
    return Plan(
        config=cfg,
        update_set_sys_id=sys_id(uid, "sys_remote_update_set", us.version),
        remote_sys_id=sys_id(uid, "remote_sys_id", us.version),
        scripts=scripts,
        install=install,
        jobs=jobs,
        owned=owned,
        deletions=_deletions(previous, current, uid, us.version, source),
        preservers=kept,
    )


# Every table a release ships a record of: an earlier release can have shipped only these.
SHIPPED_TABLES = frozenset({*MODE_TABLES.values(), "sys_script_fix", JOB_TABLE, PRESERVER_TABLE})
ENTRY_FIELDS = ("table", "key", "sys_id", "name")


def _deletions(previous: dict | None, current: set[tuple[str, str]], uid: str, version: str,
               source: str) -> tuple[Planned, ...]:
    """Records the previous release shipped (or deleted) that this config does not have. Only records
    of this update set's own id namespace can be deleted: an entry whose sys_id is not the one
    record_id(update_set.id, table, key) gives is refused, so a manifest (edited, or of another
    update set) can never make a release delete anyone else's record."""
    if not previous:
        return ()
    out: dict[tuple[str, str], Planned] = {}
    header = previous.get("update_set")
    if isinstance(header, dict) and header.get("id", uid) != uid:
        raise InputError(f"{source}: is a build of update set {header.get('id')!r}, not {uid!r} (update_set.id): "
                         "a release deletes only records of its own update set")
    for part in ("records", "deleted"):
        entries = previous.get(part, [])
        if not isinstance(entries, list):
            raise InputError(f"{source}: {part!r} must be a list of records")
        for i, old in enumerate(entries):
            _check_own(old, f"{source}: {part}[{i}]", uid)
    for old in [*previous.get("records", []), *previous.get("deleted", [])]:
        key = (old["table"], old["sys_id"])
        if key not in current and key not in out:
            out[key] = Planned(old["table"], old["key"], old["sys_id"], old["name"],
                               sys_id(uid, "sys_update_xml", version, old["table"], old["key"]))
    return tuple(out[k] for k in sorted(out))


def _check_own(entry: object, where: str, uid: str) -> None:
    if not isinstance(entry, dict) or not all(isinstance(entry.get(f), str) for f in ENTRY_FIELDS):
        raise InputError(f"{where}: not a record entry (table, key, sys_id and name, each a string)")
    if entry["table"] not in SHIPPED_TABLES:
        raise InputError(f"{where}: table {entry['table']!r} is not one a postclone release ships "
                         f"({', '.join(sorted(SHIPPED_TABLES))}), so no DELETE update is made for it")
    if entry["sys_id"] != record_id(uid, entry["table"], entry["key"]):
        raise InputError(f"{where}: sys_id {entry['sys_id']!r} is not a record of update set {uid!r} "
                         f"(its records' sys_ids derive from update_set.id); refusing to delete a record this "
                         "update set did not create")
