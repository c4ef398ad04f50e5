"""Reading any update set XML (ours or anyone's), for `postclone inspect` and `postclone diff`.

Parsing is defensive: lxml with entity expansion and network access off, files over MAX_BYTES are
refused, and malformed XML is reported as file:line:column.

A reviewer must see every byte ServiceNow would import. A field is read whole: when it holds anything
but text (a comment, a processing instruction, a child element) its value is the field's whole inner
markup, and a field given twice keeps both copies ("script" and "script#2"). Each such irregularity is
a line in `UpdateSet.problems`: inspect and diff print them and exit 1. (An entity reference cannot
hide anything: a DOCTYPE is refused, so every entity but the five predefined ones is a syntax error.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import InputError
from generator.xmlread import parse_bytes as _parse
from generator.xmlread import parse_file
from generator.xmlread import parser as _parser

MAX_BYTES = 64 * 1024 * 1024
SCRIPT_FIELDS = ("script", "condition", "action_script", "script_plain", "client_script", "template")


# Fields of those names that hold an encoded query (and the condition builder's <item/> elements), not code.
QUERY_FIELDS = {("clone_data_preserver", "condition")}


def script_field(name: str, table: str = "") -> bool:
    """A field holding code (a second copy, "script#2", included)."""
    base = name.split("#", 1)[0]
    return base in SCRIPT_FIELDS and (table, base) not in QUERY_FIELDS


@dataclass
class Row:
    action: str
    table: str
    name: str  # sys_update_name: <table>_<sys_id>
    sys_id: str  # the record's sys_id (from the payload)
    target_name: str
    type: str
    fields: dict[str, str] = field(default_factory=dict)
    payload: str = ""
    line: int = 0


@dataclass
class UpdateSet:
    path: Path
    unload_date: str
    header: dict[str, str]
    rows: list[Row]
    problems: list[str] = field(default_factory=list)  # irregular content, one line each (file:line: ...)


IRREGULAR = {"_Comment": "a comment", "_ProcessingInstruction": "a processing instruction"}


def _irregular(node) -> str:
    """What a node inside a field is when it is not text or an element ("a comment"), else ""."""
    return IRREGULAR.get(type(node).__name__, "")


def _fields(record, where: str, problems: list[str]) -> dict[str, str]:
    """Every field of `record` read whole: its text with any child element as markup (so nothing in it
    can hide from diff or extract). Reported: a comment or processing instruction in a field, a child
    element mixed with text, and a field given twice. Real exports carry child elements in two ways
    that are not reported: a condition's `<item .../>` elements after its encoded query (no text of
    their own), and the legacy format's nested records (elements only, no text around them)."""
    from lxml import etree

    fields: dict[str, str] = {}
    copies: dict[str, int] = {}
    for c in record:
        if not isinstance(c.tag, str):
            continue
        elements = [child for child in c if not _irregular(child)]
        direct = (c.text or "") + "".join(child.tail or "" for child in c)  # the field's own text
        odd = {_irregular(child) for child in c if _irregular(child)}
        if elements and (any((e.tail or "").strip() for e in elements)
                         or ((c.text or "").strip() and any("".join(e.itertext()).strip() for e in elements))):
            odd.add("child elements mixed with text")
        if odd:
            what = " and ".join(sorted(odd))
            problems.append(f"{where}:{c.sourceline}: field <{c.tag}> of <{record.tag}> holds {what}, "
                            "not only text: all of it is shown")
        copies[c.tag] = copy = copies.get(c.tag, 0) + 1
        name = c.tag if copy == 1 else f"{c.tag}#{copy}"
        nested = elements and not direct.strip()  # a nested record (legacy format), not a field
        if copy > 1 and not nested:
            problems.append(f"{where}:{c.sourceline}: field <{c.tag}> of <{record.tag}> is given {copy} times: "
                            f"this copy is shown as {name!r}")
        # the value: the text, each child element as its markup, comments and processing instructions left out
        fields[name] = (c.text or "") + "".join(
            ("" if _irregular(child) else etree.tostring(child, encoding="unicode", with_tail=False))
            + (child.tail or "") for child in c)
    return fields


def read(path: Path) -> UpdateSet:
    return _read_root(parse_file(path, MAX_BYTES, "an update set"), path)


def parse(data: bytes, path: Path) -> UpdateSet:
    """An update set already read into memory (from a build folder, or stdin); `path` names it in errors."""
    return _read_root(_parse(data, str(path)), path)


def _read_root(root, path: Path) -> UpdateSet:
    if root.tag == "record_update":
        # One record as Studio source control stores it (update/<sys_update_name>.xml).
        record = next((c for c in root if isinstance(c.tag, str)), None)
        if record is None:
            raise InputError(f"{path}:{root.sourceline}: <record_update> holds no record")
        problems: list[str] = []
        fields = _fields(record, str(path), problems)
        sys_id = fields.get("sys_id", "")
        row = Row(record.get("action", "INSERT_OR_UPDATE"), root.get("table") or record.tag,
                  fields.get("sys_update_name") or f"{record.tag}_{sys_id}", sys_id,
                  fields.get("name") or fields.get("sys_name", ""), "", fields, "", record.sourceline or 0)
        return UpdateSet(path, "", {}, [row], problems)
    if root.tag != "unload":
        raise InputError(f"{path}:{root.sourceline}: expected an update set (<unload> root), found <{root.tag}>")
    header: dict[str, str] = {}
    rows: list[Row] = []
    problems = []
    for el in root:
        if not isinstance(el.tag, str):
            continue
        if el.tag == "sys_remote_update_set":
            header = _fields(el, str(path), problems)
        elif el.tag == "sys_update_xml":
            rows.append(_row(el, path, problems))
        else:
            # A single-record export (<unload><sys_script_fix>…): treat the record as its own row.
            fields = _fields(el, str(path), problems)
            rows.append(Row(el.get("action", "INSERT_OR_UPDATE"), el.tag, f"{el.tag}_{fields.get('sys_id', '')}",
                            fields.get("sys_id", ""), fields.get("name", ""), "", fields, "", el.sourceline or 0))
    if not header and not rows:
        raise InputError(f"{path}: no sys_remote_update_set and no records: not an update set")
    return UpdateSet(path, root.get("unload_date", ""), header, rows, problems)


