"""The `postclone` command line: the entry point and the one error boundary.

Exit codes: 0 success; 1 a check found a difference or a simulated script failed; 2 bad input
(config, files, usage, file-system errors); 3 internal error (traceback only with --debug); 130
interrupted. Every error is one line on stderr; with --json it is also a JSON object on stdout, so a
tool reading the output never gets an empty stream. The commands themselves live in
generator/commands.py; an unchanged rebuild is answered by generator/shortcut.py first.
"""

from __future__ import annotations

import json
import signal
import sys

from generator import readfile, shortcut
from generator.console import settings, take_global_flags
from generator.errors import CheckFailed, ExitCode, Interrupted, PostcloneError


def _on_sigint(signum, frame) -> None:
    raise Interrupted()


def main(argv: list[str] | None = None) -> None:
    args = take_global_flags(sys.argv[1:] if argv is None else list(argv))
    readfile.forget_stdin()
    as_json = "--json" in args
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        code, message = _run(args)
    finally:
        signal.signal(signal.SIGINT, previous)
    if message:
        sys.stderr.write(message + "\n")
        if as_json and code != ExitCode.OK:
            error = message.removeprefix("postclone: ").removeprefix("error: ")
            sys.stdout.write(json.dumps({"ok": False, "error": error, "exit_code": int(code)},
                                        ensure_ascii=False) + "\n")
    sys.stdout.flush()
    sys.exit(int(code))


def _run(args: list[str]) -> tuple[int, str]:
    """Run the command; (exit code, the one line to print on stderr, or "")."""
    try:
        up_to_date = shortcut.answer(args)
        if up_to_date is not None:
            if not settings.quiet:
                sys.stdout.write(up_to_date + "\n")
            return ExitCode.OK, ""
        import click

        from generator.commands import cli

        try:
            code = cli.main(args=args, prog_name="postclone", standalone_mode=False)
        except click.ClickException as err:  # usage errors: bad option, missing argument, unknown command
            usage = err.format_message()
            ctx = getattr(err, "ctx", None)
            hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
            return ExitCode.BAD_INPUT, f"postclone: error: {usage}{hint}"
        except click.Abort:  # click's own prompt was interrupted
            return ExitCode.INTERRUPTED, Interrupted.message
        return (int(code) if isinstance(code, int) else ExitCode.OK), ""
    except CheckFailed as err:
        return err.exit_code, f"postclone: {err}" if str(err) else ""
    except PostcloneError as err:
        return err.exit_code, f"postclone: error: {err}"
    except (Interrupted, KeyboardInterrupt):
        return ExitCode.INTERRUPTED, Interrupted.message
    except OSError as err:  # the file system refused (read-only folder, permission, disk full)
        where = f"{err.filename}: " if getattr(err, "filename", None) else ""
        return ExitCode.BAD_INPUT, f"postclone: error: {where}{err.strerror or err}"
    except Exception as err:  # noqa: BLE001 - the one boundary where a bug becomes exit code 3
        if settings.debug:
            import traceback

            traceback.print_exc()
        return ExitCode.INTERNAL, (f"postclone: internal error: {type(err).__name__}: {err} "
                                   "(run with --debug for a traceback)")
