"""The `postclone` command line: the entry point and the one error boundary.

Exit codes: 0 success; 1 a check found a difference or a simulated script failed; 2 bad input
(config, files, usage); 3 internal error (traceback only with --debug). The commands themselves
live in generator/commands.py; an unchanged rebuild is answered here before click is imported.
"""

from __future__ import annotations

import sys
import time

from generator.errors import CheckFailed, ExitCode, PostcloneError


def _unchanged_build(args: list[str]) -> bool:
    """`postclone build CONFIG [--out DIR]` whose build folder already holds exactly this build:
    say so and return True. Anything else (other options, any error) returns False, and the full
    command runs and reports as usual."""
    import os

    if not args or args[0] != "build" or os.environ.get("SOURCE_DATE_EPOCH"):
        return False
    rest = args[1:]
    out = "build"
    if len(rest) == 3 and rest[1] == "--out":
        out = rest[2]
    elif len(rest) != 1:
        return False
    if rest[0].startswith("-") or out.startswith("-"):
        return False
    start = time.perf_counter()
    try:
        from pathlib import Path

        from generator import config
        from generator.write import carried_deletions, folder_name, inputs_digest, unchanged

        cfg = config.load(Path(rest[0]))
        folder = Path(out) / folder_name(cfg)
        if not unchanged(folder, inputs_digest(cfg, carried_deletions(folder), None)):
            return False
    except Exception:  # noqa: BLE001 - the full command will report it properly
        return False
    seconds = time.perf_counter() - start
    sys.stdout.write(f"up to date: {folder}/ already holds this build ({seconds:.2f}s; --force rebuilds)\n")
    return True


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in args
    if _unchanged_build(args):
        sys.exit(ExitCode.OK)
    import click

    from generator.commands import cli

    try:
        code = cli.main(args=args, prog_name="postclone", standalone_mode=False)
    except click.ClickException as err:  # usage errors: bad option, missing argument, unknown command
        err.show()
        code = ExitCode.BAD_INPUT
    except click.Abort:
        click.echo("postclone: aborted", err=True)
        code = ExitCode.BAD_INPUT
    except CheckFailed as err:
        if str(err):
            click.echo(f"postclone: {err}", err=True)
        code = err.exit_code
    except PostcloneError as err:
        click.echo(f"postclone: error: {err}", err=True)
        code = err.exit_code
    except KeyboardInterrupt:
        click.echo("postclone: interrupted", err=True)
        code = ExitCode.INTERNAL
    except Exception as err:  # noqa: BLE001 - the one boundary where a bug becomes exit code 3
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(f"postclone: internal error: {type(err).__name__}: {err} (run with --debug for a traceback)",
                   err=True)
        code = ExitCode.INTERNAL
    sys.exit(int(code) if isinstance(code, int) else ExitCode.OK)
