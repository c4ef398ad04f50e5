"""Reading XML from other people's files: one hardened lxml parser, errors as file:line:column.

Every command that reads XML goes through `parse_file` (or `parse_bytes` for text already in memory):
a regular file only, bounded in bytes (generator/readfile.py), never decompressed, no DTD (a
DOCTYPE is refused, so no entity can be defined or loaded), no network."""

from __future__ import annotations

import re
from typing import Any

from generator.errors import InputError
from generator.readfile import GZIP_MAGIC, read_regular


def parser(**options: Any):
    """An lxml parser that never expands entities or touches the network."""
    from lxml import etree

    settings = {"resolve_entities": False, "no_network": True, "load_dtd": False, "dtd_validation": False,
                "huge_tree": False}
    settings.update(options)
    return etree.XMLParser(**settings)


def syntax_error(label: str, err: Any) -> InputError:
    """An lxml XMLSyntaxError as one line: label:line:column: message."""
    line, column = err.position if err.position else (0, 0)
    msg = re.sub(r", line \d+, column \d+$", "", err.msg)
    return InputError(f"{label}:{line}:{column}: not well-formed XML: {msg}")


def parse_bytes(data: bytes, label: str, **options: Any):
    """Parse a document held in memory with `parser(**options)`; malformed XML, compressed data and a
    DOCTYPE are an InputError."""
    from lxml import etree

    if data[:2] == GZIP_MAGIC:
        raise InputError(f"{label}: is compressed (gzip); postclone reads XML only as plain text, so unpack it first")
    refuse_doctype(data, label)
    try:
        root = etree.fromstring(data, parser(**options))
    except etree.XMLSyntaxError as err:
        raise syntax_error(label, err) from None
    if root is None:
        raise InputError(f"{label}: holds no XML element")
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InputError(f"{label}:1:1: has a DOCTYPE; exports and update sets have none, and postclone reads no "
                         "DTD or entity definitions")
    return root


PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)


def prolog_end(data: bytes) -> int:
    """Where the root element (or a DOCTYPE) can start in a UTF-8 document: after the byte order mark,
    the XML declaration, comments, processing instructions and the whitespace between them."""
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while m := PROLOG_ITEM.match(data, pos):
        pos = m.end()
    while data[pos:pos + 1].isspace():
        pos += 1
    return pos


def refuse_doctype(data: bytes, label: str) -> None:
    """Refuse a DOCTYPE before the parser sees it: some lxml settings (collect_ids=False among them)
    load an external DTD even with load_dtd=False. Only UTF-8 is read, so the check sees the text."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        raise InputError(f"{label}:1:1: is not UTF-8 (exports and update sets are)")
    if data[prolog_end(data):][:9] == b"<!DOCTYPE":
        raise InputError(f"{label}:1:1: has a DOCTYPE; exports and update sets have none, and postclone reads no "
                         "DTD or entity definitions")


def parse_file(path: Any, limit: int, what: str, **options: Any):
    """Read the regular file `path` (at most `limit` bytes) and parse it as `parse_bytes` does."""
    return parse_bytes(read_regular(path, limit, what), str(path), **options)
