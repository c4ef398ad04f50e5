"""What every command prints besides its result: the global flags, notes and warnings, and progress.

`--quiet`, `--verbose` and `--debug` are accepted anywhere on the command line (cli.py takes them out
before the commands parse theirs). Results go to stdout; notes, warnings and progress go to stderr.
Progress is drawn only when stderr is a terminal, so logs and pipes stay clean.
"""

from __future__ import annotations

import sys
import time

GLOBAL_FLAGS = {"--debug": "debug", "--quiet": "quiet", "-q": "quiet", "--verbose": "verbose", "-v": "verbose"}


class Settings:
    debug = False
    quiet = False
    verbose = False


settings = Settings()


def take_global_flags(args: list[str]) -> list[str]:
    """Set the global flags from `args` (wherever they are, before a `--`) and return the rest."""
    settings.debug = settings.quiet = settings.verbose = False
    rest: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            rest += args[i:]
            break
        if arg in GLOBAL_FLAGS:
            setattr(settings, GLOBAL_FLAGS[arg], True)
        else:
            rest.append(arg)
    return rest


def say(text: str) -> None:
    """A command's human result on stdout (nothing with --quiet)."""
    if not settings.quiet:
        sys.stdout.write(text + "\n")


def warn(text: str) -> None:
    """Something is off: always shown, on stderr."""
    sys.stderr.write(f"postclone: warning: {text}\n")


def detail(text: str) -> None:
    """More than the result, on stderr: only with --verbose."""
    if settings.verbose and not settings.quiet:
        sys.stderr.write(f"postclone: {text}\n")


class Progress:
    """A one-line progress display on stderr, redrawn at most ten times a second, when stderr is a
    terminal and --quiet is off; otherwise it does nothing."""

    def __init__(self, what: str, total: int | None = None, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.on = bool(getattr(self.stream, "isatty", lambda: False)()) and not settings.quiet
        self.what, self.total, self.done, self.last = what, total, 0, 0.0

    def __enter__(self) -> "Progress":
        self.show("")
        return self

    def step(self, label: str = "", n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.on and (now - self.last >= 0.1 or (self.total is not None and self.done >= self.total)):
            self.last = now
            self.show(label)

    def show(self, label: str) -> None:
        if not self.on:
            return
        count = f" {self.done}/{self.total}" if self.total is not None else ""
        self.stream.write(f"\r\x1b[K{self.what}{count}{': ' + label if label else ''}")
        self.stream.flush()

    def __exit__(self, *exc: object) -> None:
        if self.on:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
