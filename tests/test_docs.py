"""The README documents every command and every configuration key (a feature is done when a new user
can use it from the README alone)."""

import pytest

from generator import commands, schema
from tests.conftest import EXAMPLE, MINIMAL, ROOT, write_config

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme():
    for name in commands.cli.commands:
        assert f"`postclone {name}" in README, name


def test_the_quick_start_is_two_commands_and_ci_runs_them():
    block = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.strip()]
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in commands:
        assert command in ci


def test_the_readme_key_tables_are_what_the_key_table_gives(update_golden):
    """One source for the configuration's shape: generator/schema.py. Regenerate: python -m generator.schema --write."""
    expected = schema.readme_with_tables(README)
    if update_golden and expected != README:
        (ROOT / "README.md").write_text(expected, encoding="utf-8")
        return
    assert README == expected, "README key tables differ from generator/schema.py (python -m generator.schema --write)"
    for section in schema.README_TABLES:
        assert schema.README_BEGIN.format(section=section) in README


def test_the_json_schema_is_what_the_key_table_gives(update_golden):
    path = ROOT / "docs" / "postclone.schema.json"
    if update_golden:
        path.write_text(schema.schema_text(), encoding="utf-8")
    assert path.read_text(encoding="utf-8") == schema.schema_text(), "python -m generator.schema --write"


def key_paths(data, prefix=""):
    """Every key path of a parsed TOML document, in the table's notation (<name>, [])."""
    out = set()
    for name, value in data.items():
        path = f"{prefix}{name}"
        out.add(path)
        if isinstance(value, dict):
            spec = schema.KEYS.get(path)
            if spec is not None and spec.type == "map":
                for entry in value.values():
                    out |= key_paths(entry, f"{path}.<name>.")
            elif spec is not None and spec.type == "string_map":
                pass  # its keys are names (property names), not keys of the configuration
            else:
                out |= key_paths(value, f"{path}.")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for entry in value:
                out |= key_paths(entry, f"{path}[].")
    return out


def test_the_example_uses_every_key_and_the_loader_reads_each():
    """The example loads (so every key it gives was read: unread keys are errors) and it gives every key
    of the table (so every key of the table is read by generator/config.py)."""
    import tomllib

    from generator import config

    config.load(EXAMPLE)
    used = key_paths(tomllib.loads(EXAMPLE.read_text(encoding="utf-8")))
    assert used == set(schema.KEYS), (sorted(set(schema.KEYS) - used), sorted(used - set(schema.KEYS)))


REFUSED_BY_BOTH = [
    MINIMAL + 'heder = "x"\n',
    MINIMAL.replace('purpose = "development"', 'purpose = "dev"'),
    MINIMAL + 'header_color = "green"\n',
    MINIMAL.replace('["dev1"]', '["Dev_1"]'),
    MINIMAL.replace('["dev1"]', "[]"),
    MINIMAL + 'header = "' + "x" * 101 + '"\n',
    MINIMAL + 'welcome_page = "yes"\n',
    MINIMAL.replace('version = "1.0.0"', 'version = "1 0"'),
    MINIMAL + '[environments.dev.email]\nmode = "of"\n',
    MINIMAL + '[environments.dev.users]\nkeep_roles = ["admin", "admin"]\n',
    MINIMAL + '[[jobs]]\nname = "J"\nrun_on = ["prod"]\nscript = "j.js"\nday_of_month = 32\n',
    MINIMAL.replace('name = "T"', 'name = "T"\nid = "Not An Id"'),
]


def test_the_json_schema_accepts_the_example():
    import tomllib

    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema.json_schema())
    validator = jsonschema.Draft202012Validator(schema.json_schema())
    for text in (EXAMPLE.read_text(encoding="utf-8"), MINIMAL):
        assert not list(validator.iter_errors(tomllib.loads(text)))
    weekly = MINIMAL + '[[jobs]]\nname = "J"\nrun_on = ["prod"]\nscript = "j.js"\nday_of_week = "Friday"\n'
    assert not list(validator.iter_errors(tomllib.loads(weekly)))  # compared in lower case, as the loader does


@pytest.mark.parametrize("text", REFUSED_BY_BOTH)
def test_the_json_schema_refuses_what_the_loader_refuses(tmp_path, text):
    import tomllib

    import jsonschema

    from generator import config
    from generator.errors import ConfigError

    assert list(jsonschema.Draft202012Validator(schema.json_schema()).iter_errors(tomllib.loads(text)))
    with pytest.raises(ConfigError):
        config.load(write_config(tmp_path, text, {"j.js": "gs.info('x');\n"}))
