"""The unchanged-rebuild shortcut: `postclone build CONFIG [--out DIR]` says "up to date" before click loads.

Importing click and the commands costs about a third of an unchanged rebuild, so cli.py asks this
module first. It cannot disagree with the real command: the build command declares its options from
BUILD_OPTIONS below, the decision is the same call (buildfolder.target, then buildfolder.unchanged)
and so is the message (buildfolder.up_to_date_text). It answers only the plain form; any other
option, any error, anything it is unsure of returns None and the real command runs and reports.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Option:
    flags: tuple[str, ...]
    help: str
    takes_value: bool = False
    default: str | None = None


# `postclone build`'s options (generator/commands.py declares them from here).
BUILD_OPTIONS = {
    "out": Option(("-o", "--out"), "Folder that receives <id>-<version>/.", True, "build"),
    "previous": Option(("--previous",), "The previous release's build folder (or manifest.json): records it "
                       "shipped that this config no longer has are emitted as DELETE updates.", True),
    "check": Option(("--check",), "Write nothing; exit 1 if the build folder is missing or stale."),
    "force": Option(("--force",), "Rebuild even when the build folder already matches the inputs."),
    "as_json": Option(("--json",), "Machine-readable output."),
}
# The only options the shortcut understands; with any other the real command runs.
SHORTCUT_OPTIONS = ("out",)


def parse(args: list[str]) -> tuple[str, str] | None:
    """(config, out) when `args` is `build CONFIG` with at most the shortcut's options, else None."""
    if not args or args[0] != "build":
        return None
    config: str | None = None
    out = BUILD_OPTIONS["out"].default
    known = {flag: name for name in SHORTCUT_OPTIONS for flag in BUILD_OPTIONS[name].flags}
    rest = args[1:]
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg in known and i + 1 < len(rest) and not rest[i + 1].startswith("-"):
            out = rest[i + 1]
            i += 2
        elif not arg.startswith("-") and config is None:
            config = arg
            i += 1
        else:
            return None  # another option, a value in an unusual form, a second argument: the real command
    if config is None or out is None:
        return None
    return config, out


def answer(args: list[str]) -> str | None:
    """The real command's output for an unchanged rebuild, or None when the real command must run."""
    parsed = parse(args)
    if parsed is None:
        return None
    start = time.perf_counter()
    try:
        from pathlib import Path

        from generator import config
        from generator.buildfolder import target, unchanged, up_to_date_text

        _, folder, inputs = target(config.load(Path(parsed[0])), Path(parsed[1]), None)
        if not unchanged(folder, inputs):
            return None
    except Exception:  # noqa: BLE001 - the real command reports every error properly
        return None
    return up_to_date_text(folder, time.perf_counter() - start)
