"""The `postclone` command line: the entry point and the one error boundary.

Exit codes: 0 success; 1 a check found a difference or a simulated script failed; 2 bad input
(config, files, usage); 3 internal error (traceback only with --debug). The commands themselves
live in generator/commands.py; an unchanged rebuild is answered by generator/shortcut.py first.
"""

from __future__ import annotations

import sys

from generator import shortcut
from generator.errors import CheckFailed, ExitCode, PostcloneError


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in args
    up_to_date = shortcut.answer(args)
    if up_to_date is not None:
        sys.stdout.write(up_to_date + "\n")
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
