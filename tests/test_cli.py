"""The command line as a user runs it: exit codes, one-line errors, no tracebacks."""

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, MINIMAL, ROOT, run_cli, update_set_file, write_config

COMMANDS = ["init", "validate", "build", "render", "simulate", "snapshot", "audit-jobs", "inspect", "diff"]


def test_version():
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == "postclone, version 0.1.0"


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_on_every_command(command):
    r = run_cli(*([command] if command else []), "--help")
    assert r.returncode == 0 and "Usage: postclone" in r.stdout


def test_validate_writes_nothing(tmp_path):
    r = run_cli("validate", EXAMPLE, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"ok: {EXAMPLE}: configuration and 16 scripts checked")
    assert list(tmp_path.iterdir()) == []


def test_build_writes_the_folder_and_says_where(tmp_path):
    r = run_cli("build", EXAMPLE, cwd=tmp_path, env={"SOURCE_DATE_EPOCH": "1790000000"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("built build/acme-postclone-1.4.0/ (18 files, 10 records, ")
    assert update_set_file(tmp_path / "build" / "acme-postclone-1.4.0")


def test_render_prints_the_script(tmp_path):
    r = run_cli("render", EXAMPLE, "--mode", "preview")
    assert r.returncode == 0 and r.stdout.rstrip().endswith('})("preview");')
    r = run_cli("render", EXAMPLE, "--job", "nightly-hr-sync")
    assert r.returncode == 0 and '"runOn": ["acme"]' in r.stdout
    r = run_cli("render", EXAMPLE, "--job", "nope")
    assert r.returncode == 2 and r.stderr == (
        "postclone: error: --job: no job with key 'nope' (jobs: nightly-hr-sync, refresh-test-data, "
        "purge-training-sandbox, ping-hr-endpoint, one-off-data-fix, rebuild-search-index)\n")


def test_init_writes_a_starter_that_builds(tmp_path):
    r = run_cli("init", "my.toml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run_cli("build", "my.toml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run_cli("init", "my.toml", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr == "postclone: error: my.toml: already exists (use --force to overwrite)\n"


@pytest.mark.parametrize("args,needle", [
    (["validate", "missing.toml"], "postclone: error: missing.toml: file not found\n"),
    (["build"], "Missing argument 'CONFIG'"),
    (["frobnicate"], "No such command 'frobnicate'"),
    (["build", "x.toml", "--bogus"], "No such option '--bogus'"),
])
def test_bad_input_exits_2_without_traceback(tmp_path, args, needle):
    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert needle in r.stderr and "Traceback" not in r.stderr + r.stdout


def test_bad_config_is_one_line_exit_2(tmp_path):
    path = write_config(tmp_path, MINIMAL + "purpose2 = 1\n")
    r = run_cli("build", path, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr == f"postclone: error: {path}: environments.dev.purpose2: unknown key (did you mean 'purpose'?)\n"
    assert not (tmp_path / "build").exists() or not any((tmp_path / "build").iterdir())


def test_bad_script_is_file_line_column_exit_2(tmp_path):
    text = MINIMAL + "[[jobs]]\nname = \"J\"\nrun_on = [\"prod\"]\nscript = \"j.js\"\n"
    path = write_config(tmp_path, text, {"j.js": "var a = () => 1;\n"})
    r = run_cli("build", path, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr == (f"postclone: error: {tmp_path / 'j.js'}:1:9: arrow functions are ES2015+ syntax; "
                        "ServiceNow global scripts run as ES5\n")
    assert not (tmp_path / "build").exists() or not any((tmp_path / "build").iterdir())


def test_internal_error_message(capsys, monkeypatch):
    from generator import cli

    monkeypatch.setattr("generator.config.load", lambda *a: 1 / 0)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["validate", str(EXAMPLE)])
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert err == "postclone: internal error: ZeroDivisionError: division by zero (run with --debug for a traceback)\n"
    with pytest.raises(SystemExit):
        cli.main(["--debug", "validate", str(EXAMPLE)])
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.skipif(os.environ.get("POSTCLONE_SKIP_WHEEL") == "1", reason="POSTCLONE_SKIP_WHEEL=1")
def test_wheel_works_from_another_folder(tmp_path):
    """Build the wheel, install it into a fresh venv, build the example from an unrelated folder."""
    dist = tmp_path / "dist"
    r = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0 and "No module named build" in r.stderr:
        pytest.skip("the 'build' package is not installed (pip install -e '.[test]')")
    assert r.returncode == 0, r.stderr[-2000:]
    wheel = next(dist.glob("postclone-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(env_dir)
    # Reuse the test environment's installed dependencies; install only the wheel itself.
    site = next(Path(p) for p in sys.path if p.endswith("site-packages"))
    pth = next((env_dir / "lib").glob("python3*/site-packages"))
    (pth / "deps.pth").write_text(str(site) + "\n")
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(pth), str(wheel)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["SOURCE_DATE_EPOCH"] = "1790000000"
    r = subprocess.run([str(env_dir / "bin" / "python"), "-m", "generator", "build", str(EXAMPLE)],
                       cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    built = elsewhere / "build" / "acme-postclone-1.4.0"
    name = update_set_file(built)
    assert (built / name).read_text() == (ROOT / "tests" / "golden" / "acme" / name).read_text()
    r = subprocess.run([str(env_dir / "bin" / "python"), "-m", "generator", "simulate", str(EXAMPLE), "--instance",
                        "acmetest", "--data", str(ROOT / "examples" / "acme" / "instance")],
                       cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "every step succeeded" in r.stdout, r.stderr
    r = subprocess.run([str(env_dir / "bin" / "python"), "-c", "import generator.render as r; print(r.templates_dir())"],
                       cwd=elsewhere, env=env, capture_output=True, text=True)
    assert str(pth) in r.stdout and str(ROOT) not in r.stdout


# ------------------------------------------------------------------ conventions (issue 15, items 5-7)

def test_global_flags_are_accepted_after_the_command_too(tmp_path):
    r = run_cli("validate", EXAMPLE, "--debug")
    assert r.returncode == 0 and r.stdout.startswith("ok: ")
    r = run_cli("build", EXAMPLE, "-o", tmp_path / "out", "--quiet")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert (tmp_path / "out" / "acme-postclone-1.4.0" / "manifest.json").is_file()
    r = run_cli("-q", "build", EXAMPLE, "-o", tmp_path / "out")  # the shortcut's "up to date" is quiet too
    assert (r.returncode, r.stdout) == (0, "")
    r = run_cli("build", EXAMPLE, "--out", tmp_path / "out", "--force", "--verbose")
    assert r.returncode == 0 and r.stdout.startswith("built ")
    assert r.stderr.startswith("postclone: inputs digest ") and "; validation cache " in r.stderr


def test_usage_errors_are_one_line_naming_the_help(tmp_path):
    r = run_cli("build", "x.toml", "--bogus")
    assert r.returncode == 2
    assert r.stderr == "postclone: error: No such option '--bogus'. Did you mean '--out'? (see: postclone build --help)\n"


@pytest.mark.parametrize("args,error,code", [
    (["build", "missing.toml", "--json"], "missing.toml: file not found", 2),
    (["build", "x.toml", "--bogus", "--json"], "No such option '--bogus'. Did you mean '--out'? (see: postclone build --help)", 2),
    (["diff", "a.xml", "b.xml", "--json"], "a.xml: file not found", 2),
])
def test_with_json_errors_are_json_on_stdout_too(tmp_path, args, error, code):
    import json

    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode == code
    assert json.loads(r.stdout) == {"ok": False, "error": error, "exit_code": code}
    assert r.stderr == f"postclone: error: {error}\n"


def test_a_file_system_error_anywhere_is_exit_2_with_one_line(tmp_path, monkeypatch, capsys):
    import generator.write
    from generator import cli

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "out"))

    monkeypatch.setattr(generator.write, "write", refused)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["build", str(EXAMPLE), "--out", str(tmp_path / "out"), "--force"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == f"postclone: error: {tmp_path / 'out'}: Permission denied\n"


@pytest.mark.parametrize("engine", ["v8", "rhino"])
def test_ctrl_c_is_one_line_and_exit_130_with_no_engine_noise(tmp_path, engine):
    import signal
    import time

    from tests.conftest import engine_or_skip

    engine_or_skip(engine)
    (tmp_path / "j.js").write_text("var n = 0;\nwhile (true) { n++; }\n")
    path = write_config(tmp_path, MINIMAL + '[[jobs]]\nname = "Runaway"\nrun_on = ["dev1"]\nscript = "j.js"\n')
    proc = subprocess.Popen([sys.executable, "-m", "generator", "simulate", str(path), "--instance", "dev1", "--data",
                             str(ROOT / "examples" / "acme" / "instance"), "--job", "runaway", "--engine", engine,
                             "--timeout", "120"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # the script is running by now
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out, err) == (130, "", "postclone: interrupted\n")


# ------------------------------------------------------------------ record identity and what build may replace (issue 15, items 3, 4, 9)

def _acme_copy(tmp_path, name="src", config_name="postclone.toml"):
    import shutil

    src = tmp_path / name
    shutil.copytree(ROOT / "examples" / "acme", src, ignore=shutil.ignore_patterns("instance"))
    if config_name != "postclone.toml":
        (src / "postclone.toml").rename(src / config_name)
    return src / config_name


def test_init_writes_an_explicit_update_set_id_from_the_file_name(tmp_path):
    r = run_cli("init", "my-company.toml", cwd=tmp_path)
    assert r.returncode == 0
    assert 'id = "my-company"            # never change it: every record\'s sys_id derives from it' in \
        (tmp_path / "my-company.toml").read_text().splitlines()
    r = run_cli("build", "my-company.toml", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("built build/my-company-1.0.0/")


def test_renaming_or_moving_the_config_changes_no_artifact(tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1790000000"}
    a = _acme_copy(tmp_path, "a")
    b = _acme_copy(tmp_path / "elsewhere", "b", "renamed.toml")
    assert run_cli("build", a, "-o", tmp_path / "out-a", env=env).returncode == 0
    assert run_cli("build", b, "-o", tmp_path / "out-b", env=env).returncode == 0
    files = lambda root: {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}  # noqa: E731
    assert files(tmp_path / "out-a") == files(tmp_path / "out-b")


def test_rebuilding_the_same_version_from_other_inputs_warns_and_check_names_the_records_first(tmp_path):
    cfg = _acme_copy(tmp_path)
    out = tmp_path / "out"
    assert run_cli("build", cfg, "-o", out).returncode == 0
    (cfg.parent / "jobs" / "ping_hr.js").write_text("gs.info('v2');\n")
    r = run_cli("build", cfg, "-o", out, "--check")
    assert r.returncode == 1
    assert r.stdout.splitlines()[:3] == [
        f"{out / 'acme-postclone-1.4.0'}/ is stale; run: postclone build {cfg}",
        "record changed sysauto_script 'Ping HR endpoint': script",
        "stale: jobs/ping-hr-endpoint.js"]
    r = run_cli("build", cfg, "-o", out)
    assert r.returncode == 0 and r.stdout.startswith("built ")
    assert r.stderr == (f"postclone: warning: {out / 'acme-postclone-1.4.0'}/ held version 1.4.0 built from other inputs; "
                        "this build replaces it and changes 1 records (changed sysauto_script 'Ping HR endpoint': script). "
                        "If the earlier build was imported anywhere, bump update_set.version: two different update sets "
                        "would have the same name and version\n")


@pytest.mark.parametrize("what", ["a folder", "a file", "a symlink"])
def test_build_never_replaces_what_it_did_not_write(tmp_path, what):
    cfg = _acme_copy(tmp_path)
    target = tmp_path / "out" / "acme-postclone-1.4.0"
    target.parent.mkdir()
    if what == "a folder":
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    elif what == "a file":
        target.write_text("mine")
    else:
        (tmp_path / "elsewhere").mkdir()
        target.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    for extra in ([], ["--force"]):
        r = run_cli("build", cfg, "-o", tmp_path / "out", *extra)
        assert r.returncode == 2
        assert r.stderr == (f"postclone: error: {target}: is {what} that postclone did not write (no postclone "
                            "manifest.json), so build does not replace it; move it away or choose another --out\n")
    assert (target / "notes.txt").read_text() == "mine" if what == "a folder" else True
    assert target.read_text() == "mine" if what == "a file" else True
    assert sorted(p.name for p in target.parent.iterdir()) == ["acme-postclone-1.4.0"]


def test_snapshot_refuses_a_folder_that_is_not_empty_without_force(tmp_path):
    (tmp_path / "snap").mkdir()
    (tmp_path / "snap" / "keep.txt").write_text("mine")
    r = run_cli("snapshot", tmp_path / "snap", "--users", "10", "--jobs", "2")
    assert r.returncode == 2
    assert r.stderr == (f"postclone: error: {tmp_path / 'snap'}: is not empty; snapshot writes only into a new or empty "
                        "folder (--force writes into it anyway, replacing exports of the same name)\n")
    r = run_cli("snapshot", tmp_path / "snap", "--users", "10", "--jobs", "2", "--force")
    assert r.returncode == 0 and (tmp_path / "snap" / "keep.txt").read_text() == "mine"
    assert (tmp_path / "snap" / "sys_user.xml").is_file()


def test_the_build_message_lists_the_three_things_to_do_in_production(tmp_path):
    r = run_cli("build", EXAMPLE, cwd=tmp_path)
    folder = "build/acme-postclone-1.4.0"
    assert r.stdout.splitlines()[-4:] == [
        "next, on production:",
        f"  1. import {folder}/{update_set_file(tmp_path / folder)}: System Update Sets > Retrieved Update Sets > "
        "Import Update Set from XML, then preview and commit it",
        "  2. run the fix script \"postclone install acme-postclone\" (System Definition > Fix Scripts): it schedules "
        "the shipped jobs and adds the cleanup script to the clone profiles ('ACME full clone')",
        "  3. check that every clone profile you clone with (System Clone > Clone Profiles) lists the cleanup script "
        "\"postclone cleanup acme-postclone\""]
