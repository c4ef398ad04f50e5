"""Reading other people's files: only regular files, at most a given number of bytes, counted as read.

Every reader of an outside file (configuration, job scripts, list exports, update sets) goes through
`read_regular`. Devices, FIFOs and sockets are refused before anything is read from them (a FIFO
would block, /dev/zero would never end), and the size limit is applied to the bytes actually read,
not trusted from `stat`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from generator.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
STDIN = "-"  # the path that means standard input, wherever a file is read
STDIN_LABEL = "<stdin>"


def human(limit: int) -> str:
    """A byte count as the README states limits: 64 KiB, 1 MiB, 2 GiB."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= size and limit % size == 0:
            return f"{limit // size} {unit}"
    return f"{limit} bytes"


def read_regular(path: Path, limit: int, what: str, error: type[InputError] = InputError,
                 follow: bool = True) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them; anything else is `error` with one
    line naming the path and `what` it should have been. With `follow=False` a symlink is refused
    (and its target never opened): build folders are read that way. The path `-` is standard input,
    read once and bounded the same way."""
    if str(path) == STDIN:
        return read_stdin(limit, what, error)
    fd = open_regular(path, what, error, follow)
    with os.fdopen(fd, "rb") as fh:
        try:
            data = fh.read(limit + 1)
        except OSError as err:
            raise error(f"{path}: cannot read: {err.strerror}") from None
    if len(data) > limit:
        raise error(f"{path}: is over the {human(limit)} limit for {what}")
    return data


def open_regular(path: Path, what: str, error: type[InputError] = InputError, follow: bool = True) -> int:
    """An open file descriptor (read-only) of the regular file `path`, refused as `read_regular`
    refuses it; the caller closes it and bounds what it reads."""
    try:
        info = os.stat(path) if follow else os.lstat(path)
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except OSError as err:
        raise error(f"{path}: cannot read: {err.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise error(f"{path}: is a symlink; postclone does not follow links here, so it is not read as {what}")
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a folder, not {what}")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: is not a regular file (a device, FIFO or socket), so it is not read as {what}")
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO since the check, opening it does not hang.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(path, flags if follow else flags | getattr(os, "O_NOFOLLOW", 0))
    except OSError as err:
        raise error(f"{path}: cannot read: {err.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise error(f"{path}: is not a regular file (a device, FIFO or socket), so it is not read as {what}")
    return fd


def read_stdin(limit: int, what: str, error: type[InputError] = InputError) -> bytes:
    """Standard input as bytes, at most `limit`; only once per run (a second `-` has nothing left)."""
    import sys

    global _stdin_read
    if _stdin_read:
        raise error(f"-: standard input can be read only once per command, and it was already read as {_stdin_read}")
    _stdin_read = what
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise error(f"{STDIN_LABEL}: is over the {human(limit)} limit for {what}")
    return data


_stdin_read = ""  # what standard input was read as in this run ("" if not yet)


def forget_stdin() -> None:
    """A new command starts (cli.main): standard input is unread."""
    global _stdin_read
    _stdin_read = ""


def parse_json(raw: bytes, label: str) -> object:
    """JSON from an outside file; every way it can be bad is an InputError naming `label` (with
    line:column for a syntax error), including nesting too deep and numbers too long to convert."""
    import json

    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise InputError(f"{label}: not valid UTF-8: {err.reason}") from None
    except json.JSONDecodeError as err:
        raise InputError(f"{label}:{err.lineno}:{err.colno}: not valid JSON: {err.msg}") from None
    except RecursionError:
        raise InputError(f"{label}: not valid JSON here: nested too deeply") from None
    except ValueError as err:  # an integer of more than sys.get_int_max_str_digits() digits
        raise InputError(f"{label}: not valid JSON here: {str(err).split(';')[0]}") from None
