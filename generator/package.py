"""Step 5 of the pipeline: package the plan's records and their scripts as an update set XML.

The result is a `Build`: every file of the build folder as text, and its manifest, in memory.

Layout (see the reference exports): `<unload unload_date>`, one `sys_remote_update_set`, then one
`sys_update_xml` per record, sorted by sys_id; one element per line, empty values self-closing. Each
payload is a one-line `record_update` document; script fields are CDATA inside it and then the whole
inner document is entity-escaped once as the payload's text. Everything is built with lxml.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from generator.config import WEEKDAYS, Config, Job
from generator.plan import MANIFEST_FILE, Plan, Planned
from generator.render import Script
from generator.validate import Stats

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

# sys_update_xml.type is the table's label.
TYPE_LABELS = {
    "sys_script_fix": "Fix Script",
    "clone_cleanup_script": "Clone Cleanup Script",
    # Not observed in a real export; the table's label per ServiceNow's SDK (unverified).
    "sysauto_script": "Scheduled Script Execution",
    "clone_data_preserver": "Clone Data Preserver",  # a real export (updateset-format.md, DTBX)
}
SCRIPT_FIELDS = {"script", "condition"}

GLOBAL_SCOPE = ("sys_scope", "global", {"display_value": "Global"})
GLOBAL_PACKAGE = ("sys_package", "global", {"display_value": "Global", "source": "global"})


@dataclass(frozen=True, slots=True)
class Record:
    table: str
    key: str
    sys_id: str
    name: str
    fields: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    action: str = "INSERT_OR_UPDATE"
    update_id: str = ""  # sys_id of its sys_update_xml row (from the plan)
    items: tuple[dict[str, str], ...] = ()  # a condition field's <item/> elements, after its encoded query
    applies_to: str = ""  # sys_update_xml.table: the table a record with a table field applies to


def build_epoch(env: dict[str, str] | None = None) -> int:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    source: Mapping[str, str] = os.environ if env is None else env
    raw = source.get("SOURCE_DATE_EPOCH", "").strip()
    if raw:
        from generator.errors import InputError

        if not raw.isdigit():
            raise InputError(f"SOURCE_DATE_EPOCH: {raw!r} is not a whole number of seconds")
        return int(raw)
    return int(time.time())


def glide_time(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _sys_fields(cfg: Config, table: str, rid: str, name: str, stamp: str) -> dict[str, tuple[str, dict]]:
    by = cfg.update_set.created_by
    return {
        "sys_class_name": (table, {}),
        "sys_created_by": (by, {}),
        "sys_created_on": (stamp, {}),
        "sys_id": (rid, {}),
        "sys_mod_count": ("0", {}),
        "sys_name": (name, {}),
        "sys_package": GLOBAL_PACKAGE[1:],
        "sys_policy": ("", {}),
        "sys_scope": GLOBAL_SCOPE[1:],
        "sys_update_name": (f"{table}_{rid}", {}),
        "sys_updated_by": (by, {}),
        "sys_updated_on": (stamp, {}),
    }


def records(plan: Plan, scripts: list[Script], epoch: int) -> list[Record]:
    """The plan's records with every field, in the plan's order."""
    cfg = plan.config
    stamp = glide_time(epoch)
    by_key = {(s.table, s.key, s.field): s.text for s in scripts}
    out: list[Record] = []

    cleanup = plan.scripts["cleanup"]
    f = _sys_fields(cfg, cleanup.table, cleanup.sys_id, cleanup.name, stamp)
    f.update({
        "active": ("true", {}),
        "name": (cleanup.name, {}),
        "order": (str(cfg.update_set.cleanup_order), {}),
        "script": (by_key[(cleanup.table, cleanup.key, "script")], {}),
    })
    out.append(_record(cleanup, f))

    fixes = (
        ("apply", "Applies the post-clone policy of this instance's environment (same logic as the clone "
                  "cleanup script). Does nothing on production or unknown instances."),
        ("preview", "Dry run: reports what the apply fix script would change on this instance, and writes nothing."),
        ("install", "Run once on production after committing this update set: schedules the jobs it ships and "
                    "adds the clone cleanup script to the clone profiles it names. Writes nothing else, and "
                    "nothing on other instances."),
    )
    for mode, description in fixes:
        fix = plan.install if mode == "install" else plan.scripts[mode]
        f = _sys_fields(cfg, fix.table, fix.sys_id, fix.name, stamp)
        # the fields of a fix script today (a 2024 export and now-sdk 4.9.0: no active, flush_cache, run_once)
        f.update({
            "before": ("false", {}),
            "description": (f"{description} {plan.update_set_name}.", {}),
            "name": (fix.name, {}),
            "record_for_rollback": ("false", {}),
            "script": (by_key[(fix.table, fix.key, "script")], {}),
            "unloadable": ("false", {}),
        })
        out.append(_record(fix, f))

    for job, planned in plan.jobs:
        f = _sys_fields(cfg, planned.table, planned.sys_id, planned.name, stamp)
        f.update(_job_fields(job))
        f["script"] = (by_key[(planned.table, planned.key, "script")], {})
        f["condition"] = (by_key[(planned.table, planned.key, "condition")], {})
        out.append(_record(planned, f))

    for pr, planned in plan.preservers:
        f = _sys_fields(cfg, planned.table, planned.sys_id, pr.name, stamp)
        # A real export (DTBX): <condition table="…">query^EQ<item …/>…</condition>; an empty condition
        # field is <condition/> (as empty filter_condition fields are in CODE and POST).
        f.update({
            "condition": (f"{pr.condition}^EQ", {"table": pr.table}) if pr.condition else ("", {}),
            "name": (pr.name, {}),
            "table": (pr.table, {}),
            "theme": ("true" if pr.theme else "false", {}),
        })
        out.append(_record(planned, f, items=tuple(pr.items) if pr.condition else (), applies_to=pr.table))
    return out


def _record(planned: Planned, fields: dict[str, tuple[str, dict[str, str]]], action: str = "INSERT_OR_UPDATE",
            items: tuple[dict[str, str], ...] = (), applies_to: str = "") -> Record:
    return Record(planned.table, planned.key, planned.sys_id, planned.name, fields, action, planned.update_id, items,
                  applies_to)


def deletions(plan: Plan, epoch: int) -> list[Record]:
    """DELETE updates for the records the plan deletes."""
    stamp = glide_time(epoch)
    out: list[Record] = []
    for old in plan.deletions:
        f = _sys_fields(plan.config, old.table, old.sys_id, old.name, stamp)
        f["name"] = (old.name, {})
        out.append(_record(old, f, action="DELETE"))
    return out


def _run_time(job: Job) -> str:
    """run_time is stored in UTC on the 1970-01-01 date; convert from the job's time zone if set."""
    h, m, s = (int(x) for x in job.time.split(":"))
    if not job.time_zone:
        return f"1970-01-01 {job.time}"
    from zoneinfo import ZoneInfo

    local = datetime(1970, 1, 1, h, m, s, tzinfo=ZoneInfo(job.time_zone))
    return local.astimezone(timezone.utc).strftime("1970-01-01 %H:%M:%S")


