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
    assert r.stdout.startswith("built build/acme-postclone-1.4.0/ (18 files, 12 records, ")
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


def distribution(tmp_path, kind: str, pattern: str) -> Path:
    """Build the project's wheel or sdist (`python -m build`, no isolation) into tmp_path/dist."""
    dist = tmp_path / "dist"
    r = subprocess.run([sys.executable, "-m", "build", kind, "--no-isolation", "--outdir", str(dist), str(ROOT)],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0 and "No module named build" in r.stderr:
        pytest.skip("the 'build' package is not installed (pip install -e '.[test]')")
    assert r.returncode == 0, r.stderr[-2000:]
    return next(dist.glob(pattern))


@pytest.mark.skipif(os.environ.get("POSTCLONE_SKIP_WHEEL") == "1", reason="POSTCLONE_SKIP_WHEEL=1")
def test_wheel_works_from_another_folder(tmp_path):
    """Build the wheel, install it into a fresh venv, build the example from an unrelated folder."""
    wheel = distribution(tmp_path, "--wheel", "postclone-*.whl")
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
    # the JSON Schema ships inside the wheel, and `postclone schema` prints exactly that file
    r = subprocess.run([str(env_dir / "bin" / "python"), "-m", "generator", "schema"], cwd=elsewhere, env=env,
                       capture_output=True, text=True)
    shipped = (pth / "generator" / "postclone.schema.json").read_text(encoding="utf-8")
    assert r.returncode == 0 and r.stdout == shipped == (ROOT / "docs" / "postclone.schema.json").read_text()
    assert (next(pth.glob("postclone-*.dist-info")) / "licenses" / "LICENSE").read_text().startswith("MIT License")


def test_the_sdist_holds_every_file_of_the_repository_and_its_tests_run_from_it(tmp_path):
    import tarfile

    sdist = distribution(tmp_path, "--sdist", "postclone-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
        tar.extractall(tmp_path / "unpacked", filter="data")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode == 0 and tracked.stdout:
        assert set(tracked.stdout.split()) - names == set()  # every tracked file, tests and fixtures included
    assert {"LICENSE", ".ci/run", "docs/postclone.schema.json", "tests/conftest.py"} <= names
    root = next((tmp_path / "unpacked").iterdir())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(root)}
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_docs.py",
                        "tests/test_layout.py", "tests/test_config.py"], cwd=root, env=env, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:]
    assert " passed" in r.stdout.splitlines()[-1]


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


# ------------------------------------------------------------------ say it when something is off (issue 15, items 1, 2)

FIXTURE_DIR = ROOT / "examples" / "acme" / "instance"


def test_simulate_lists_the_tables_it_loaded_and_warns_about_each_table_a_step_read_without_data(tmp_path):
    import shutil

    data = tmp_path / "inst"
    shutil.copytree(FIXTURE_DIR, data)
    (data / "sys_user_grmember.xml").unlink()
    r = run_cli("simulate", EXAMPLE, "--instance", "acmetest", "--data", data)
    records = sum(1 for p in data.glob("*.xml") for line in p.read_text().splitlines() if 'action="INSERT_OR_UPDATE"' in line)
    tables = len(list(data.glob("*.xml")))
    assert r.stdout.splitlines()[0].startswith(f"data: {tables} tables, {records} records from {data}: "
                                               "clone_data_preserver, clone_profile, clone_profile_cleanup_scripts_list, ")
    assert "sys_user_grmember" not in r.stdout.splitlines()[0]
    assert r.stderr == ("postclone: warning: the data has no sys_user_grmember table, which step verify read: step verify "
                        "saw an instance without it (export the table, even empty, if the instance has it)\n")
    import json

    out = json.loads(run_cli("simulate", EXAMPLE, "--instance", "acmetest", "--data", data, "--json").stdout)
    assert out["missing_tables"] == [{"table": "sys_user_grmember", "steps": ["verify"]}]
    assert out["tables"]["sys_user"] == 14 and "sys_user_grmember" not in out["tables"]


