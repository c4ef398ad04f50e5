"""Reading a build folder postclone wrote earlier: its manifest, the deletions it carries, whether it
is up to date (`build` answers "up to date") and how it differs (`build --check`).

postclone writes only regular files and folders there, so nothing in a build folder is a link: a
symlink (or a device, a FIFO) is reported by name and never followed, opened or printed."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from generator import plan
from generator.config import Config
from generator.errors import InputError
from generator.plan import MANIFEST_FILE
from generator.readfile import parse_json, read_regular

MAX_FILE_BYTES = 64 * 1024 * 1024  # the largest file a build writes is the update set (see review/updateset.py)

if TYPE_CHECKING:
    from generator.package import Build


def target(cfg: Config, out: Path, previous: Path | None) -> tuple[plan.Plan, Path, str]:
    """What `build` decides before it renders anything: the plan (with the DELETE updates of
    `previous`, or those the build folder already carries), the build folder, and the inputs digest."""
    folder = out / plan.folder_name(cfg)
    prev: dict | None
    if previous:
        prev, source = read_manifest(previous), str(previous)
    else:
        prev, source = carried_deletions(folder), str(folder / MANIFEST_FILE)
    the_plan = plan.make(cfg, prev, source)
    return the_plan, folder, the_plan.inputs_digest(os.environ.get("SOURCE_DATE_EPOCH", "").strip() or None)


def up_to_date_text(folder: Path, seconds: float) -> str:
    return f"up to date: {folder}/ already holds this build ({seconds:.2f}s; --force rebuilds)"


def listing(folder: Path) -> tuple[set[str], dict[str, str]]:
    """The regular files under `folder` (relative, with /), and everything else in it with what it is
    ({"jobs/x.js": "symlink"}). Nothing is followed: a symlinked folder is listed, not entered."""
    files: set[str] = set()
    odd: dict[str, str] = {}
    try:
        top = os.lstat(folder)
    except FileNotFoundError:
        return files, odd
    if stat.S_ISLNK(top.st_mode):
        return files, {".": "symlink"}
    for dirpath, dirnames, filenames in os.walk(folder):  # followlinks=False
        base = Path(dirpath)
        for name in [*dirnames, *filenames]:
            path = base / name
            mode = os.lstat(path).st_mode
            if stat.S_ISREG(mode):
                files.add(path.relative_to(folder).as_posix())
            elif not stat.S_ISDIR(mode):
                odd[path.relative_to(folder).as_posix()] = "symlink" if stat.S_ISLNK(mode) else "not a regular file"
    return files, odd


def read_file(folder: Path, name: str) -> bytes:
    """One file of a build folder, never through a link."""
    return read_regular(folder / name, MAX_FILE_BYTES, "a file of a build folder", follow=False)


def _manifest(folder: Path) -> dict:
    data = parse_json(read_file(folder, MANIFEST_FILE), str(folder / MANIFEST_FILE))
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


def written_by_postclone(folder: Path) -> bool:
    """Whether `folder` is a build folder postclone wrote: a real folder whose manifest.json (a regular
    file, not a link) says so. `build` replaces nothing else."""
    if os.path.islink(folder) or not folder.is_dir():
        return False
    try:
        return _manifest(folder).get("tool") == "postclone"
    except (OSError, InputError, ValueError):
        return False


def record_changes(build: "Build", folder: Path) -> list[str]:
    """The records whose update set entries differ between the build folder on disk and `build`, one
    line each ("changed sysauto_script 'Nightly HR sync': script"); [] when the old update set cannot
    be read (the file differences still say what is off)."""
    from generator.review import diff, updateset

    names = [n for n in listing(folder)[0] if n.startswith("sys_remote_update_set_") and n.endswith(".xml")]
    if len(names) != 1:
        return []
    try:
        old = updateset.parse(read_file(folder, names[0]), folder / names[0])
        new = updateset.parse(build.files[build.update_set_file].encode("utf-8"), folder / build.update_set_file)
    except InputError:
        return []
    out = []
    for c in diff.diff(old, new):
        fields = f": {', '.join(sorted(c.fields))}" if c.fields else ""
        out.append(f"{c.kind} {c.table} {c.name!r}{fields}")
    return out


def unchanged(folder: Path, inputs: str) -> bool:
    """True when `folder` holds a complete, untouched build of exactly these inputs (and no link)."""
    try:
        manifest = _manifest(folder)
        if manifest.get("inputs_digest") != inputs:
            return False
        files = manifest["files"]
        present, odd = listing(folder)
        if odd or present != set(files) | {MANIFEST_FILE}:
            return False
        return all(hashlib.sha256(read_file(folder, name)).hexdigest() == digest for name, digest in files.items())
    except (OSError, InputError, ValueError, KeyError, TypeError, AttributeError):
        return False


def carried_deletions(folder: Path) -> dict | None:
    """The DELETE updates an earlier build of this same release carried (from its --previous), so a
    rebuild without --previous keeps them. None when there are none or no build is there."""
    file = folder / MANIFEST_FILE
    if not os.path.lexists(file):
        return None
    if os.path.islink(file) or os.path.islink(folder):
        raise InputError(f"{file}: is a symlink; postclone never follows links in a build folder, so it cannot "
                         "tell which DELETE updates this release carries (remove the link, or pass --previous)")
    try:
        deleted = _manifest(folder).get("deleted")
    except (OSError, InputError, ValueError):
        return None
    if deleted is None or deleted == []:
        return None
    return {"records": [], "deleted": deleted}  # checked by plan.make: only this update set's own records


def read_manifest(path: Path) -> dict:
    """A build folder's manifest.json (path may be the folder or the file)."""
    file = path / MANIFEST_FILE if path.is_dir() else path
    if path.is_dir() and path.is_symlink():
        raise InputError(f"{path}: is a symlink to a folder; postclone never follows links to a build folder "
                         "(give the folder itself)")
    if not os.path.lexists(file):
        raise InputError(f"{file}: no manifest here (expected a build folder or its manifest.json)")
    data = parse_json(read_regular(file, MAX_FILE_BYTES, "a postclone manifest", follow=False), str(file))
    if not isinstance(data, dict) or data.get("tool") != "postclone" or not isinstance(data.get("records"), list):
        raise InputError(f"{file}: not a postclone manifest")
    return data


def compare(build: "Build", folder: Path) -> list[str]:
    """Differences between an in-memory build and a build folder on disk, one line each."""
    expected = build.texts()
    actual, odd = listing(folder)
    out = [f"{kind}: {name} (not followed or read)" for name, kind in sorted(odd.items())]
    for name in sorted(set(expected) | actual):
        if name not in actual:
            if not any(name == o or name.startswith(o + "/") or o == "." for o in odd):
                out.append(f"missing: {name}")
        elif name not in expected:
            out.append(f"extra: {name}")
        else:
            try:
                have = read_file(folder, name).decode("utf-8")
            except (InputError, UnicodeDecodeError) as err:
                out.append(f"unreadable: {name} ({str(err).split(': ', 1)[-1]})")
                continue
            if have != expected[name]:
                out.append(f"stale: {name}")
                import difflib

                lines = list(difflib.unified_diff(have.splitlines(), expected[name].splitlines(),
                                                  f"built/{name}", f"expected/{name}", lineterm="", n=0))
                out += [f"    {line[:160]}" for line in lines[2:12]]
                if len(lines) > 12:
                    out.append(f"    ... {len(lines) - 12} more diff lines")
    return out