def _run_period(interval: str) -> str:
    """A duration is stored as a date-time after 1970-01-01: 'D HH:MM:SS' -> 1970-01-(D+1) HH:MM:SS."""
    if not interval:
        return ""
    days, _, clock = interval.rpartition(" ")
    h, m, s = (int(x) for x in clock.split(":"))
    d = int(days or 0)
    total = d * 86400 + h * 3600 + m * 60 + s
    return datetime.fromtimestamp(total, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _job_fields(job: Job) -> dict[str, tuple[str, dict]]:
    return {
        "active": ("true" if job.active else "false", {}),
        "advanced": ("false", {}),
        "business_calendar": ("", {"display_value": ""}),
        "conditional": ("true", {}),
        "entered_time": ("", {}),
        "max_drift": ("", {}),
        "name": (job.name, {}),
        "offset": ("", {}),
        "offset_type": ("0", {}),
        "run_as": ("", {"display_value": ""}),
        "run_as_tz": ("", {}),
        "run_dayofmonth": (str(job.day_of_month), {}),
        "run_dayofweek": (str(WEEKDAYS.index(job.day_of_week) + 1), {}),
        "run_period": (_run_period(job.interval), {}),
        "run_start": (job.start, {}),
        "run_time": (_run_time(job), {}),
        "run_type": (job.run, {}),
        "time_zone": (job.time_zone, {}),
        "upgrade_safe": ("false", {}),
    }


def _field(parent, name: str, value: str, attrs: dict[str, str], cdata: bool):
    from lxml import etree

    el = etree.SubElement(parent, name, attrs)
    if value:
        # CDATA cannot hold "]]>" and would hide "\r" from the parser; plain escaped text can.
        if cdata and "]]>" not in value and "\r" not in value:
            el.text = etree.CDATA(value)
        else:
            el.text = value
    return el


def payload(record: Record) -> str:
    """The one-line inner `record_update` document, before the outer escaping."""
    from lxml import etree

    root = etree.Element("record_update", table=record.table)
    rec = etree.SubElement(root, record.table, action=record.action)
    for name in sorted(record.fields):
        value, attrs = record.fields[name]
        # a job's condition is a script; a preserver's is an encoded query, plain text in a real export
        el = _field(rec, name, value, attrs, name in SCRIPT_FIELDS and record.table != "clone_data_preserver")
        if name == "condition":
            for item in record.items:
                etree.SubElement(el, "item", item)
    return XML_DECLARATION + etree.tostring(root, encoding="unicode")


def update_set_xml(plan: Plan, recs: list[Record], epoch: int) -> str:
    from lxml import etree

    stamp = glide_time(epoch)
    us = plan.config.update_set
    set_name = plan.update_set_name
    set_id = plan.update_set_sys_id
    by = us.created_by

    root = etree.Element("unload", unload_date=stamp)
    root.text = "\n"

    def block(tag: str, fields: list[tuple[str, str, dict[str, str]]], payload_text: str | None = None):
        el = etree.SubElement(root, tag, action="INSERT_OR_UPDATE")
        el.text = "\n"
        el.tail = "\n"
        for name, value, attrs in fields:
            child = _field(el, name, value, attrs, False)
            child.tail = "\n"
            if name == "payload" and payload_text is not None:
                child.text = etree.CDATA(payload_text) if "<![CDATA[" not in payload_text else payload_text
        return el

    block("sys_remote_update_set", [
        ("application", "global", {"display_value": "Global"}),
        ("application_name", "Global", {}),
        ("application_scope", "global", {}),
        ("application_version", "", {}),
        ("collisions", "", {}),
        ("commit_date", "", {}),
        ("deleted", "", {}),
        ("description", us.description, {}),
        ("inserted", "", {}),
        ("name", set_name, {}),
        ("origin_sys_id", "", {}),
        ("parent", "", {"display_value": ""}),
        ("release_date", "", {}),
        ("remote_base_update_set", "", {"display_value": ""}),
        ("remote_parent_id", "", {}),
        ("remote_sys_id", plan.remote_sys_id, {}),
        ("state", "loaded", {}),
        ("summary", "", {}),
        ("sys_class_name", "sys_remote_update_set", {}),
        ("sys_created_by", by, {}),
        ("sys_created_on", stamp, {}),
        ("sys_id", set_id, {}),
        ("sys_mod_count", "0", {}),
        ("sys_updated_by", by, {}),
        ("sys_updated_on", stamp, {}),
        ("update_set", "", {"display_value": ""}),
        ("update_source", "", {"display_value": ""}),
        ("updated", "", {}),
    ])

    recorded_at = f"{epoch * 1000:x}0000001"
    for rec in sorted(recs, key=lambda r: r.update_id):
        row_id = rec.update_id
        update_name = f"{rec.table}_{rec.sys_id}"
        block("sys_update_xml", [
            ("action", rec.action, {}),
            ("application", "global", {"display_value": "Global"}),
            ("category", "customer", {}),
            ("comments", "", {}),
            ("name", update_name, {}),
            ("payload", "", {}),
            ("payload_hash", "", {}),
            ("remote_update_set", set_id, {"display_value": set_name}),
            ("replace_on_upgrade", "false", {}),
            ("sys_created_by", by, {}),
            ("sys_created_on", stamp, {}),
            ("sys_id", row_id, {}),
            ("sys_mod_count", "0", {}),
            ("sys_recorded_at", recorded_at, {}),
            ("sys_updated_by", by, {}),
            ("sys_updated_on", stamp, {}),
            ("table", rec.applies_to, {}),
            ("target_name", rec.name, {}),
            ("type", TYPE_LABELS[rec.table], {}),
            ("update_domain", "global", {}),
            ("update_guid", "", {}),
            ("update_guid_history", "", {}),
            ("update_set", "", {"display_value": ""}),
            ("view", "", {}),
        ], payload(rec))
    return XML_DECLARATION + etree.tostring(root, encoding="unicode") + "\n"


@dataclass(frozen=True, slots=True)
class Build:
    """Everything a build writes, as text, keyed by path inside the build folder."""

    folder_name: str
    files: dict[str, str]
    manifest: dict
    stats: Stats | None = None  # what validation did (not part of the output)
    update_set_file: str = ""  # the update set's file name in the folder

    def texts(self) -> dict[str, str]:
        """Every file of the build folder, the manifest included."""
        return {**self.files, MANIFEST_FILE: manifest_text(self.manifest)}


def manifest_text(manifest: dict) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def package(plan: Plan, scripts: list[Script], epoch: int, inputs: str, stats: Stats | None = None) -> Build:
    """The build folder's files: the scripts as they are, the update set XML and the manifest."""
    from generator import __version__

    cfg = plan.config
    recs = records(plan, scripts, epoch)
    removed = deletions(plan, epoch)
    files: dict[str, str] = {s.filename: s.text for s in scripts}
    files[plan.update_set_file] = update_set_xml(plan, recs + removed, epoch)
    us = cfg.update_set
    manifest = {
        "tool": "postclone",
        "tool_version": __version__,
        "config_digest": cfg.digest,
        "inputs_digest": inputs,
        "source_date_epoch": epoch,
        "built_on": glide_time(epoch),
        "update_set": {"id": us.id, "name": plan.update_set_name, "version": us.version,
                       "file": plan.update_set_file},
        "files": {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in sorted(files.items())},
        "records": [p.entry() for p in plan.records],
    }
    if removed:
        manifest["deleted"] = [p.entry() for p in plan.deletions]
    return Build(plan.folder_name, files, manifest, stats, plan.update_set_file)
