"""Work per build and per simulated step, asserted as counts (not timings), so a regression shows in CI."""

import dataclasses
import re

import pytest

from generator import config
from generator.errors import ScriptError
from generator.pipeline import assemble
from generator.plan import make as plan_of
from generator.render import render
from generator.validate import Cache, validate
from tests.conftest import EXAMPLE, MINIMAL, ROOT, run_cli, write_config

CFG = config.load(EXAMPLE)
JOBS = len(CFG.jobs)


def test_a_fresh_build_parses_each_distinct_script_once():
    stats = assemble(CFG, epoch=0).stats
    # the post-clone, job and condition templates once each as skeletons, the install script, and each
    # job's own file once;
    # every generated script is then proven from those (cleanup and preview differ from apply only in
    # the mode literal)
    assert (stats.parsed, stats.derived, stats.cached) == (4 + JOBS, 3 + 2 * JOBS, 0)
    assert stats.checked == len(render(plan_of(CFG))) + JOBS + 3


def test_the_cache_skips_only_postclone_skeletons_already_accepted(tmp_path):
    cache = Cache(tmp_path)
    first = assemble(CFG, epoch=0, cache=cache).stats
    assert first.parsed == 4 + JOBS
    again = assemble(CFG, epoch=0, cache=Cache(tmp_path)).stats
    # the three skeletons come from the cache; the install script and every job body are parsed again
    assert (again.parsed, again.cached, again.derived) == (1 + JOBS, 3, 3 + 2 * JOBS)


ESCAPING_BODY = "gs.info('job');\n}); gs.eventQueue('runs.outside.the.guard'); (function () {\n"


def test_a_forged_cache_entry_cannot_admit_a_job_body_that_escapes_its_wrapper(tmp_path):
    """Issue 14, item 2: anyone who can write the cache folder can add the key of any text. A job body
    that closes the guard's function must still be refused, and the guard never bypassed."""
    text = MINIMAL + "[[jobs]]\nname = \"J\"\nrun_on = [\"prod\"]\nscript = \"j.js\"\n"
    path = write_config(tmp_path, text, {"j.js": ESCAPING_BODY})
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    forged = Cache(cache_dir)
    (cache_dir / "validated-v1.txt").write_text(forged.key(ESCAPING_BODY) + "\n")
    with pytest.raises(ScriptError, match=r"j.js:2:1: Unexpected token \}"):
        assemble(config.load(path), epoch=0, cache=Cache(cache_dir))
    # the same forgery for the whole generated job script does not help either
    scripts = render(plan_of(config.load(write_config(tmp_path / "ok", text, {"j.js": "gs.info('job');\n"}))))
    job = next(s for s in scripts if s.filename == "jobs/j.js")
    evil = dataclasses.replace(job, text=job.text.replace("gs.info('job');", ESCAPING_BODY.strip(), 1),
                               user_text=ESCAPING_BODY)
    (cache_dir / "validated-v1.txt").write_text(forged.key(evil.text) + "\n" + forged.key(ESCAPING_BODY) + "\n")
    with pytest.raises(ScriptError, match="Unexpected token"):
        validate([evil if s is job else s for s in scripts], cache=Cache(cache_dir))


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
    assert assemble(CFG, epoch=0, cache=Cache(tmp_path)).stats.parsed == 4 + JOBS


def assert_tampering_is_caught(target: str, old: str, new: str, position: str, error: str) -> None:
    """Change one generated script the way a bug could; validation must parse it in full and fail."""
    scripts = render(plan_of(CFG))
    assert old in next(s.text for s in scripts if s.filename == target)
    tampered = [dataclasses.replace(s, text=s.text.replace(old, new, 1)) if s.filename == target else s
                for s in scripts]
    with pytest.raises(ScriptError, match=rf"{re.escape(target)}:{position}: {error}"):
        validate(tampered)


def test_a_variant_that_differs_beyond_the_mode_is_parsed():
    assert_tampering_is_caught("postclone-preview.js", "var PREVIEW = MODE === 'preview';", "var PREVIEW = ;",
                               r"\d+:\d+", "Unexpected token ;")


@pytest.mark.parametrize("old,new,error", [
    ('})({\n    "name"', '})(1 +, {\n    "name"', "Unexpected token ,"),  # the literal is not JSON
    (" * Generated by", " */ var x = ; /*\n * Generated by", "Unexpected token ;"),  # the comment ends early
    ("    (function () {\n// ---- begin", "    (function () {{\n// ---- begin", "Unexpected token \\)"),
])
def test_a_job_script_that_does_not_match_the_skeleton_is_parsed_in_full(old, new, error):
    assert_tampering_is_caught("jobs/nightly-hr-sync.js", old, new, r"\d+:\d+", error)


@pytest.mark.parametrize("old,new,error", [
    ("var PREVIEW = MODE === 'preview';", "var PREVIEW = MODE === ;", "Unexpected token ;"),  # constant code
    ('"production": ["acme"]', '"production": ["acme"] +', "Unexpected token"),  # not JSON
    (" * Do not edit here", " */ x( /*\n * Do not edit here", "Unexpected token"),  # comment closes early
])
def test_a_post_clone_script_that_does_not_match_the_skeleton_is_parsed_in_full(old, new, error):
    assert_tampering_is_caught("postclone-apply.js", old, new, r"\d+:\d+", error)


def test_a_condition_that_does_not_match_the_skeleton_is_parsed_in_full():
    assert_tampering_is_caught("jobs/nightly-hr-sync.condition.js", '["acme"]', '["acme"] +', r"2:\d+",
                               "Unexpected token")


def test_unchanged_rebuild_skips_and_any_change_rebuilds(tmp_path):
    import shutil

    src = tmp_path / "src"
    shutil.copytree(ROOT / "examples" / "acme", src, ignore=shutil.ignore_patterns("instance"))
    env = {"POSTCLONE_CACHE_DIR": str(tmp_path / "cache")}
    args = ["build", src / "postclone.toml", "--out", tmp_path / "out"]
    first = run_cli(*args, env=env)
    assert first.returncode == 0 and first.stdout.startswith("built ")
    assert "checked 25 scripts with esprima (10 parsed, 0 unchanged since an earlier check, 15 proven" in first.stdout
    second = run_cli(*args, env=env)
    assert second.returncode == 0 and second.stdout.startswith("up to date: ")
    folder = tmp_path / "out" / "acme-postclone-1.4.0"
    (folder / "postclone-apply.js").write_text("tampered")
    third = run_cli(*args, env=env)
    # the skeletons come from the cache; the install script and the job bodies are parsed on every build
    assert third.stdout.startswith("built ") and "(7 parsed, 3 unchanged" in third.stdout
    (src / "jobs" / "ping_hr.js").write_text("gs.info('new');\n")
    fourth = run_cli(*args, env=env)
    assert fourth.stdout.startswith("built ") and "(7 parsed, 3 unchanged" in fourth.stdout
    assert run_cli(*args, env={**env, "SOURCE_DATE_EPOCH": "1"}).stdout.startswith("built ")
    assert run_cli(*args, "--force", env={**env, "SOURCE_DATE_EPOCH": "1"}).stdout.startswith("built ")
