"""Instance snapshots as files: reading list exports (`<unload>` XML or JSON) and writing them.

A ServiceNow list's "Export > XML" gives one `<unload>` file per table; `load_data` reads a folder
of them (or the simpler {"table": [records]} JSON form) and `write_exports` writes that layout.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.console import Progress
from generator.errors import InputError
from generator.package import XML_DECLARATION
from generator.readfile import GZIP_MAGIC, STDIN, STDIN_LABEL, human, open_regular, parse_json, read_regular
from generator.xmlread import parse_bytes, parse_file, parser, prolog_end, refuse_doctype, syntax_error

MAX_EXPORT_BYTES = 2 << 30  # one list export: 2 GiB holds well over 1,000,000 users
# How a list export is parsed (from a file or standard input): remove_blank_text drops only the
# whitespace between elements (a field holding just spaces keeps them); with collect_ids off it
# parses a 100,000-user export about 40% faster. huge_tree: a large instance's export holds more than
# libxml2's default limits allow; the byte limit bounds it.
XML_OPTIONS = {"huge_tree": True, "remove_blank_text": True, "collect_ids": False}


# The simulator's engine reads an export's records itself (glide/load.js) in pieces of about this
# many bytes, while lxml checks the whole file in another thread: Python never holds a record, so a
# 1,000,000-user sys_user export (350 MB of XML, over 3 GB as an lxml tree) loads in seconds.
CHUNK_BYTES = 8 << 20


def load_data(path: Path) -> dict[str, list[dict[str, str]]]:
    """Read a folder (or one file) of list exports: `<unload>` XML or {"table": [records]} JSON. The
    path `-` reads one export from standard input (JSON when it starts with `{`)."""
    data: dict[str, list[dict[str, str]]] = {}
    for item in engine_items(path, xml_text=False):
        assert isinstance(item, Rows)
        data.setdefault(item.table, []).extend(item.rows)
    return data


@dataclass
class Rows:
    """Records read here: a JSON export, or an XML export the engine's reader does not take."""

    table: str
    rows: list[dict[str, str]]


@dataclass
class XmlPiece:
    """Part of an `<unload>` export for the engine's own reader (glide/load.js): `text` starts at a
    `<` (the first piece: just after the root's start tag), `line` is its first line in the file.
    `last` is set on the file's last piece. `checked()` waits for lxml's check of the whole file and
    raises its error if the file is not well-formed (or changed while it was read)."""

    label: str
    stem: str
    text: str
    line: int
    last: bool
    checked: Callable[[], None]


@dataclass
class XmlDrop:
    """The engine's reader cannot take the rest of this export after all: forget what it read of it
    (the export follows as Rows)."""

    label: str


def engine_items(path: Path, chunk_bytes: int = CHUNK_BYTES,
                 xml_text: bool = True) -> Iterator[Rows | XmlPiece | XmlDrop]:
    """What the engine loads from a folder (or one file) of exports, file by file. An XML export
    comes as XmlPiece text when `xml_text` (see `_xml_for_engine`), and is otherwise read here, as Rows."""
    if str(path) == STDIN:
        raw = read_regular(path, MAX_EXPORT_BYTES, "a list export")
        if raw.lstrip()[:1] == b"{":
            tables = _json_tables(parse_json(raw, STDIN_LABEL), Path(STDIN_LABEL))
        else:
            tables = _xml_tables(parse_bytes(raw, STDIN_LABEL, **XML_OPTIONS), Path(STDIN_LABEL))
        yield from _as_rows(tables)
        return
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    # *.manifest.json describes a snapshot (`snapshot --from` writes one); it is not an export
    files = sorted(p for p in path.iterdir() if p.suffix in (".xml", ".json") and not p.name.endswith(".manifest.json")
                   ) if path.is_dir() else [path]
    if path.is_dir() and not files:
        raise InputError(f"{path}: no .xml or .json exports in this folder")
    with Progress("loading exports", len(files)) as progress:
        for f in files:
            progress.show(f.name)
            if f.suffix == ".xml" and xml_text:
                yield from _xml_for_engine(f, chunk_bytes)
            else:
                yield from _as_rows(_load_json(f) if f.suffix == ".json" else _load_xml(f))
            progress.step(f.name)


ROOT_START = re.compile(rb"<unload(?:\s(?:[^<>\"']|\"[^\"]*\"|'[^']*')*)?>")
ENCODING = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
NOT_READ_BY_ENGINE = re.compile(rb"<[!?]")  # a comment, CDATA section, processing instruction or DOCTYPE


def _records_start(head: bytes) -> int | None:
    """Where the records begin in a file that starts with `head` (just after `<unload …>`), when the
    engine's reader may take the file: UTF-8 and an `<unload>` root with content. None otherwise."""
    if head[:2] == GZIP_MAGIC or head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]:
        return None
    decl = ENCODING.match(head, 3 if head.startswith(b"\xef\xbb\xbf") else 0)
    if decl and decl.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    root = ROOT_START.match(head, prolog_end(head))
    if not root or root.group().endswith(b"/>"):
        return None
    return root.end()


