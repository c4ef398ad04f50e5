"""Work per build and per simulated step, asserted as counts (not timings), so a regression shows in CI."""

import dataclasses
import json
import os

import pytest

from generator import config
from generator.build import assemble
from generator.errors import ScriptError
from generator.render import render
from generator.validate import Cache, validate
from tests.conftest import EXAMPLE, MINIMAL, ROOT, run_cli, write_config

CFG = config.load(EXAMPLE)
JOBS = len(CFG.jobs)


def test_a_fresh_build_parses_each_distinct_script_once():
    stats = assemble(CFG, epoch=0).stats
    # the post-clone script once (cleanup and preview differ only in the mode literal), and for each job
    # the user's file, the generated script and the condition
    assert (stats.parsed, stats.variants, stats.cached) == (1 + 3 * JOBS, 2, 0)
    assert stats.checked == len([s for s in render(CFG)]) + JOBS


def test_the_cache_skips_only_texts_already_accepted(tmp_path):
    cache = Cache(tmp_path)
    first = assemble(CFG, epoch=0, cache=cache).stats
    assert first.parsed == 1 + 3 * JOBS
    again = assemble(CFG, epoch=0, cache=Cache(tmp_path)).stats
    assert (again.parsed, again.cached, again.variants) == (0, 1 + 3 * JOBS, 2)


def test_a_changed_script_is_checked_again_and_its_error_found(tmp_path):
    text = MINIMAL + "[[jobs]]\nname = \"J\"\nrun_on = [\"prod\"]\nscript = \"j.js\"\n"
    path = write_config(tmp_path, text, {"j.js": "var a = 1;\n"})
    cache_dir = tmp_path / "cache"
    assemble(config.load(path), epoch=0, cache=Cache(cache_dir))
    (tmp_path / "j.js").write_text("var a = 1;;\nlet b = 2;\n")
    with pytest.raises(ScriptError, match="j.js:2:1: 'let' declarations"):
        assemble(config.load(path), epoch=0, cache=Cache(cache_dir))


def test_a_cache_from_another_validator_is_not_trusted(tmp_path, monkeypatch):
    assemble(CFG, epoch=0, cache=Cache(tmp_path))
    import generator.validate as v

    monkeypatch.setattr(v, "validator_digest", lambda: "another validator")
    assert assemble(CFG, epoch=0, cache=Cache(tmp_path)).stats.cached == 0


def test_a_corrupt_cache_costs_time_not_correctness(tmp_path):
    (tmp_path / "validated-v1.txt").write_bytes(b"\xff\xfe garbage \x00")
    assert assemble(CFG, epoch=0, cache=Cache(tmp_path)).stats.parsed == 1 + 3 * JOBS


def test_a_variant_that_differs_beyond_the_mode_is_parsed():
    scripts = render(CFG)
    tampered = [dataclasses.replace(s, text=s.text.replace("var PREVIEW = MODE === 'preview';", "var PREVIEW = ;"))
                if s.filename == "postclone-preview.js" else s for s in scripts]
    with pytest.raises(ScriptError, match=r"postclone-preview.js:\d+:\d+: Unexpected token ;"):
        validate(tampered)


def test_unchanged_rebuild_skips_and_any_change_rebuilds(tmp_path):
    import shutil

    src = tmp_path / "src"
    shutil.copytree(ROOT / "examples" / "acme", src, ignore=shutil.ignore_patterns("instance"))
    env = {"POSTCLONE_CACHE_DIR": str(tmp_path / "cache")}
    args = ["build", src / "postclone.toml", "--out", tmp_path / "out"]
    first = run_cli(*args, env=env)
    assert first.returncode == 0 and first.stdout.startswith("built ")
    assert "checked 21 scripts with esprima (19 parsed, 0 unchanged since an earlier check, 2 identical" in first.stdout
    second = run_cli(*args, env=env)
    assert second.returncode == 0 and second.stdout.startswith("up to date: ")
    folder = tmp_path / "out" / "acme-postclone-1.4.0"
    (folder / "postclone-apply.js").write_text("tampered")
    third = run_cli(*args, env=env)
    assert third.stdout.startswith("built ") and "(0 parsed, 19 unchanged" in third.stdout
    (src / "jobs" / "ping_hr.js").write_text("gs.info('new');\n")
    fourth = run_cli(*args, env=env)
    assert fourth.stdout.startswith("built ") and "(2 parsed, 17 unchanged" in fourth.stdout
    assert run_cli(*args, env={**env, "SOURCE_DATE_EPOCH": "1"}).stdout.startswith("built ")
    assert run_cli(*args, "--force", env={**env, "SOURCE_DATE_EPOCH": "1"}).stdout.startswith("built ")
