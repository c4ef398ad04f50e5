"""Export parsing and the `postclone simulate` command."""

import json

import pytest

from generator.errors import InputError
from generator.plan import POSTCLONE_STEPS
from generator.simulator.exports import load_data
from tests.conftest import EXAMPLE, ROOT, run_cli

FIXTURE = ROOT / "examples" / "acme" / "instance"


def test_xml_list_exports_load_with_reference_values_as_sys_ids(tmp_path):
    (tmp_path / "sys_user_has_role.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><unload unload_date="2026-01-01 00:00:00">\n'
        '<sys_user_has_role action="INSERT_OR_UPDATE">\n<role display_value="admin">r1</role>\n'
        '<sys_id>h1</sys_id>\n<user display_value="Ann">u1</user>\n<state/>\n</sys_user_has_role>\n</unload>\n')
    assert load_data(tmp_path) == {"sys_user_has_role": [{"role": "r1", "sys_id": "h1", "user": "u1", "state": ""}]}


def test_whitespace_values_survive_loading(tmp_path):
    (tmp_path / "t.xml").write_text('<unload>\n<t>\n<sys_id>1</sys_id>\n<a>   </a>\n<b> x </b>\n<c/>\n</t>\n</unload>\n')
    assert load_data(tmp_path) == {"t": [{"sys_id": "1", "a": "   ", "b": " x ", "c": ""}]}


def test_json_form_loads_with_values_as_strings(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"sys_user": [{"sys_id": "u1", "active": True, "n": 3, "x": None}]}))
    assert load_data(tmp_path / "x.json") == {"sys_user": [{"sys_id": "u1", "active": "true", "n": "3", "x": ""}]}


def test_empty_export_still_declares_its_table(tmp_path):
    (tmp_path / "sys_ux_banner_announcement.xml").write_text('<unload unload_date="2026-01-01 00:00:00">\n</unload>\n')
    assert load_data(tmp_path) == {"sys_ux_banner_announcement": []}


@pytest.mark.parametrize("name,text,message", [
    ("bad.xml", "<unload>\n<sys_user>\n<sys_id>1</sys_id>\n</unload>\n",
     "bad.xml:4:10: not well-formed XML: Opening and ending tag mismatch: sys_user line 2 and unload"),
    ("bad.xml", "<records/>\n", "bad.xml:1: expected an <unload> list export, found <records>"),
    ("bad.xml", "<unload>\n<sys_user>\n<name>x</name>\n</sys_user>\n</unload>\n",
     "bad.xml:2: <sys_user> record has no sys_id"),
    ("bad.json", "{\"sys_user\": [\n{\"sys_id\": 1,}\n]}", "bad.json:2:14: not valid JSON: Expecting property name enclosed in double quotes"),
    ("bad.json", "[]", "bad.json: expected {\"table\": [records]} at the top level"),
    ("bad.json", "{\"sys_user\": [{\"name\": \"x\"}]}", "bad.json: sys_user[0]: record has no sys_id"),
])
def test_malformed_exports_name_file_and_line(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError) as err:
        load_data(tmp_path / name)
    assert str(err.value) == f"{tmp_path}/{message}"


