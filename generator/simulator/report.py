"""The simulator's report: what a script did to the emulated instance, step by step."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

# A step's summary line; what failed may span lines (a value from the configuration can hold a newline).
SUMMARY_RE = re.compile(
    r"postclone(?: \[preview\])?: (\S+) (\S+): (?:changed|would change) (\d+), kept (-?\d+), failed: (.*)",
    re.DOTALL)
WRITE_OPS = ("update", "updateMultiple", "insert", "delete", "deleteMultiple")


class Changes(Sequence[dict]):
    """The records a run changed, one dict per record ({seq, op, table, sys_id, name, fields: {field:
    [before, after]}}), kept as the emulation journals them: a bulk write (glide/record_writes.js,
    Bulk) is one entry holding its rows in arrays, expanded only when a record is asked for, so a
    million-row update costs a few lists here, not a million dicts."""

    def __init__(self, entries: Iterable[dict] = ()) -> None:
        self._entries: list[dict] = []
        self._len = 0
        for e in entries:
            self.append(e)

    def append(self, entry: dict) -> None:
        self._entries.append(entry)
        self._len += len(entry["sys_id"]) if entry.get("bulk") else 1

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[dict]:
        for e in self._entries:
            if e.get("bulk"):
                yield from (_row(e, i) for i in range(len(e["sys_id"])))
            else:
                yield e

    @overload
    def __getitem__(self, index: int) -> dict: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict]: ...

    def __getitem__(self, index: int | slice) -> dict | list[dict]:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError("change index out of range")
        for e in self._entries:
            n = len(e["sys_id"]) if e.get("bulk") else 1
            if index < n:
                return _row(e, index) if e.get("bulk") else e
            index -= n
        raise IndexError("change index out of range")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Changes | list):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Changes({list(self)!r})"

    def by_table(self, first: int) -> dict[str, tuple[int, list[dict]]]:
        """table -> (records changed, the first `first` of them), expanding only those."""
        out: dict[str, tuple[int, list[dict]]] = {}
        for e in self._entries:
            if not e.get("bulk"):
                n, rows = out.setdefault(e["table"], (0, []))
                out[e["table"]] = (n + 1, rows + [e] if len(rows) < first else rows)
                continue
            for i, table in enumerate(e["class"]):
                n, rows = out.get(table, (0, []))
                if len(rows) < first:
                    rows = rows + [_row(e, i)]
                out[table] = (n + 1, rows)
        return out


def _row(e: dict, i: int) -> dict:
    """Row `i` of a bulk entry as the one change applyTo (glide/record_writes.js) would journal."""
    fields = {f: [before[i], e["after"][f]] for f, before in e["before"].items() if before[i] is not None}
    return {"seq": e["seq"], "op": e["op"], "table": e["class"][i], "sys_id": e["sys_id"][i], "name": e["name"][i],
            "fields": fields}


@dataclass
class RawRun:
    """What an engine returns: the journal of the emulation, the script's error, the final tables."""

    result: dict[str, Any]
    error: str | None
    state: dict[str, list[dict[str, str]]] | None = None


@dataclass
class Step:
    name: str
    summary: str = ""
    changed: int = 0
    kept: int = 0
    failed: str = "none"
    queries: int = 0
    writes: int = 0
    changes: Changes = field(default_factory=Changes)
    logs: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the instance would do silently (they fail the run)
    absent: list[str] = field(default_factory=list)  # tables it read that the snapshot does not hold


