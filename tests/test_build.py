"""The whole build: golden files, determinism, atomic writes, and the update set's shape."""

import hashlib
import json
import shutil

import pytest
from lxml import etree

from generator import config
from generator.errors import InputError
from generator.pipeline import assemble
from generator.write import write
from tests.conftest import EPOCH, EXAMPLE, GOLDEN, MINIMAL, run_cli, update_set_file, write_config


def build_example(tmp_path):
    folder = write(assemble(config.load(EXAMPLE), epoch=EPOCH), tmp_path / "build")
    return folder, {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
                    for p in sorted(folder.rglob("*")) if p.is_file()}


def test_example_build_matches_golden_files(tmp_path, update_golden):
    """The reviewer-readable golden copy of the example's build folder. Regenerate: pytest --update-golden."""
    _, files = build_example(tmp_path)
    golden = GOLDEN / "acme"
    if update_golden:
        shutil.rmtree(golden, ignore_errors=True)
        for name, text in files.items():
            (golden / name).parent.mkdir(parents=True, exist_ok=True)
            (golden / name).write_text(text, encoding="utf-8")
    expected = {p.relative_to(golden).as_posix(): p.read_text(encoding="utf-8")
                for p in sorted(golden.rglob("*")) if p.is_file()}
    assert sorted(files) == sorted(expected)
    for name in files:
        assert files[name] == expected[name], f"{name} differs from tests/golden/acme (pytest --update-golden)"


def test_two_builds_are_byte_identical(tmp_path):
    a = run_cli("build", EXAMPLE, "--out", tmp_path / "a", env={"SOURCE_DATE_EPOCH": "1790000000"})
    b = run_cli("build", EXAMPLE, "--out", tmp_path / "b", env={"SOURCE_DATE_EPOCH": "1790000000"})
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    fa = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    fb = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert fa == fb and len(fa) > 5
    for rel in fa:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_manifest_lists_every_file_with_its_hash_and_every_record(tmp_path):
    folder, files = build_example(tmp_path)
    manifest = json.loads(files["manifest.json"])
    assert set(manifest["files"]) == set(files) - {"manifest.json"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(files[name].encode()).hexdigest() == digest
    assert manifest["config_digest"] == config.load(EXAMPLE).digest
    assert {r["table"] for r in manifest["records"]} == {"clone_cleanup_script", "sys_script_fix", "sysauto_script",
                                                         "clone_data_preserver"}
    assert manifest["source_date_epoch"] == EPOCH


def parse_update_set(text):
    root = etree.fromstring(text.encode("utf-8"))
    rows = []
    for row in root.findall("sys_update_xml"):
        inner = etree.fromstring(row.findtext("payload").encode("utf-8"))
        rows.append((row, inner))
    return root, rows


def test_every_script_in_the_xml_is_exactly_the_js_file(tmp_path):
    _, files = build_example(tmp_path)
    _, rows = parse_update_set(files[update_set_file(files)])
    by_name = {}
    for _row, inner in rows:
        rec = inner[0]
        by_name[(inner.get("table"), rec.findtext("sys_id"))] = rec
    manifest = json.loads(files["manifest.json"])
    seen = 0
    for r in manifest["records"]:
        rec = by_name[(r["table"], r["sys_id"])]
        if r["table"] == "sysauto_script":
            assert rec.findtext("script") == files[f"jobs/{r['key']}.js"]
            assert rec.findtext("condition") == files[f"jobs/{r['key']}.condition.js"]
        elif r["table"] == "clone_data_preserver":
            assert rec.find("script") is None  # a preserver carries no script (tests/test_preservers.py)
        else:
            assert rec.findtext("script") == files[f"postclone-{r['key']}.js"]
        seen += 1
    assert seen == len(rows) == 12


def test_payload_is_entity_escaped_once_with_cdata_inside(tmp_path):
    _, files = build_example(tmp_path)
    xml = files[update_set_file(files)]
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?><unload unload_date="2026-09-21 14:13:20">\n')
    assert '<payload>&lt;?xml version="1.0" encoding="UTF-8"?&gt;&lt;record_update table="sys_script_fix"&gt;' in xml
    assert "&lt;script&gt;&lt;![CDATA[/*" in xml
    assert "&quot;" not in xml


def test_sys_ids_are_stable_across_versions_and_renames(tmp_path):
    a = write_config(tmp_path, MINIMAL.replace('name = "T"', 'name = "T"\nid = "stable"'))
    first = assemble(config.load(a), epoch=0).manifest["records"]
    a.write_text(MINIMAL.replace('name = "T"', 'name = "Renamed"\nid = "stable"').replace("1.0.0", "2.0.0"))
    second = assemble(config.load(a), epoch=0).manifest["records"]
    assert [(r["table"], r["sys_id"]) for r in first] == [(r["table"], r["sys_id"]) for r in second]
    assert all(len(r["sys_id"]) == 32 and int(r["sys_id"], 16) >= 0 for r in first)


def test_failed_build_leaves_previous_build_and_no_partial_folder(tmp_path, monkeypatch):
    out = tmp_path / "build"
    folder, before = build_example(tmp_path)
    import generator.write as b

    real_open = open

    def failing_open(path, *args, **kwargs):
        if "sys_remote_update_set_" in str(path) and "w" in (args[0] if args else kwargs.get("mode", "r")):
            raise OSError(28, "No space left on device")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(b, "open", failing_open, raising=False)
    with pytest.raises(InputError, match="No space left on device"):
        write(assemble(config.load(EXAMPLE), epoch=EPOCH + 1), out)
    assert sorted(p.name for p in out.iterdir()) == [folder.name]
    after = {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*") if p.is_file()}
    assert after == before


def test_rebuild_replaces_the_folder_without_leftovers(tmp_path):
    out = tmp_path / "build"
    write(assemble(config.load(EXAMPLE), epoch=EPOCH), out)
    (out / "acme-postclone-1.4.0" / "stale.txt").write_text("old")
    write(assemble(config.load(EXAMPLE), epoch=EPOCH), out)
    assert sorted(p.name for p in out.iterdir()) == ["acme-postclone-1.4.0"]
    assert not (out / "acme-postclone-1.4.0" / "stale.txt").exists()


def test_every_template_loads():
    from generator.plan import POSTCLONE_STEPS
    from generator.render import environment, templates_dir

    names = sorted(p.relative_to(templates_dir()).as_posix() for p in templates_dir().rglob("*.j2"))
    assert names == sorted(["jobs/job.js.j2", "jobs/condition.js.j2", "postclone/frame.js.j2",
                            "install/install.js.j2", "shared/runner.js.j2", "shared/shipped_jobs.js.j2",
                            "postclone/records.js.j2", "postclone/policy.js.j2", "postclone/job_policy.js.j2",
                            "postclone/ldap_policy.js.j2", "postclone/user_policy.js.j2", "postclone/endpoint_policy.js.j2",
                            "postclone/record_policy.js.j2", "install/preservers.js.j2",
                            "postclone/login_policy.js.j2",
                            *(f"postclone/steps/{step}.js.j2" for step in POSTCLONE_STEPS)])
    for name in names:
        environment().get_template(name)
    assert (templates_dir() / "starter.toml").is_file()


def test_js_filter_keeps_values_data():
    from generator.render import js_literal

    nasty = "</script>*/]]>\u2028\u2029'\"\\"
    out = js_literal({"a": [nasty]})
    for bad in ("</", "*/", "]]>", "\u2028", "\u2029"):
        assert bad not in out
    assert json.loads(out) == {"a": [nasty]}
