"""`postclone snapshot OUT --from URL`: read an instance's tables through the Table API into the list-export
layout `simulate --data` reads (one `<unload>` file per table) and a manifest.

Pages are streamed to disk as they arrive (memory does not grow with a table), into a temporary
sibling folder (`.postclone-snapshot-*`) that is renamed into place at the end: a failure at any
point (an HTTP error, a full disk, Ctrl-C) leaves no OUT folder and nothing half-written. A table
the instance answers 404 for is not on it: no export is written, so simulate sees an instance
without it, and the manifest says so; sys_user, which every instance has, must be there.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator import __version__
from generator.console import Progress
from generator.errors import InputError
from generator.instance.client import Refused, TableClient

MANIFEST = "snapshot.manifest.json"  # `simulate --data` skips files named *.manifest.json
REQUIRED_TABLES = ("sys_user",)


@dataclass(frozen=True)
class TableRead:
    table: str
    query: str = ""
    fields: tuple[str, ...] = ()  # () = every field
    required: bool = False  # asked for by name (--table): a 404 is an error


def write(client: TableClient, reads: list[TableRead], out: Path, page_size: int = 1000) -> dict:
    """Read every table of `reads` into OUT; return the manifest."""
    if os.path.lexists(out) and not (out.is_dir() and not any(out.iterdir())):
        raise InputError(f"{out}: exists and is not an empty folder; snapshot writes a new folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # not .postclone-tmp-*: a build into the same folder removes those it finds unlocked
        tmp = Path(tempfile.mkdtemp(prefix=f".postclone-snapshot-{out.name}-", dir=out.parent))
    except OSError as err:
        raise InputError(f"{out}: cannot create the snapshot folder: {err.strerror}") from None
    manifest: dict = {"tool": "postclone", "tool_version": __version__, "instance": client.base,
                      "taken_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
                      "tables": {}}
    try:
        for read in reads:
            manifest["tables"][read.table] = _table(client, read, tmp, page_size)
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if out.is_dir():
            out.rmdir()  # empty: checked above
        os.rename(tmp, out)
    except (OSError, _xml_errors()) as err:  # a full disk: lxml reports its write errors as its own
        shutil.rmtree(tmp, ignore_errors=True)
        why = getattr(err, "strerror", None) or str(err)
        raise InputError(f"{out}: cannot write the snapshot: {why}; nothing was written") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _table(client: TableClient, read: TableRead, folder: Path, page_size: int) -> dict:
    from lxml import etree

    entry: dict = {"query": read.query, "fields": list(read.fields) or "all", "rows": 0}
    path = folder / f"{read.table}.xml"
    try:
        with Progress(f"reading {read.table}") as progress, contextlib.ExitStack() as stack:
            xf = None
            root = None
            for page in client.pages(read.table, read.query, read.fields, page_size):
                if xf is None:
                    xf = stack.enter_context(etree.xmlfile(str(path), encoding="UTF-8"))
                    xf.write_declaration()
                    root = stack.enter_context(xf.element("unload", unload_date=_now()))
                    xf.write("\n")
                progress.total = page.total
                for record in page.records:
                    el = etree.Element(read.table, action="INSERT_OR_UPDATE")
                    for name in sorted(record):
                        etree.SubElement(el, name).text = record[name] or None
                    xf.write(el)
                    xf.write("\n")
                entry["rows"] += len(page.records)
                progress.step(read.table, len(page.records))
            del root
    except Refused as err:
        if err.status == 404 and not read.required and read.table not in REQUIRED_TABLES:
            path.unlink(missing_ok=True)
            return {**entry, "absent": True}
        raise
    return entry


def _xml_errors() -> type[Exception]:
    from lxml import etree

    return etree.LxmlError


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