def test_simulate_of_an_instance_in_no_environment_says_did_you_mean():
    r = run_cli("simulate", EXAMPLE, "--instance", "acmetets", "--data", FIXTURE_DIR)
    assert r.stderr == ("postclone: warning: --instance 'acmetets' is in no environment and is not production (did you "
                        "mean 'acmetest'?): the script's guard treats it as an unknown instance and writes nothing\n")
    assert "totals: 1 queries, 0 writes" in r.stdout or ", 0 writes, 0 records changed" in r.stdout


@pytest.mark.parametrize("command", ["simulate", "render"])
def test_mode_with_job_is_a_usage_error(command):
    extra = ["--instance", "acmedev", "--data", str(FIXTURE_DIR)] if command == "simulate" else []
    r = run_cli(command, EXAMPLE, *extra, "--job", "ping-hr-endpoint", "--mode", "apply")
    assert r.returncode == 2
    assert r.stderr == (f"postclone: error: --mode apply and --job cannot be used together: --job runs that job's own "
                        f"script (see: postclone {command} --help)\n")


def test_audit_jobs_of_a_file_without_scheduled_jobs_is_an_error():
    r = run_cli("audit-jobs", "--data", FIXTURE_DIR / "sys_user.xml")
    assert r.returncode == 2
    assert r.stderr == (f"postclone: error: {FIXTURE_DIR / 'sys_user.xml'}: holds no sysauto_script records (sys_user); "
                        "export the scheduled script executions (the sysauto_script list, Export > XML) and pass that "
                        "file or its folder\n")


@pytest.mark.parametrize("script,guarded,reason", [
    ("if (gs.getProperty('instance_name') == 'acme') { run(); }", True, ""),
    ("if (gs.getProperty ( \"instance_name\", '' ) == 'acme') { run(); }", True, ""),
    ("// if (gs.getProperty('instance_name') != 'acme') return;\nrun();", False,
     "neither the script nor the condition reads instance_name"),
    ("/* gs.getProperty('instance_name') */ run();", False, "neither the script nor the condition reads instance_name"),
    ("var note = \"checks gs.getProperty('instance_name') first\";\nrun();", False,
     "neither the script nor the condition reads instance_name"),
    ("if (gs.getProperty('instance_name') == 'acme') { run('unterminated); }", False,
     "the script does not parse as JavaScript, so no instance check can be seen in it"),
])
def test_audit_jobs_counts_an_instance_check_only_in_code(tmp_path, script, guarded, reason):
    import json

    (tmp_path / "jobs.json").write_text(json.dumps({"sysauto_script": [
        {"sys_id": "j1", "name": "Job", "active": "true", "run_type": "daily", "script": script}]}))
    r = run_cli("audit-jobs", "--data", tmp_path / "jobs.json", "--json")
    found = json.loads(r.stdout)["unguarded"]
    assert (r.returncode, [f["reason"] for f in found]) == ((0, []) if guarded else (1, [reason]))


def test_an_unknown_top_level_key_is_reported_before_a_missing_one(tmp_path):
    path = write_config(tmp_path, MINIMAL.replace("[environments.dev]", "[enviroments.dev]"))
    r = run_cli("validate", path)
    assert r.returncode == 2
    assert r.stderr == f"postclone: error: {path}: enviroments: unknown key (did you mean 'environments'?)\n"
    path = write_config(tmp_path, MINIMAL.replace('version = "1.0.0"', 'verison = "1.0.0"'))
    r = run_cli("validate", path)
    assert r.stderr == f"postclone: error: {path}: update_set.verison: unknown key (did you mean 'version'?)\n"


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "postclone.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    r = run_cli("validate", path)
    assert r.returncode == 0 and r.stdout.startswith(f"ok: {path}: configuration and 4 scripts checked")
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.replace('name = "T"', 'name = "T" x').encode())
    r = run_cli("validate", path)
    assert r.stderr.startswith(f"postclone: error: {path}:3:12: TOML syntax: ")


