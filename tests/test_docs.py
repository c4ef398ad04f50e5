"""The README documents every command and every configuration key (a feature is done when a new user
can use it from the README alone)."""

import re

from generator import commands
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def config_keys() -> set[str]:
    """Every key config.py reads."""
    source = (ROOT / "generator" / "config.py").read_text(encoding="utf-8")
    return set(re.findall(r'\.(?:get|text|boolean|strings|table)\(\s*"([a-z_]+)"', source))


def test_every_command_is_in_the_readme():
    for name in commands.cli.commands:
        assert f"`postclone {name}" in README, name


def test_every_config_key_is_in_the_readme():
    keys = config_keys()
    assert len(keys) > 30
    for key in sorted(keys):
        assert any(form in README for form in (f"`{key}`", f".{key}`", f"`{key}.", f"[{key}", f"`[[{key}")), key


def test_the_quick_start_is_two_commands_and_ci_runs_them():
    block = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.strip()]
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in commands:
        assert command in ci


def test_the_json_schema_names_every_config_key():
    import json

    schema = json.loads((ROOT / "docs" / "postclone.schema.json").read_text(encoding="utf-8"))
    names = set()

    def walk(node):
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    keys = config_keys()
    assert keys <= names, sorted(keys - names)
