"""Reading a build folder postclone wrote earlier: its manifest, the deletions it carries, whether it
is up to date (`build` answers "up to date") and how it differs (`build --check`)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from generator import plan
from generator.config import Config
from generator.errors import InputError
from generator.plan import MANIFEST_FILE

if TYPE_CHECKING:
    from generator.package import Build


def target(cfg: Config, out: Path, previous: Path | None) -> tuple[plan.Plan, Path, str]:
    """What `build` decides before it renders anything: the plan (with the DELETE updates of
    `previous`, or those the build folder already carries), the build folder, and the inputs digest."""
    folder = out / plan.folder_name(cfg)
    prev = read_manifest(previous) if previous else carried_deletions(folder)
    the_plan = plan.make(cfg, prev)
    return the_plan, folder, the_plan.inputs_digest(os.environ.get("SOURCE_DATE_EPOCH", "").strip() or None)


def up_to_date_text(folder: Path, seconds: float) -> str:
    return f"up to date: {folder}/ already holds this build ({seconds:.2f}s; --force rebuilds)"


def unchanged(folder: Path, inputs: str) -> bool:
    """True when `folder` holds a complete, untouched build of exactly these inputs."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        if manifest.get("inputs_digest") != inputs:
            return False
        files = manifest["files"]
        present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        if present != set(files) | {MANIFEST_FILE}:
            return False
        return all(hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
                   for name, digest in files.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def carried_deletions(folder: Path) -> dict | None:
    """The DELETE updates an earlier build of this same release carried (from its --previous), so a
    rebuild without --previous keeps them. None when there are none."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        deleted = manifest.get("deleted")
    except (OSError, ValueError, AttributeError):
        return None
    if isinstance(deleted, list) and deleted and all(isinstance(d, dict) for d in deleted):
        return {"records": [], "deleted": deleted}
    return None


def read_manifest(path: Path) -> dict:
    """A build folder's manifest.json (path may be the folder or the file)."""
    file = path / MANIFEST_FILE if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{file}: no manifest here (expected a build folder or its manifest.json)") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{file}: cannot read: {err}") from None
    except json.JSONDecodeError as err:
        raise InputError(f"{file}:{err.lineno}:{err.colno}: not valid JSON: {err.msg}") from None
    if not isinstance(data, dict) or data.get("tool") != "postclone" or not isinstance(data.get("records"), list):
        raise InputError(f"{file}: not a postclone manifest")
    return data


def compare(build: "Build", folder: Path) -> list[str]:
    """Differences between an in-memory build and a build folder on disk, one line each."""
    expected = build.texts()
    actual = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    out = []
    for name in sorted(set(expected) | actual):
        if name not in actual:
            out.append(f"missing: {name}")
        elif name not in expected:
            out.append(f"extra: {name}")
        else:
            have = (folder / name).read_text(encoding="utf-8")
            if have != expected[name]:
                out.append(f"stale: {name}")
                import difflib

                lines = list(difflib.unified_diff(have.splitlines(), expected[name].splitlines(),
                                                  f"built/{name}", f"expected/{name}", lineterm="", n=0))
                out += [f"    {line[:160]}" for line in lines[2:12]]
                if len(lines) > 12:
                    out.append(f"    ... {len(lines) - 12} more diff lines")
    return out
