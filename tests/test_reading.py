"""Hardening, round two (issue 14), reading files safely: each attack below reproduces what got through
before (a device or FIFO read until memory ran out or forever, an export un-gzipped to gigabytes, a
DTD loaded, an environment named __proto__ ignored on Rhino) and shows that it is refused now."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys

import pytest

from generator import config
from generator.errors import ConfigError, InputError
from generator.simulator import exports
from generator.simulator.exports import load_data
from tests.conftest import MINIMAL, ROOT, run_cli, write_config

EXPORT = ('<?xml version="1.0" encoding="UTF-8"?><unload unload_date="2026-01-01 00:00:00">'
          '<sys_user action="INSERT_OR_UPDATE"><sys_id>1</sys_id><user_name>a</user_name></sys_user></unload>')
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="this system has no FIFOs")


# ------------------------------------------------------------------ only regular files, bounded

def test_a_device_as_job_script_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTCLONE_ALLOW_SCRIPTS_OUTSIDE", "1")  # past the folder check, to the device check
    text = MINIMAL + '[[jobs]]\nname = "J"\nrun_on = ["prod"]\nscript = "/dev/zero"\n'
    with pytest.raises(ConfigError, match=r"jobs\[0\]\.script: /dev/zero: is not a regular file \(a device, FIFO or "
                                          r"socket\), so it is not read as a job script"):
        config.load(write_config(tmp_path, text))


@needs_fifo
def test_a_fifo_as_configuration_or_export_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "postclone.toml"
    os.mkfifo(fifo)
    # in a child process with a timeout: before, opening the FIFO blocked for ever
    code = ("from pathlib import Path; from generator import config\n"
            f"try:\n    config.load(Path({str(fifo)!r}))\nexcept Exception as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert "is not a regular file" in out.stdout
    export = tmp_path / "sys_user.xml"
    os.mkfifo(export)
    with pytest.raises(InputError, match="sys_user.xml: is not a regular file"):
        load_data(export)


def test_a_device_as_export_on_the_command_line_is_exit_2_with_one_line(tmp_path):
    cfg = ROOT / "examples" / "acme" / "postclone.toml"
    r = run_cli("simulate", cfg, "--instance", "acmedev", "--data", "/dev/zero")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip().endswith("/dev/zero: is not a regular file (a device, FIFO or socket), so it is not "
                                     "read as a list export") and r.stderr.count("\n") == 1


def test_an_export_over_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "MAX_EXPORT_BYTES", 100)
    p = tmp_path / "sys_user.xml"
    p.write_text(EXPORT)
    with pytest.raises(InputError, match="sys_user.xml: is over the 100 bytes limit for a list export"):
        load_data(p)
    j = tmp_path / "data.json"
    j.write_text('{"sys_user": [' + ",".join(['{"sys_id": "1"}'] * 20) + "]}")
    with pytest.raises(InputError, match="data.json: is over the 100 bytes limit for a JSON export"):
        load_data(j)


# ------------------------------------------------------------------ one safe XML reader

def test_a_gzipped_export_is_refused_not_decompressed(tmp_path):
    p = tmp_path / "sys_user.xml"
    p.write_bytes(gzip.compress(EXPORT.encode() + b"<!--" + b" " * 1_000_000 + b"-->"))
    with pytest.raises(InputError, match=r"sys_user.xml: is compressed \(gzip\)"):
        load_data(p)


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE unload SYSTEM "http://127.0.0.1:9/unload.dtd">',
    '<!DOCTYPE unload [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE unload [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
])
def test_an_export_with_a_doctype_is_refused_before_any_entity_or_dtd_is_used(tmp_path, doctype):
    p = tmp_path / "sys_user.xml"
    p.write_text(EXPORT.replace("<unload ", doctype + "<unload ", 1).replace("<user_name>a", "<user_name>&a;", 1)
                 if "ENTITY a" in doctype else EXPORT.replace("<unload ", doctype + "<unload ", 1))
    with pytest.raises(InputError, match=r"sys_user.xml:1:1: has a DOCTYPE"):
        load_data(p)


def test_audit_jobs_reads_through_the_same_reader(tmp_path):
    p = tmp_path / "sysauto_script.xml"
    p.write_text(EXPORT.replace("<unload ", '<!DOCTYPE unload SYSTEM "file:///etc/passwd"><unload ', 1))
    r = run_cli("audit-jobs", "--data", p)
    assert r.returncode == 2 and "has a DOCTYPE" in r.stderr and "root:" not in r.stderr + r.stdout


# ------------------------------------------------------------------ environment names

@pytest.mark.parametrize("name", ["__proto__", "constructor", "toString", "hasOwnProperty", "_x", "-x"])
def test_an_environment_named_like_a_property_of_every_object_is_refused(tmp_path, name):
    text = MINIMAL.replace("[environments.dev]", f'[environments."{name}"]')
    with pytest.raises(ConfigError, match=r"is not an environment name"):
        config.load(write_config(tmp_path, text))


# ------------------------------------------------------------------ job scripts stay inside the config's folder

@pytest.mark.parametrize("script,why", [
    ("/etc/hostname", "leads outside the configuration's folder"),
    ("../outside.js", "leads outside the configuration's folder"),
    ("jobs/../../outside.js", "leads outside the configuration's folder"),
    ("link.js", "is a symlink that leads outside the configuration's folder"),
])
def test_a_job_script_outside_the_config_folder_is_refused_unless_allowed(tmp_path, monkeypatch, script, why):
    outside = tmp_path / "outside.js"
    outside.write_text("gs.log('x');\n")
    folder = tmp_path / "cfg"
    (folder / "jobs").mkdir(parents=True)
    (folder / "link.js").symlink_to(outside)
    text = MINIMAL + f'[[jobs]]\nname = "J"\nrun_on = ["prod"]\nscript = "{script}"\n'
    path = write_config(folder, text)
    monkeypatch.delenv("POSTCLONE_ALLOW_SCRIPTS_OUTSIDE", raising=False)
    with pytest.raises(ConfigError, match=rf"jobs\[0\]\.script: '{script}' {why}"):
        config.load(path)
    if script != "/etc/hostname":
        monkeypatch.setenv("POSTCLONE_ALLOW_SCRIPTS_OUTSIDE", "1")
        assert config.load(path).jobs[0].script == "gs.log('x');\n"


# ------------------------------------------------------------------ build folders: no link is followed (item 6)

SECRET_TEXT = "TOP-SECRET-CONTENT-never-printed"


def built(tmp_path):
    import shutil

    src = tmp_path / "src"
    shutil.copytree(ROOT / "examples" / "acme", src, ignore=shutil.ignore_patterns("instance"))
    out = tmp_path / "out"
    assert run_cli("build", src / "postclone.toml", "--out", out).returncode == 0
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_TEXT + "\n")
    return src / "postclone.toml", out, out / "acme-postclone-1.4.0", secret


def test_build_check_reports_a_symlinked_file_and_never_prints_its_target(tmp_path):
    cfg, out, folder, secret = built(tmp_path)
    (folder / "postclone-apply.js").unlink()
    (folder / "postclone-apply.js").symlink_to(secret)
    r = run_cli("build", cfg, "--out", out, "--check")
    assert r.returncode == 1
    assert "symlink: postclone-apply.js (not followed or read)" in r.stdout
    assert SECRET_TEXT not in r.stdout + r.stderr and "missing: postclone-apply.js" not in r.stdout
    # the plain build does not take the folder for up to date, and replaces the link by the real file
    r = run_cli("build", cfg, "--out", out)
    assert r.returncode == 0 and r.stdout.startswith("built ")
    assert not (folder / "postclone-apply.js").is_symlink() and secret.read_text() == SECRET_TEXT + "\n"


def test_build_check_reports_a_symlinked_folder_without_entering_it(tmp_path):
    cfg, out, folder, secret = built(tmp_path)
    import shutil

    shutil.rmtree(folder / "jobs")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "ping-hr-endpoint.js").write_text(SECRET_TEXT)
    (folder / "jobs").symlink_to(elsewhere, target_is_directory=True)
    r = run_cli("build", cfg, "--out", out, "--check")
    assert r.returncode == 1 and "symlink: jobs (not followed or read)" in r.stdout
    assert SECRET_TEXT not in r.stdout and "missing: jobs/" not in r.stdout


def test_a_symlinked_manifest_is_refused_by_every_reader(tmp_path):
    cfg, out, folder, secret = built(tmp_path)
    real = tmp_path / "manifest-copy.json"
    real.write_text((folder / "manifest.json").read_text())
    (folder / "manifest.json").unlink()
    (folder / "manifest.json").symlink_to(real)
    for args in (["--check"], [], ["--previous", folder]):
        r = run_cli("build", cfg, "--out", out, *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "manifest.json: is a symlink" in r.stderr and "Traceback" not in r.stderr


def test_a_device_in_a_build_folder_is_reported_not_read(tmp_path):
    cfg, out, folder, secret = built(tmp_path)
    if not hasattr(os, "mkfifo"):
        pytest.skip("this system has no FIFOs")
    os.mkfifo(folder / "extra.fifo")
    r = run_cli("build", cfg, "--out", out, "--check")  # would hang if the FIFO were opened
    assert r.returncode == 1 and "not a regular file: extra.fifo (not followed or read)" in r.stdout
