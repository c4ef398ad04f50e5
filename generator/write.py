"""Step 6 of the pipeline, the last: write a build folder atomically.

Everything is written into a temporary sibling folder first. The final step is one system call: on
Linux, renameat2(RENAME_EXCHANGE) swaps the new folder and the old build (a plain rename when there
is none), so a kill at any instant leaves either the whole old build, with the DELETE updates it
carries, or the whole new one. Where the exchange does not exist (other systems, some file systems)
the old build is moved aside first and put back if the rename fails: a kill between those two renames
would leave no build there, so the README names the guarantee per system.

Temporary folders are named `.postclone-tmp-<build>-<random>` and locked (flock) for as long as their
build runs; the next build into the same output folder removes any that no live build holds.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from generator.errors import InputError
from generator.package import Build

TMP_PREFIX = ".postclone-tmp-"

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks; leftovers are kept, never guessed at
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def _locked(folder: Path, blocking: bool = True):
    """Hold an exclusive advisory lock on `folder` (yields False when `blocking` is off and another
    process holds it). Locks go on the folders themselves, so nothing is left behind."""
    if fcntl is None:  # pragma: no cover
        yield True
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _exchange(new: Path, old: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False when unsupported here."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(new), at_fdcwd, os.fsencode(old), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    import errno

    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False  # the file system or kernel cannot exchange
    raise OSError(err, os.strerror(err))


def _swap_in(tmp: Path, target: Path) -> Path | None:
    """Put the finished build `tmp` at `target`; return where the old build now is (None: there was none)."""
    if not os.path.lexists(target):
        os.rename(tmp, target)  # atomic; nothing was there
        return None
    if _exchange(tmp, target):
        return tmp  # the old build now sits where the new one was written
    aside = Path(f"{tmp}.old")
    os.replace(target, aside)  # fallback: two renames, the old build put back if the second fails
    try:
        os.replace(tmp, target)
    except OSError:
        os.replace(aside, target)
        raise
    return aside


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _refuse_foreign(target: Path) -> None:
    """`build` replaces only a build folder postclone wrote (one with its manifest): anything else at
    the target path, a file, a link or someone's folder, is left as it is and is an InputError."""
    from generator.buildfolder import written_by_postclone

    if os.path.lexists(target) and not written_by_postclone(target):
        what = "a symlink" if os.path.islink(target) else "a folder" if target.is_dir() else "a file"
        raise InputError(f"{target}: is {what} that postclone did not write (no postclone manifest.json), so build "
                         "does not replace it; move it away or choose another --out")


def clean_leftovers(out_dir: Path) -> list[str]:
    """Remove the temporary folders of killed builds (those no running build holds locked)."""
    removed = []
    if fcntl is None:  # pragma: no cover - without locks a leftover cannot be told from a live build
        return removed
    for entry in sorted(out_dir.iterdir()):
        if not entry.name.startswith(TMP_PREFIX) or entry.is_symlink() or not entry.is_dir():
            continue
        try:
            with _locked(entry, blocking=False) as free:
                if free:
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(entry.name)
        except FileNotFoundError:
            continue  # another build removed it meanwhile (its old build, which it deletes after the swap)
    return removed


def write(build: Build, out_dir: Path) -> Path:
    """Write the build into out_dir/<id>-<version>/ atomically; return that folder."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{out_dir}: cannot create the output folder: {err.strerror}") from None
    target = out_dir / build.folder_name
    _refuse_foreign(target)
    with contextlib.ExitStack() as held:
        try:
            with _locked(out_dir):
                clean_leftovers(out_dir)
                tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{build.folder_name}-", dir=out_dir))
                held.enter_context(_locked(tmp))  # until this build ends: not a leftover
        except OSError as err:
            raise InputError(f"{target}: cannot write the build: {err.strerror}") from None
        try:
            made = {tmp}
            for name, text in build.texts().items():
                path = tmp / name
                if path.parent not in made:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    made.add(path.parent)
                with open(path, "w", encoding="utf-8", newline="\n") as fh:
                    fh.write(text)
            os.chmod(tmp, 0o755)
            with _locked(out_dir):
                _refuse_foreign(target)  # again, under the lock: nothing appeared there meanwhile
                old = _swap_in(tmp, target)
            if old is not None:
                _remove(old)  # a kill here leaves a leftover the next build removes
        except OSError as err:
            shutil.rmtree(tmp, ignore_errors=True)
            raise InputError(f"{target}: cannot write the build: {err.strerror}") from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target