@dataclass
class Report:
    script: str
    instance: str
    engine: str
    error: str | None
    unsupported: list[str]
    steps: list[Step]
    ops: list[dict]
    changes: Changes
    logs: list[dict]
    events: list[dict]
    attachments: list[dict]
    state: dict | None = None
    warnings: list[str] = field(default_factory=list)
    banners: list[dict] = field(default_factory=list)  # each banner afterwards: displays, or why not
    jobs: list[dict] = field(default_factory=list)  # each scheduled job afterwards: active, scheduled
    reads: dict[str, list[str]] = field(default_factory=dict)  # table -> fields the run touched (a journal)
    children: dict[str, list[str]] = field(default_factory=dict)  # parent table -> the child tables it spans
    tables: dict[str, int] = field(default_factory=dict)  # table -> records the snapshot held

    @property
    def queries(self) -> int:
        return sum(1 for o in self.ops if o["op"] in ("query", "aggregate"))

    @property
    def write_ops(self) -> list[dict]:
        return [o for o in self.ops if o["op"] in WRITE_OPS]

    @property
    def stopped(self) -> str | None:
        """The script's own last-resort line: it stopped outside every step (it threw nothing)."""
        return next((line["message"] for line in self.logs
                     if line["message"].startswith("postclone: stopped by an unexpected error")), None)

    @property
    def failed_steps(self) -> list[str]:
        return [s.name for s in self.steps if s.failed != "none"]

    @property
    def ok(self) -> bool:
        return (self.error is None and self.stopped is None and not self.unsupported and not self.failed_steps
                and not self.warnings)

    def missing_tables(self) -> dict[str, list[str]]:
        """Each table the script read that the snapshot lacks, with the steps that read it (those
        steps saw an instance without that table)."""
        out: dict[str, list[str]] = {}
        for s in self.steps:
            for table in s.absent:
                if s.name not in out.setdefault(table, []):
                    out[table].append(s.name)
        return dict(sorted(out.items()))

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    def properties_set(self) -> dict[str, str]:
        """sys_properties name -> new value, over every change the script made."""
        out = {}
        for c in self.changes:
            if c["table"] == "sys_properties" and "value" in c["fields"]:
                out[c["name"]] = c["fields"]["value"][1]
        return out

    def to_json(self) -> dict:
        return {
            "script": self.script,
            "instance": self.instance,
            "engine": self.engine,
            "ok": self.ok,
            "error": self.error,
            "stopped": self.stopped,
            "unsupported": self.unsupported,
            "warnings": self.warnings,
            "totals": {
                "queries": self.queries,
                "writes": len(self.write_ops),
                "records_changed": len(self.changes),
                "operations": len(self.ops),
            },
            "steps": [
                {
                    "name": s.name, "summary": s.summary, "changed": s.changed, "kept": s.kept,
                    "failed": s.failed, "queries": s.queries, "writes": s.writes, "changes": list(s.changes),
                    "log": [f"{line['level']}: {line['message']}" for line in s.logs], "warnings": s.warnings,
                }
                for s in self.steps
            ],
            "events": self.events,
            "banners": self.banners,
            "jobs": self.jobs,
            "attachments": [{k: v for k, v in a.items() if k != "content"} | {"lines": a["content"].count("\n")}
                            for a in self.attachments],
        }

    def to_text(self) -> str:
        out = [f"simulated {self.script} on {self.instance!r} ({self.engine})"]
        for s in self.steps:
            head = f"[{s.name}] {s.queries} queries, {s.writes} writes"
            if s.summary:
                head += f" | {s.summary}"
            out.append(head)
            by_table = s.changes.by_table(20)
            for table in sorted(by_table):
                count, rows = by_table[table]
                out.append(f"  {table}: {count} {'record' if count == 1 else 'records'}")
                for c in rows:
                    fields = ", ".join(f"{k}: {_q(v[0])} -> {_q(v[1])}" for k, v in sorted(c["fields"].items()))
                    detail = f" ({fields})" if fields and c["op"] != "insert" else ""
                    out.append(f"    {c['op']} {c['name']!r}{detail}")
                if count > 20:
                    out.append(f"    ... and {count - 20} more")
            for line in s.logs:
                if not SUMMARY_RE.match(line["message"]):
                    out.append(f"  log {line['level']}: {line['message']}")
            out += [f"  warning: {w}" for w in s.warnings]
        for e in self.events:
            out.append(f"event {e['name']} ({e['table']} {e['sys_id']})")
        active = [j for j in self.jobs if j["active"]]
        if active:
            waiting = [repr(j["name"]) for j in active if not j["scheduled"]]
            schedule = f"scheduled jobs afterwards: {len(active)} active, {len(active) - len(waiting)} scheduled"
            if waiting:
                schedule += "; active but not scheduled (no sys_trigger row): " + ", ".join(waiting[:20])
                if len(waiting) > 20:
                    schedule += f" and {len(waiting) - 20} more"
            out.append(schedule)
        for b in self.banners:
            shown = "displays" if b["displays"] else f"does not display: {b['why']}"
            out.append(f"banner {b['heading']!r}: {shown}")
        out.append(f"totals: {self.queries} queries, {len(self.write_ops)} writes, {len(self.changes)} records changed")
        if self.unsupported:
            out.append("unsupported Glide API: " + ", ".join(sorted(set(self.unsupported))))
        if self.warnings:
            out.append(f"{len(self.warnings)} warning{'s' if len(self.warnings) > 1 else ''}: the run fails")
        if self.error:
            out.append(f"the script threw: {self.error}")
        elif self.stopped:
            out.append(f"the script stopped: {self.stopped}")
        elif self.failed_steps:
            out.append("failed steps: " + ", ".join(self.failed_steps))
        return "\n".join(out)


def _q(v: str | None) -> str:
    if v is None:
        return "(none)"
    v = str(v)
    return json.dumps(v if len(v) <= 60 else v[:57] + "...", ensure_ascii=False)


def build_report(script_name: str, instance: str, engine: str, raw: RawRun) -> Report:
    r = raw.result
    events: list[tuple[int, str, dict]] = [(o["seq"], "op", o) for o in r["ops"]]
    events += [(c["seq"], "change", c) for c in r["changes"]]
    events += [(line["seq"], "log", line) for line in r["logs"]]
    events += [(w["seq"], "warning", w) for w in r.get("warnings", [])]
    events.sort(key=lambda e: (e[0], e[1] != "op"))
    steps: list[Step] = []
    current = Step("guard")
    for _, kind, item in events:
        if kind == "op":
            if item["op"] in ("query", "aggregate"):
                current.queries += 1
                if item.get("absent") and item["table"] not in current.absent:
                    current.absent.append(item["table"])
            elif item["op"] in WRITE_OPS:
                current.writes += 1
        elif kind == "change":
            current.changes.append(item)
        elif kind == "warning":
            current.warnings.append(item["message"])
        else:
            current.logs.append(item)
            m = SUMMARY_RE.match(item["message"])
            if m:
                current.name = m.group(2)
                current.summary = item["message"]
                current.changed, current.kept, current.failed = int(m.group(3)), int(m.group(4)), m.group(5)
                steps.append(current)
                current = Step("end")
    if current.queries or current.writes or current.changes or current.logs or current.warnings or not steps:
        steps.append(current)
    return Report(script_name, instance, engine, raw.error, r.get("unsupported", []), steps, r["ops"],
                  Changes(r["changes"]), r["logs"], r["events"], r["attachments"], raw.state,
                  [w["message"] for w in r.get("warnings", [])], r.get("banners", []), r.get("jobs", []),
                  {t: sorted(fields) for t, fields in sorted(r.get("reads", {}).items())}, r.get("children", {}),
                  dict(sorted(r.get("loaded", {}).items())))
