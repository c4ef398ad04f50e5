"""Errors that reach the user as one line and a fixed exit code."""


class PostcloneError(Exception):
    """Base class: `str(err)` is the one-line message shown to the user."""

    exit_code = 3


class InputError(PostcloneError):
    """Bad input: config key, file, usage. Exit code 2."""

    exit_code = 2


class ConfigError(InputError):
    """A configuration value is wrong; the message names the key path."""


class ScriptError(InputError):
    """A JavaScript file failed validation; the message is file:line:column: message."""


class CheckFailed(PostcloneError):
    """A check found a difference or a simulated script failed. Exit code 1."""

    exit_code = 1
