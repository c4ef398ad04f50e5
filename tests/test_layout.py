"""The file list tells the architecture: the pipeline's steps in order, the simulator and the readers
in their own folders, small modules and templates, each saying what it is for."""

import ast
import dataclasses
from pathlib import Path

import pytest

from tests.conftest import ROOT

GENERATOR = ROOT / "generator"
TEMPLATES = ROOT / "templates"
# The pipeline, in order; a step may import an earlier step, never a later one.
PIPELINE = ["config", "plan", "render", "validate", "package", "pipeline", "write"]
WINGS = ["simulator", "review", "instance"]


def modules():
    return sorted(p for p in GENERATOR.rglob("*.py") if "__pycache__" not in p.parts)


def imported(path: Path) -> set[str]:
    """Every generator module a file imports, at the top or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("generator"):
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("generator"))
    return out


def test_no_pipeline_step_imports_a_later_one():
    for i, step in enumerate(PIPELINE):
        later = {f"generator.{s}" for s in PIPELINE[i + 1:]}
        found = imported(GENERATOR / f"{step}.py") & later
        assert not found, f"generator/{step}.py imports a later step: {sorted(found)}"


def test_the_pipeline_needs_neither_wing_and_the_wings_do_not_need_each_other():
    for step in PIPELINE:
        assert not {m for m in imported(GENERATOR / f"{step}.py") if m.split(".")[1:2] and m.split(".")[1] in WINGS}, step
    for wing in WINGS:
        others = {f"generator.{w}" for w in WINGS if w != wing}
        for path in (GENERATOR / wing).rglob("*.py"):
            assert not {m for m in imported(path) if any(m.startswith(o) for o in others)}, path


def test_every_module_and_folder_says_what_it_is_for_and_stays_small():
    for path in modules():
        text = path.read_text(encoding="utf-8")
        if path.name != "__main__.py":
            doc = ast.get_docstring(ast.parse(text))
            assert doc and doc.strip(), f"{path.relative_to(ROOT)} has no docstring"
        assert len(text.splitlines()) <= 400, f"{path.relative_to(ROOT)} is over 400 lines"
    for folder in [GENERATOR, *(GENERATOR / w for w in WINGS)]:
        assert ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))), folder


def test_every_template_is_small_and_says_what_it_produces():
    for path in TEMPLATES.rglob("*.j2"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) <= 200, f"{path.relative_to(ROOT)} is over 200 lines"
        assert lines[0].startswith("{# ") and lines[0].endswith(" #}"), f"{path.relative_to(ROOT)}: one-line comment first"


def test_a_new_post_clone_step_is_one_template_file_and_one_entry_in_the_plan(tmp_path, monkeypatch):
    """Add a step the way a developer would (a file in templates/postclone/steps/ and its name in the
    plan's steps) and run the script: the step runs, in its place, isolated like the others."""
    import jinja2

    from generator import config, plan, render
    from generator.simulator.exports import load_data
    from generator.simulator.run import simulate
    from tests.conftest import EXAMPLE

    (tmp_path / "postclone" / "steps").mkdir(parents=True)
    (tmp_path / "postclone" / "steps" / "hello.js.j2").write_text(
        "{# Step \"hello\": a new step. #}\n"
        "        step('hello', function (r) {\n"
        "            r.notes.push('hello from ' + env.key);\n"
        "            r.kept++;\n"
        "        });\n", encoding="utf-8")
    real = render.environment()
    env = real.overlay(loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(tmp_path)), real.loader]))
    monkeypatch.setattr(render, "environment", lambda: env)
    base = plan.make(config.load(EXAMPLE))
    steps = list(base.steps)
    steps.insert(steps.index("verify"), "hello")
    script = render.render_postclone(dataclasses.replace(base, steps=tuple(steps)), "apply")
    report = simulate(script, load_data(ROOT / "examples" / "acme" / "instance"), "acmedev")
    assert [s.name for s in report.steps] == [*steps, "end"]
    hello = report.step("hello")
    assert (hello.kept, hello.failed) == (1, "none")
    assert any(line["message"] == "postclone: dev hello: hello from dev" for line in hello.logs)
    assert report.ok


@pytest.mark.parametrize("wing", WINGS)
def test_each_wing_is_a_folder_of_modules(wing):
    assert (GENERATOR / wing / "__init__.py").is_file()
    assert len(list((GENERATOR / wing).glob("*.py"))) >= 3