@pytest.mark.parametrize("body,position,message", [
    ("var a = 1;\n  }\n", "2:3", "Unexpected token }"),
    ("var a = ;\n", "1:9", "Unexpected token ;"),
    ("\tvar x = @;\n", "1:10", "Unexpected token ILLEGAL"),
    ("var s = 'é'; var = 1;\n", "1:18", "Unexpected token ="),
    ("/* a\n b */ var = 1;\n", "2:11", "Unexpected token ="),
    ("var a;\n    const x = 1;\n", "2:5", "'const' declarations are ES2015+ syntax"),
    ("x.forEach(function () {});\n   y = class {};\n", "2:8", "classes are ES2015+ syntax"),
])
def test_script_errors_point_at_the_line_and_column_an_editor_shows(tmp_path, body, position, message):
    path = write_config(tmp_path, MINIMAL + '[[jobs]]\nname = "J"\nrun_on = ["prod"]\nscript = "j.js"\n', {"j.js": body})
    r = run_cli("validate", path)
    assert r.returncode == 2 and r.stderr.startswith(f"postclone: error: {tmp_path / 'j.js'}:{position}: {message}")


# ------------------------------------------------------------------ standard input and progress (issue 15, items 5, 8)

def test_dash_reads_standard_input_wherever_a_file_is_read(tmp_path):
    r = run_cli("validate", "-", cwd=EXAMPLE.parent, input=EXAMPLE.read_text())
    assert r.returncode == 0 and r.stdout.startswith("ok: -: configuration and 16 scripts checked")
    r = run_cli("validate", "-", cwd=tmp_path, input=MINIMAL.replace('version = "1.0.0"', 'verison = "1"'))
    assert r.stderr == "postclone: error: <stdin>: update_set.verison: unknown key (did you mean 'version'?)\n"
    jobs = (FIXTURE_DIR / "sysauto_script.xml").read_text()
    r = run_cli("audit-jobs", "--data", "-", input=jobs)
    assert r.returncode == 1 and r.stdout.startswith("6 of 12 active scripted jobs do not check instance_name")
    r = run_cli("simulate", EXAMPLE, "--instance", "acmedev", "--data", "-", input=jobs)
    assert r.stdout.startswith("data: 1 tables, 14 records from -: sysauto_script")
    assert run_cli("build", EXAMPLE, "-o", tmp_path / "out").returncode == 0
    us = next((tmp_path / "out" / "acme-postclone-1.4.0").glob("sys_remote_update_set_*.xml"))
    r = run_cli("diff", "-", us, input=us.read_text())
    assert r.returncode == 0 and r.stdout == f"no differences between - and {us} (timestamps ignored)\n"
    r = run_cli("diff", "-", "-", input=us.read_text())
    assert r.returncode == 2 and r.stderr == ("postclone: error: -: standard input can be read only once per command, "
                                              "and it was already read as an update set\n")


def _on_a_terminal(args, cwd):
    """Run postclone with stderr on a pseudo-terminal; return (exit code, what the terminal showed)."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        shown += chunk
    proc.communicate()
    os.close(master)
    return proc.returncode, shown.decode("utf-8", "replace")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="this system has no pseudo-terminals")
def test_progress_shows_on_a_terminal_and_nowhere_else(tmp_path):
    code, shown = _on_a_terminal(["simulate", EXAMPLE, "--instance", "acmetest", "--data", FIXTURE_DIR], ROOT)
    assert code == 0
    assert f"\r\x1b[Kloading exports 0/{len(list(FIXTURE_DIR.glob('*.xml')))}: clone_data_preserver.xml" in shown
    assert "\r\x1b[Ksimulating postclone-cleanup.js on 'acmetest' (v8)" in shown and shown.endswith("\r\x1b[K")
    code, shown = _on_a_terminal(["snapshot", tmp_path / "snap", "--users", "10", "--jobs", "2"], ROOT)
    assert code == 0 and "\r\x1b[Kwriting exports 0/" in shown
    code, shown = _on_a_terminal(["-q", "snapshot", tmp_path / "snap2", "--users", "10", "--jobs", "2"], ROOT)
    assert (code, shown) == (0, "")
    r = run_cli("simulate", EXAMPLE, "--instance", "acmetest", "--data", FIXTURE_DIR)  # stderr is a pipe here
    assert r.returncode == 0 and r.stderr == ""