def test_simulate_cli_reports_and_exits_0(tmp_path):
    r = run_cli("simulate", EXAMPLE, "--instance", "acmetest", "--data", FIXTURE, "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["ok"] and report["instance"] == "acmetest"
    assert [s["name"] for s in report["steps"]] == [*POSTCLONE_STEPS, "end"]
    assert report["totals"]["writes"] > 0


def test_simulate_cli_on_production_shows_no_write():
    r = run_cli("simulate", EXAMPLE, "--instance", "acme", "--data", FIXTURE)
    assert r.returncode == 0
    assert "totals: 0 queries, 0 writes, 0 records changed" in r.stdout
    assert 'log error: postclone: nothing done: "acme" is a production instance' in r.stdout


def test_simulate_cli_exits_1_when_the_script_fails(tmp_path):
    (tmp_path / "postclone.toml").write_text(EXAMPLE.read_text().replace(
        'script = "jobs/hr_sync.js"', 'script = "bad.js"'))
    for f in (ROOT / "examples" / "acme" / "jobs").iterdir():
        (tmp_path / "jobs").mkdir(exist_ok=True)
        (tmp_path / "jobs" / f.name).write_text(f.read_text())
    (tmp_path / "bad.js").write_text("var s = gs.getSession().getClientIP();\n")
    r = run_cli("simulate", tmp_path / "postclone.toml", "--instance", "acme", "--data", FIXTURE,
                "--job", "nightly-hr-sync")
    assert r.returncode == 1
    assert "unsupported Glide API: GlideSession.getClientIP" in r.stdout and "Traceback" not in r.stderr


def test_guarded_job_runs_only_on_its_instances():
    r = run_cli("simulate", EXAMPLE, "--instance", "acmedev", "--data", FIXTURE, "--job", "refresh-test-data")
    assert r.returncode == 0 and "totals: 0 queries, 0 writes" in r.stdout
    assert 'skipped: instance "acmedev" is not one of acmetest' in r.stdout
    r = run_cli("simulate", EXAMPLE, "--instance", "acmetest", "--data", FIXTURE, "--job", "refresh-test-data")
    assert r.returncode == 0 and "update 'INC0010001' (state: \"2\" -> \"7\")" in r.stdout


@pytest.mark.parametrize("args,message", [
    (["--data", "nowhere"], "postclone: error: nowhere: no such file or folder\n"),
    (["--data", str(FIXTURE), "--job", "x"], "postclone: error: --job: no job with key 'x'"),
])
def test_simulate_bad_input_exits_2(args, message):
    r = run_cli("simulate", EXAMPLE, "--instance", "acmetest", *args)
    assert r.returncode == 2 and r.stderr.startswith(message)


# ------------------------------------------------------------------ bounded runs (issue 14, item 11)

RUNAWAY_JOB = '[[jobs]]\nname = "Runaway"\nrun_on = ["dev1"]\nscript = "j.js"\n'
LOOP = "var n = 0;\nwhile (true) { n++; }\n"
HOG = "var keep = [];\nfor (var i = 0; ; i++) { keep.push({i: i, s: 'k' + i, t: [i, i + 1, i + 2]}); }\n"


def _engine_processes() -> set[int]:
    """PIDs of running JVMs started by a Rhino run of postclone (their command line names the runner)."""
    import os

    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmd = fh.read()
        except OSError:
            continue
        if b"postclone-rhino-" in cmd:
            found.add(int(pid))
    return found


@pytest.mark.parametrize("engine", ["v8", "rhino"])
def test_a_script_that_never_ends_is_stopped_at_the_timeout_with_one_line(tmp_path, engine):
    import time

    from tests.conftest import MINIMAL, engine_or_skip, write_config

    engine_or_skip(engine)
    path = write_config(tmp_path, MINIMAL + RUNAWAY_JOB, {"j.js": LOOP})
    before = _engine_processes()  # another test run on this machine may have its own
    start = time.perf_counter()
    r = run_cli("simulate", path, "--instance", "dev1", "--data", FIXTURE, "--job", "runaway", "--engine", engine,
                "--timeout", "3")
    seconds = time.perf_counter() - start
    assert r.returncode == 1, r.stderr
    assert r.stderr == (f"postclone: the script ran longer than 3 s on {engine} and was stopped (--timeout 3; a loop "
                        "that never ends? nothing of this run is reported)\n")
    assert r.stdout == "" and seconds < 20
    if engine == "rhino":
        assert not _engine_processes() - before  # the shell and the JVM of the run were both killed


@pytest.mark.parametrize("engine", ["v8", "rhino"])
def test_a_script_that_allocates_without_end_is_stopped_at_the_memory_cap(tmp_path, engine):
    from tests.conftest import MINIMAL, engine_or_skip, write_config

    engine_or_skip(engine)
    path = write_config(tmp_path, MINIMAL + RUNAWAY_JOB, {"j.js": HOG})
    before = _engine_processes()  # another test run on this machine may have its own
    r = run_cli("simulate", path, "--instance", "dev1", "--data", FIXTURE, "--job", "runaway", "--engine", engine,
                "--max-memory", "256", "--timeout", "120")
    assert r.returncode == 1, r.stderr
    assert r.stderr == (f"postclone: the script used more than 256 MiB on {engine} and was stopped (--max-memory 256; "
                        "nothing of this run is reported)\n")
    if engine == "rhino":
        assert not _engine_processes() - before


def test_the_default_limits_let_the_example_run_on_both_engines():
    from generator.simulator import DEFAULT_MAX_MEMORY_MIB, DEFAULT_TIMEOUT

    assert 5 <= DEFAULT_TIMEOUT < 60 and DEFAULT_MAX_MEMORY_MIB >= 1024
    r = run_cli("simulate", EXAMPLE, "--instance", "acmedev", "--data", FIXTURE, "--timeout", "0")
    assert r.returncode == 2 and "--timeout" in r.stderr


def test_stopping_v8_leaves_no_engine_noise_run_after_run(tmp_path):
    """CI caught mini-racer printing "Event loop is closed" tracebacks after a timeout in about 1 run
    in 6; the engine now settles before its context closes. Six runs, each exactly one line."""
    from tests.conftest import MINIMAL, write_config

    path = write_config(tmp_path, MINIMAL + RUNAWAY_JOB, {"j.js": LOOP})
    for _ in range(6):
        r = run_cli("simulate", path, "--instance", "dev1", "--data", FIXTURE, "--job", "runaway", "--timeout", "0.5")
        assert (r.returncode, r.stderr.count("\n")) == (1, 1), r.stderr
