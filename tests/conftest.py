import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "acme" / "postclone.toml"
SHARED = ROOT.parent / "shared" / "reference"
GOLDEN = Path(__file__).resolve().parent / "golden"
EPOCH = 1790000000  # SOURCE_DATE_EPOCH for every golden build
FIXTURE = ROOT / "examples" / "acme" / "instance"  # the example's instance: production's data, after the commit


def pytest_configure(config):
    """Keep the tests' validation cache out of the user's ~/.cache: one fresh folder per session."""
    import tempfile

    if "POSTCLONE_CACHE_DIR" not in os.environ:
        os.environ["POSTCLONE_CACHE_DIR"] = tempfile.mkdtemp(prefix="postclone-test-cache-")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite the golden files under tests/golden from the current output.")


@pytest.fixture
def update_golden(request):
    return request.config.getoption("--update-golden")


@pytest.fixture
def shared():
    if not SHARED.is_dir():
        pytest.skip("../shared/reference is not present (it exists only beside the project's CI checkout)")
    return SHARED


ENGINES = ["v8", "rhino"]


def engine_or_skip(engine):
    """Rhino is the reference engine: CI must have it; elsewhere its scenarios skip with the reason."""
    import shutil

    if engine == "rhino" and not shutil.which("rhino"):
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the scenarios on Rhino: install Debian's rhino package (.ci/run does)")
        pytest.skip("rhino is not installed (apt-get install rhino); CI runs these on Rhino")


def update_set_file(where) -> str:
    """The name of the update set file of a build (a folder, or a Build's files): sys_remote_update_set_<sys_id>.xml."""
    names = [n for n in (where if isinstance(where, dict) else [p.name for p in where.iterdir()])
             if n.startswith("sys_remote_update_set_") and n.endswith(".xml")]
    assert len(names) == 1, names
    return names[0]


def run_cli(*args, cwd=None, env=None, input=None):
    """Run `python -m generator` as a user would (`input`: text on its standard input); return the
    CompletedProcess."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=300, input=input,
                          stdin=None if input is not None else subprocess.DEVNULL)


def write_config(tmp_path: Path, text: str, jobs: dict[str, str] | None = None) -> Path:
    for name, body in (jobs or {}).items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body, encoding="utf-8")
    path = tmp_path / "postclone.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
[update_set]
name = "T"
version = "1.0.0"

[instances]
production = ["prod"]

[environments.dev]
instances = ["dev1"]
purpose = "development"
"""


# A small configuration with production "acme" and one development environment ("dev", instance
# "dev1"), to which a test adds tables of an array: small_config(tmp_path, "preserve", 'table = "x"').
SMALL = """
[update_set]
name = "T"
version = "1.0.0"
id = "acme-postclone"

[instances]
production = ["acme"]
{instances}

[environments.dev]
instances = ["dev1"]
purpose = "development"
"""


def small_config(tmp_path: Path, array: str, *bodies: str, instances: str = "") -> Path:
    """SMALL with one [[array]] table per body."""
    text = SMALL.format(instances=instances) + "".join(f"\n[[{array}]]\n{body}\n" for body in bodies)
    return write_config(tmp_path, text)


@functools.cache
def example_data():
    """The example instance's records (tests must not change them: simulate copies what it is given)."""
    from generator.simulator.exports import load_data

    return load_data(FIXTURE)


def run_postclone(cfg, instance: str, mode: str = "apply", data=None, **kw):
    """Simulate the post-clone script of `cfg` in `mode` on `instance` (the example's data by default)."""
    from generator import plan
    from generator.render import render_postclone
    from generator.simulator.run import simulate

    return simulate(render_postclone(plan.make(cfg), mode), example_data() if data is None else data, instance,
                    script_name=f"postclone-{mode}.js", **kw)


def assert_config_error(path: Path, message: str) -> None:
    """Loading `path` is a ConfigError whose text holds `message`, and `postclone validate` says it in one
    line with exit code 2 and no traceback."""
    from generator import config
    from generator.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert message in str(err.value)
    r = run_cli("validate", path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
