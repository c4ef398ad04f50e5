"""Errors that reach the user as one line and a fixed exit code."""

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every command."""

    OK = 0
    DIFFERENCE = 1  # a check found a difference, or a simulated script failed
    BAD_INPUT = 2  # configuration, files, usage, file-system errors
    INTERNAL = 3  # a bug: traceback only with --debug
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


class PostcloneError(Exception):
    """Base class: `str(err)` is the one-line message shown to the user."""

    exit_code = ExitCode.INTERNAL


class InputError(PostcloneError):
    """Bad input: config key, file, usage. Exit code 2."""

    exit_code = ExitCode.BAD_INPUT


class ConfigError(InputError):
    """A configuration value is wrong; the message names the key path."""


class ScriptError(InputError):
    """A JavaScript file failed validation; the message is file:line:column: message."""


class CheckFailed(PostcloneError):
    """A check found a difference or a simulated script failed. Exit code 1."""

    exit_code = ExitCode.DIFFERENCE


class Interrupted(BaseException):
    """Ctrl-C, raised by the command line's SIGINT handler. A BaseException of its own (not
    KeyboardInterrupt), so no library on the way catches it and prints its own lines. Exit code 130."""

    exit_code = ExitCode.INTERRUPTED
    message = "postclone: interrupted"
