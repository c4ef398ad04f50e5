"""The unchanged-rebuild shortcut answers exactly as the real `build` command would, or not at all."""

import re
import shutil

import pytest
from click.testing import CliRunner

from generator import shortcut
from generator.commands import build as build_command
from generator.commands import cli
from tests.conftest import EXAMPLE, ROOT, run_cli


def test_the_build_command_declares_exactly_the_shortcuts_option_table():
    options = {p.name: tuple(p.opts) for p in build_command.params if p.param_type_name == "option"}
    assert options == {name: o.flags for name, o in shortcut.BUILD_OPTIONS.items()}
    out = next(p for p in build_command.params if p.name == "out")
    assert str(out.default) == shortcut.BUILD_OPTIONS["out"].default


@pytest.fixture
def built(tmp_path, monkeypatch):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "examples" / "acme", src, ignore=shutil.ignore_patterns("instance"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    for out in ("build", "elsewhere"):
        assert CliRunner().invoke(cli, ["build", "src/postclone.toml", "--out", out]).exit_code == 0
    return tmp_path


def real(args):
    """The real command, through click, without the shortcut."""
    result = CliRunner().invoke(cli, args)
    return result.exit_code, re.sub(r"\(\d+\.\d\ds;", "(Ns;", result.output)


@pytest.mark.parametrize("args", [
    ["build", "src/postclone.toml"],
    ["build", "src/postclone.toml", "--out", "elsewhere"],
    ["build", "--out", "elsewhere", "src/postclone.toml"],
])
def test_the_shortcut_answers_the_plain_form_exactly_as_the_command_does(built, args):
    said = shortcut.answer(args)
    assert said is not None and said.startswith("up to date: ")
    assert real(args) == (0, re.sub(r"\(\d+\.\d\ds;", "(Ns;", said) + "\n")


@pytest.mark.parametrize("args", [
    ["build", "src/postclone.toml", "--force"],
    ["build", "src/postclone.toml", "--json"],
    ["build", "src/postclone.toml", "--check"],
    ["build", "src/postclone.toml", "--previous", "build/acme-postclone-1.4.0"],
    ["build", "src/postclone.toml", "--out"],
    ["build", "--out=elsewhere", "src/postclone.toml"],
    ["build", "src/postclone.toml", "src/postclone.toml"],
    ["--debug", "build", "src/postclone.toml"],
    ["build", "missing.toml"],
    ["build"],
    ["validate", "src/postclone.toml"],
])
def test_anything_else_goes_to_the_real_command(built, args):
    assert shortcut.answer(args) is None


def test_a_stale_or_changed_build_goes_to_the_real_command(built):
    (built / "build" / "acme-postclone-1.4.0" / "postclone-apply.js").write_text("tampered")
    assert shortcut.answer(["build", "src/postclone.toml"]) is None
    (built / "src" / "jobs" / "ping_hr.js").write_text("gs.info('changed');\n")
    assert shortcut.answer(["build", "src/postclone.toml", "--out", "elsewhere"]) is None


PROBE = ("import sys\nfrom generator.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n"
         "    print('click loaded' if 'click' in sys.modules else 'click not loaded', e.code)\n")


def test_the_entry_point_answers_before_click_loads_and_only_then(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    assert run_cli("build", EXAMPLE, "--out", out).returncode == 0
    probe = [sys.executable, "-c", PROBE, "build", str(EXAMPLE), "--out", str(out)]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    plain = subprocess.run(probe, capture_output=True, text=True, env=env)
    assert plain.stdout.startswith("up to date: ") and plain.stdout.endswith("click not loaded 0\n"), plain
    forced = subprocess.run([*probe, "--force"], capture_output=True, text=True, env=env)
    assert forced.stdout.startswith("built ") and forced.stdout.endswith("click loaded 0\n"), forced
