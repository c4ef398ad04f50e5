"""Step 5 of the pipeline: write the build folder atomically.

Everything is written into a temporary sibling folder first and renamed into place at the end, so a
failed build leaves the previous build untouched and no partial folder behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator import __version__
from generator.config import Config
from generator.errors import InputError
from generator.package import build_epoch, glide_time, records, update_set_xml
from generator.render import Script, render
from generator.validate import validate

UPDATE_SET_FILE = "update_set.xml"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True, slots=True)
class Build:
    """Everything a build writes, as text, keyed by path inside the build folder."""

    folder_name: str
    files: dict[str, str]
    manifest: dict


def assemble(cfg: Config, epoch: int | None = None) -> Build:
    """render -> validate -> package, all in memory."""
    epoch = build_epoch() if epoch is None else epoch
    scripts: list[Script] = render(cfg)
    validate(scripts)
    recs = records(cfg, scripts, epoch)
    files: dict[str, str] = {s.filename: s.text for s in scripts}
    files[UPDATE_SET_FILE] = update_set_xml(cfg, recs, epoch)
    us = cfg.update_set
    manifest = {
        "tool": "postclone",
        "tool_version": __version__,
        "config": cfg.path.name,
        "config_digest": cfg.digest,
        "source_date_epoch": epoch,
        "built_on": glide_time(epoch),
        "update_set": {"id": us.id, "name": f"{us.name} {us.version}", "version": us.version},
        "files": {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in sorted(files.items())},
        "records": [
            {"table": r.table, "key": r.key, "sys_id": r.sys_id, "name": r.name} for r in recs
        ],
    }
    return Build(f"{us.id}-{us.version}", files, manifest)


def manifest_text(manifest: dict) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(build: Build, out_dir: Path) -> Path:
    """Write the build into out_dir/<id>-<version>/ atomically; return that folder."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{out_dir}: cannot create the output folder: {err.strerror}") from None
    target = out_dir / build.folder_name
    tmp = Path(tempfile.mkdtemp(prefix=f".{build.folder_name}.", dir=out_dir))
    try:
        for name, text in {**build.files, MANIFEST_FILE: manifest_text(build.manifest)}.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        os.chmod(tmp, 0o755)
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{build.folder_name}.old.", dir=out_dir))
            os.replace(target, old / "previous")
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError(f"{target}: cannot write the build: {err.strerror}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
