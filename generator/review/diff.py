"""`postclone diff`: records added, removed, deleted and changed between two update sets."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

from generator.review.updateset import UpdateSet, problem_lines, script_field

# Fields that change on every build or import without changing what a record does.
VOLATILE = {"sys_created_on", "sys_updated_on", "sys_mod_count", "sys_recorded_at", "sys_created_by",
            "sys_updated_by", "payload_hash", "update_guid", "update_guid_history"}


@dataclass
class Change:
    kind: str  # added | removed | changed
    table: str
    name: str
    sys_id: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # field -> unified diff lines


def diff(old: UpdateSet, new: UpdateSet) -> list[Change]:
    """Records added, removed and changed (ignoring build timestamps and other volatile fields)."""
    a = {r.name: r for r in old.rows}
    b = {r.name: r for r in new.rows}
    out: list[Change] = []
    for key in sorted(set(a) | set(b)):
        ra, rb = a.get(key), b.get(key)
        if ra is None:
            assert rb is not None
            out.append(Change("added" if rb.action != "DELETE" else "deleted", rb.table, rb.target_name, rb.sys_id))
            continue
        if rb is None:
            out.append(Change("removed", ra.table, ra.target_name, ra.sys_id))
            continue
        if rb.action == "DELETE" and ra.action != "DELETE":
            out.append(Change("deleted", rb.table, rb.target_name, rb.sys_id))
            continue
        fields: dict[str, list[str]] = {}
        if ra.action != rb.action:
            fields["(action)"] = [f"-{ra.action}", f"+{rb.action}"]
        for name in sorted(set(ra.fields) | set(rb.fields)):
            if name in VOLATILE:
                continue
            va, vb = ra.fields.get(name, ""), rb.fields.get(name, "")
            if va != vb:
                if "\n" in va or "\n" in vb or script_field(name, rb.table):
                    fields[name] = list(difflib.unified_diff(
                        va.splitlines(), vb.splitlines(), f"old/{key}.{name}", f"new/{key}.{name}", lineterm="", n=2))
                else:
                    fields[name] = [f"-{va}", f"+{vb}"]
        if fields:
            out.append(Change("changed", rb.table, rb.target_name, rb.sys_id, fields))
    return out


def diff_text(old: UpdateSet, new: UpdateSet, changes: list[Change]) -> str:
    irregular = problem_lines(old) + problem_lines(new)
    if not changes:
        if irregular:
            return "\n".join([f"no record differs between {old.path} and {new.path}, but a field holds more than "
                              "text or is given twice, so this diff cannot vouch for them:", *irregular])
        return f"no differences between {old.path} and {new.path} (timestamps ignored)"
    lines = [f"{old.path} -> {new.path}: {len(changes)} records differ"]
    for c in changes:
        lines.append(f"{c.kind} {c.table} {c.name!r} ({c.sys_id})")
        for name, body in c.fields.items():
            if body and body[0].startswith("--- "):
                lines.append(f"  field {name}:")
                lines += [f"    {line}" for line in body]
            else:
                lines.append(f"  field {name}: {json.dumps(body[0][1:], ensure_ascii=False)} -> "
                             f"{json.dumps(body[1][1:], ensure_ascii=False)}")
    return "\n".join(lines + irregular)


def diff_json(old: UpdateSet, new: UpdateSet, changes: list[Change]) -> dict:
    return {
        "old": str(old.path),
        "new": str(new.path),
        "equal": not changes and not old.problems and not new.problems,
        "problems": old.problems + new.problems,
        "changes": [{"kind": c.kind, "table": c.table, "name": c.name, "sys_id": c.sys_id, "fields": c.fields}
                    for c in changes],
    }
