"""Instance snapshots as files: reading list exports (`<unload>` XML or JSON) and writing them.

A ServiceNow list's "Export > XML" gives one `<unload>` file per table; `load_data` reads a folder
of them (or the simpler {"table": [records]} JSON form) and `write_exports` writes that layout.
"""

from __future__ import annotations

from pathlib import Path

from generator.console import Progress
from generator.errors import InputError
from generator.package import XML_DECLARATION
from generator.readfile import STDIN, STDIN_LABEL, parse_json, read_regular
from generator.xmlread import parse_bytes, parse_file

MAX_EXPORT_BYTES = 2 << 30  # one list export: 2 GiB holds well over 1,000,000 users
# How a list export is parsed (from a file or standard input): remove_blank_text drops only the
# whitespace between elements (a field holding just spaces keeps them); with collect_ids off it
# parses a 100,000-user export about 40% faster. huge_tree: a large instance's export holds more than
# libxml2's default limits allow; the byte limit bounds it.
XML_OPTIONS = {"huge_tree": True, "remove_blank_text": True, "collect_ids": False}


def load_data(path: Path) -> dict[str, list[dict[str, str]]]:
    """Read a folder (or one file) of list exports: `<unload>` XML or {"table": [records]} JSON. The
    path `-` reads one export from standard input (JSON when it starts with `{`)."""
    if str(path) == STDIN:
        raw = read_regular(path, MAX_EXPORT_BYTES, "a list export")
        if raw.lstrip()[:1] == b"{":
            return _json_tables(parse_json(raw, STDIN_LABEL), Path(STDIN_LABEL))
        return _xml_tables(parse_bytes(raw, STDIN_LABEL, **XML_OPTIONS), Path(STDIN_LABEL))
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    # *.manifest.json describes a snapshot (`snapshot --from` writes one); it is not an export
    files = sorted(p for p in path.iterdir() if p.suffix in (".xml", ".json") and not p.name.endswith(".manifest.json")
                   ) if path.is_dir() else [path]
    if path.is_dir() and not files:
        raise InputError(f"{path}: no .xml or .json exports in this folder")
    data: dict[str, list[dict[str, str]]] = {}
    with Progress("loading exports", len(files)) as progress:
        for f in files:
            progress.show(f.name)
            tables = _load_json(f) if f.suffix == ".json" else _load_xml(f)
            for table, rows in tables.items():
                data.setdefault(table, []).extend(rows)
            progress.step(f.name)
    return data


def _load_json(path: Path) -> dict[str, list[dict[str, str]]]:
    return _json_tables(parse_json(read_regular(path, MAX_EXPORT_BYTES, "a JSON export"), str(path)), path)


def _json_tables(raw: object, path: Path) -> dict[str, list[dict[str, str]]]:
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected {{\"table\": [records]}} at the top level")
    out: dict[str, list[dict[str, str]]] = {}
    for table, rows in raw.items():
        if not isinstance(rows, list):
            raise InputError(f"{path}: {table}: expected an array of records")
        out[table] = []
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                raise InputError(f"{path}: {table}[{i}]: expected a record (an object)")
            rec = {}
            for k, v in row.items():
                if isinstance(v, (dict, list)):
                    raise InputError(f"{path}: {table}[{i}].{k}: values are strings, numbers or booleans")
                rec[k] = "" if v is None else ("true" if v is True else "false" if v is False else str(v))
            if not rec.get("sys_id"):
                raise InputError(f"{path}: {table}[{i}]: record has no sys_id")
            out[table].append(rec)
    return out


def _load_xml(path: Path) -> dict[str, list[dict[str, str]]]:
    return _xml_tables(parse_file(path, MAX_EXPORT_BYTES, "a list export", **XML_OPTIONS), path)


def _xml_tables(root, path: Path) -> dict[str, list[dict[str, str]]]:
    if root.tag != "unload":
        raise InputError(f"{path}:{root.sourceline}: expected an <unload> list export, found <{root.tag}>")
    out: dict[str, list[dict[str, str]]] = {}
    for el in root:
        if not isinstance(el.tag, str):
            continue
        if el.tag == "sys_remote_update_set" or el.get("action") == "DELETE":
            continue
        rec = {child.tag: (child.text or "") for child in el if isinstance(child.tag, str)}
        if not rec.get("sys_id"):
            raise InputError(f"{path}:{el.sourceline}: <{el.tag}> record has no sys_id")
        out.setdefault(el.tag, []).append(rec)
    if not out:
        out[path.stem] = []  # an empty export still says the table exists
    return out


def write_exports(data: dict[str, list[dict[str, str]]], folder: Path,
                  unload_date: str = "2026-01-01 00:00:00") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with Progress("writing exports", len(data)) as progress:
        for table in sorted(data):
            progress.show(f"{table}.xml")
            _write_export(folder, table, data[table], unload_date)
            progress.step(f"{table}.xml")


def _write_export(folder: Path, table: str, rows: list[dict[str, str]], unload_date: str) -> None:
    from lxml import etree

    root = etree.Element("unload", unload_date=unload_date)
    root.text = "\n"
    for rec in rows:
        el = etree.SubElement(root, table, action="INSERT_OR_UPDATE")
        el.text = "\n"
        el.tail = "\n"
        for name in sorted(rec):
            child = etree.SubElement(el, name)
            child.text = rec[name] or None
            child.tail = "\n"
    text = XML_DECLARATION + etree.tostring(root, encoding="unicode") + "\n"
    (folder / f"{table}.xml").write_text(text, encoding="utf-8")
