"""Step 5 of the pipeline: write the build folder atomically (and run steps 2-4 in memory first).

`assemble` renders, validates and packages a config into file texts and a manifest; `write` puts
them in place: everything is written into a temporary sibling folder first and renamed into place at
the end, so a failed build leaves the previous build untouched and no partial folder behind.
`unchanged` and `compare` serve the unchanged-rebuild fast path and `build --check`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from generator import __version__
from generator.config import Config
from generator.errors import InputError
from generator.validate import Cache, Stats  # light: the heavy parts of each step import lazily

UPDATE_SET_FILE = "update_set.xml"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True, slots=True)
class Build:
    """Everything a build writes, as text, keyed by path inside the build folder."""

    folder_name: str
    files: dict[str, str]
    manifest: dict
    stats: Stats | None = None  # what validation did (not part of the output)


def assemble(cfg: Config, epoch: int | None = None, previous: dict | None = None,
             cache: Cache | None = None, inputs: str = "") -> Build:
    """render -> validate -> package, all in memory. `previous` is an earlier release's manifest;
    `cache` lets validation skip texts this same validator has already accepted."""
    from generator.package import build_epoch, deletions, glide_time, records, update_set_xml
    from generator.render import render
    from generator.validate import validate

    epoch = build_epoch() if epoch is None else epoch
    scripts = render(cfg)
    stats = validate(scripts, cache)
    recs = records(cfg, scripts, epoch)
    removed = deletions(cfg, planned_deletions(cfg, previous), epoch)
    files: dict[str, str] = {s.filename: s.text for s in scripts}
    files[UPDATE_SET_FILE] = update_set_xml(cfg, recs + removed, epoch)
    us = cfg.update_set
    manifest = {
        "tool": "postclone",
        "tool_version": __version__,
        "config": cfg.path.name,
        "config_digest": cfg.digest,
        "inputs_digest": inputs or inputs_digest(cfg, previous, str(epoch)),
        "source_date_epoch": epoch,
        "built_on": glide_time(epoch),
        "update_set": {"id": us.id, "name": f"{us.name} {us.version}", "version": us.version},
        "files": {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in sorted(files.items())},
        "records": [
            {"table": r.table, "key": r.key, "sys_id": r.sys_id, "name": r.name} for r in recs
        ],
    }
    if removed:
        manifest["deleted"] = [{"table": r.table, "key": r.key, "sys_id": r.sys_id, "name": r.name} for r in removed]
    return Build(folder_name(cfg), files, manifest, stats)


def folder_name(cfg: Config) -> str:
    """The build folder's name: <id>-<version>."""
    return f"{cfg.update_set.id}-{cfg.update_set.version}"


def inputs_digest(cfg: Config, previous: dict | None, epoch_env: str | None) -> str:
    """Everything a build's output depends on: tool version, config and job files, the previous
    release's records, and SOURCE_DATE_EPOCH when set."""
    h = hashlib.sha256()
    for part in (__version__, cfg.digest, epoch_env or ""):
        h.update(part.encode("utf-8") + b"\0")
    h.update(json.dumps(planned_deletions(cfg, previous), sort_keys=True).encode())
    return h.hexdigest()


def planned_deletions(cfg: Config, previous: dict | None) -> list[dict]:
    """Records the previous release shipped (or deleted) that this config does not have."""
    if not previous:
        return []
    from generator.render import JOB_TABLE, job_id, record_ids

    ids = record_ids(cfg)
    current = {("clone_cleanup_script", ids["cleanup"]), ("sys_script_fix", ids["apply"]),
               ("sys_script_fix", ids["preview"])} | {(JOB_TABLE, job_id(cfg, j)) for j in cfg.jobs}
    out: dict[tuple[str, str], dict] = {}
    for old in [*previous.get("records", []), *previous.get("deleted", [])]:
        key = (old["table"], old["sys_id"])
        if key not in current and key not in out:
            out[key] = {k: old[k] for k in ("table", "key", "sys_id", "name")}
    return [out[k] for k in sorted(out)]


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


def compare(build: Build, folder: Path) -> list[str]:
    """Differences between an in-memory build and a build folder on disk, one line each."""
    expected = {**build.files, MANIFEST_FILE: manifest_text(build.manifest)}
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


def manifest_text(manifest: dict) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@contextlib.contextmanager
def _lock(folder: Path):
    """Serialise the final swap of concurrent builds into the same folder (POSIX advisory lock)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the rename is still atomic per build
        yield
        return
    fd = os.open(folder, os.O_RDONLY)  # lock the output folder itself: nothing is left behind
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write(build: Build, out_dir: Path) -> Path:
    """Write the build into out_dir/<id>-<version>/ atomically; return that folder."""
    import shutil
    import tempfile

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{out_dir}: cannot create the output folder: {err.strerror}") from None
    target = out_dir / build.folder_name
    tmp = Path(tempfile.mkdtemp(prefix=f".{build.folder_name}.", dir=out_dir))
    try:
        made = {tmp}
        for name, text in {**build.files, MANIFEST_FILE: manifest_text(build.manifest)}.items():
            path = tmp / name
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        os.chmod(tmp, 0o755)
        with _lock(out_dir):
            old = Path(tempfile.mkdtemp(prefix=f".{build.folder_name}.old.", dir=out_dir))
            try:
                moved = False
                if target.exists():
                    os.replace(target, old / "previous")
                    moved = True
                try:
                    os.replace(tmp, target)
                except OSError:
                    if moved:
                        os.replace(old / "previous", target)  # put the previous build back
                    raise
            finally:
                shutil.rmtree(old, ignore_errors=True)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError(f"{target}: cannot write the build: {err.strerror}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