def _row(el, path: Path, problems: list[str]) -> Row:
    outer = _fields(el, str(path), problems)
    get = lambda tag: outer.get(tag, "")  # noqa: E731
    payload = get("payload")
    fields: dict[str, str] = {}
    table = get("name").rsplit("_", 1)[0] if "_" in get("name") else ""
    sys_id = ""
    if payload.strip():
        label = f"{path} (payload of {get('name')})"
        inner = _parse(payload.encode("utf-8"), label)
        record = next((c for c in inner if isinstance(c.tag, str)), None)
        if record is not None:
            table = inner.get("table") or record.tag
            fields = _fields(record, label, problems)
            sys_id = fields.get("sys_id", "")
    if not sys_id:
        sys_id = get("name").rsplit("_", 1)[-1]
    return Row(get("action"), table, get("name"), sys_id, get("target_name"), get("type"), fields, payload,
               el.sourceline or 0)


# --------------------------------------------------------------------------- inspect


def inspect_json(us: UpdateSet) -> dict:
    return {
        "file": str(us.path),
        "unload_date": us.unload_date,
        "update_set": {k: us.header.get(k, "") for k in ("name", "sys_id", "state", "application_scope",
                                                          "description", "sys_created_on")},
        "records": [
            {"action": r.action, "table": r.table, "name": r.target_name, "sys_id": r.sys_id, "type": r.type,
             "update_name": r.name}
            for r in us.rows
        ],
        "problems": us.problems,
    }


def inspect_text(us: UpdateSet) -> str:
    h = us.header
    if h:
        lines = [
            f"{us.path}: update set {h.get('name', '')!r} ({h.get('sys_id', '')})",
            f"  scope {h.get('application_scope', '') or '-'}, state {h.get('state', '') or '-'}, "
            f"unloaded {us.unload_date or '-'}, {len(us.rows)} records",
        ]
    else:
        lines = [f"{us.path}: record export (no sys_remote_update_set), {len(us.rows)} "
                 f"{'record' if len(us.rows) == 1 else 'records'}"
                 + (f", unloaded {us.unload_date}" if us.unload_date else "")]
    width = max((len(r.table) for r in us.rows), default=0)
    for r in us.rows:
        lines.append(f"  {r.action:<16} {r.table:<{width}}  {r.target_name or '-'}  {r.sys_id}")
    lines += problem_lines(us)
    return "\n".join(lines)


def problem_lines(us: UpdateSet) -> list[str]:
    return [f"irregular: {p}" for p in us.problems]


def extract(us: UpdateSet, folder: Path) -> list[Path]:
    """Write each script field to <table>/<sys_id>.<field>.js and each record as pretty XML.

    Names come from the file, so each is made safe: only letters, digits, '.', '_' and '-', no leading
    dot, at most 100 characters (a longer one is shortened and keeps a hash of the whole), and two
    records that would share a name get -2, -3, ... Every text is made first, then written; a folder
    that cannot be written is exit 2 with the path."""
    from lxml import etree

    texts: dict[Path, str] = {}
    used: set[tuple[str, str]] = set()
    for r in us.rows:
        table = _safe(r.table or "unknown")
        stem, n = _safe(r.sys_id or r.name or "record"), 1
        while (table, stem if n == 1 else f"{stem}-{n}") in used:
            n += 1
        stem = stem if n == 1 else f"{stem}-{n}"
        used.add((table, stem))
        base = folder / table
        for name, value in r.fields.items():
            if script_field(name, r.table) and value.strip():
                texts[base / f"{stem}.{_safe(name.replace('#', '.'))}.js"] = value
        if r.payload.strip():
            inner = etree.fromstring(r.payload.encode("utf-8"), _parser())
            etree.indent(inner, space="    ")
            text = etree.tostring(inner, encoding="unicode")
        else:
            rec = etree.Element(r.table or "record", action=r.action)
            for k, v in r.fields.items():  # tags read from the file; a second copy "script#2" becomes <script.2>
                etree.SubElement(rec, k.replace("#", ".")).text = v
            etree.indent(rec, space="    ")
            text = etree.tostring(rec, encoding="unicode")
        texts[base / f"{stem}.xml"] = text + "\n"
    try:
        for path, text in texts.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise InputError(f"{err.filename or folder}: cannot write the extracted files: {err.strerror}") from None
    return list(texts)


def _safe(name: str) -> str:
    import hashlib

    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-") or "_"
    if len(safe) > 100:
        safe = safe[:80] + "-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
    return safe