class _Stream:
    """One reader of an open file at its own offset, up to `size` bytes, with a CRC-32 of what it read
    (lxml's check and the engine's pieces read the same file separately; the two must agree)."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd, self.size, self.pos, self.crc = fd, size, 0, 0

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.pos if n < 0 else min(n, self.size - self.pos)
        data = os.pread(self.fd, n, self.pos) if n > 0 else b""
        self.pos += len(data)
        self.crc = zlib.crc32(data, self.crc)
        return data

    def read_full(self, n: int) -> bytes:
        parts = []
        while n > 0 and (part := self.read(n)):
            parts.append(part)
            n -= len(part)
        return b"".join(parts)


def _xml_for_engine(path: Path, chunk_bytes: int) -> Iterator[Rows | XmlPiece | XmlDrop]:
    """One `<unload>` export for the engine's reader, streamed: pieces of about `chunk_bytes`, each cut
    just before a `<` (never inside a tag or a text, where `<` is escaped), while lxml checks the whole
    file in a worker thread without building a tree. Memory holds a piece, never the file. A file the
    reader does not take (see `_records_start`; or a comment, CDATA section or processing
    instruction after the root's start tag) is read with lxml here instead, as Rows."""
    from concurrent.futures import ThreadPoolExecutor

    label = str(path)
    fd = open_regular(path, "a list export")
    try:
        size = os.fstat(fd).st_size
        if size > MAX_EXPORT_BYTES:
            raise InputError(f"{path}: is over the {human(MAX_EXPORT_BYTES)} limit for a list export")
        reader = _Stream(fd, size)
        head = reader.read_full(min(size, max(chunk_bytes, 1 << 16)))
        start = _records_start(head)
        if start is None:
            yield from _as_rows(_load_xml(path))
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="postclone-check") as pool:
            checker = _Stream(fd, size)
            future = pool.submit(_well_formed, checker, label)

            def checked() -> None:
                future.result()
                if reader.pos >= size and (checker.pos, checker.crc) != (reader.pos, reader.crc):
                    raise InputError(f"{path}: changed while it was read; read it again when nothing writes to it")

            line = 1 + head.count(b"\n", 0, start)
            carry = head[start:]
            while True:
                block = reader.read_full(chunk_bytes) if reader.pos < size else b""
                data = carry + block
                cut = data.rfind(b"<") if block else len(data)
                if block and cut <= 0:
                    carry = data  # no tag starts in this block: read on
                    continue
                piece, carry = data[:cut], data[cut:]
                if NOT_READ_BY_ENGINE.search(piece):
                    future.result()  # a malformed file is reported as such
                    yield XmlDrop(label)
                    yield from _as_rows(_load_xml(path))
                    return
                yield XmlPiece(label, path.stem, piece.decode("utf-8", "replace"), line, not block, checked)
                line += piece.count(b"\n")
                if not block:
                    return
    finally:
        os.close(fd)


def _as_rows(tables: dict[str, list[dict[str, str]]]) -> Iterator[Rows]:
    for table, rows in tables.items():
        yield Rows(table, rows)


def _well_formed(stream: _Stream, label: str) -> None:
    """Check the XML `stream` reads with lxml without building a tree (a parser target with no
    callbacks); an error is an InputError at file:line:column, as parsing it would give."""
    from lxml import etree

    class Nothing:
        def close(self) -> None:
            return None

    head = stream.read_full(1 << 16)
    refuse_doctype(head, label)

    class Rest:  # the head again, then the rest of the file
        def __init__(self) -> None:
            self.head: bytes | None = head

        def read(self, n: int) -> bytes:
            if self.head is not None:
                out, self.head = self.head, None
                return out
            return stream.read(n)

    try:
        etree.parse(Rest(), parser(target=Nothing(), huge_tree=True))
    except etree.XMLSyntaxError as err:
        raise syntax_error(label, err) from None


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
    """The records under `root`, by table. A field's value is its text (a comment inside it is left
    out, the text around it kept); a field holding an element is an error, as glide/load.js has it,
    except a condition field's empty <item/> elements after its encoded query, which are skipped."""
    if root.tag != "unload":
        raise InputError(f"{path}:{root.sourceline}: expected an <unload> list export, found <{root.tag}>")
    out: dict[str, list[dict[str, str]]] = {}
    for el in root:
        if not isinstance(el.tag, str):
            continue
        if el.tag == "sys_remote_update_set" or el.get("action") == "DELETE":
            continue
        rec = {}
        for child in el:
            if isinstance(child.tag, str):
                rec[child.tag] = _field_text(child, el, path)
        if not rec.get("sys_id"):
            raise InputError(f"{path}:{el.sourceline}: <{el.tag}> record has no sys_id")
        out.setdefault(el.tag, []).append(rec)
    if not out:
        out[path.stem] = []  # an empty export still says the table exists
    return out


def _field_text(field, record, path: Path) -> str:
    if not len(field):
        return field.text or ""
    parts = [field.text or ""]
    for node in field:
        if isinstance(node.tag, str) and not (node.tag == "item" and not len(node) and not node.text):
            raise InputError(f"{path}:{node.sourceline}: <{field.tag}> of <{record.tag}> holds an element "
                             f"<{node.tag}>; a list export's fields hold text")
        parts.append(node.tail or "")
    return "".join(parts)


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
