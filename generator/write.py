"""Step 6 of the pipeline, the last: write a build folder atomically.

Everything is written into a temporary sibling folder first and renamed into place at the end, so a
failed build leaves the previous build untouched and no partial folder behind.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from generator.errors import InputError
from generator.package import Build


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
        for name, text in build.texts().items():
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
