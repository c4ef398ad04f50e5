"""Update set fidelity (against real exports when ../shared exists, and hand-written fixtures always),
inspect, diff, build --check and upgrades with DELETE updates."""

import json
import re
import shutil
from pathlib import Path

import pytest
from lxml import etree

from generator import config
from generator.errors import InputError
from generator.pipeline import assemble
from generator.review import updateset
from generator.write import write
from tests.conftest import EPOCH, EXAMPLE, ROOT, run_cli, update_set_file

HANDMADE = Path(__file__).parent / "fixtures" / "handmade_updateset.xml"
OURS = assemble(config.load(EXAMPLE), epoch=EPOCH).files[update_set_file(assemble(config.load(EXAMPLE), epoch=EPOCH).files)]


def children(el):
    return [c.tag for c in el if isinstance(c.tag, str)]


def our_tree():
    return etree.fromstring(OURS.encode())


# ------------------------------------------------------------------ conformance with real exports

def test_layout_matches_a_real_modern_export(shared):
    real = etree.parse(str(shared / "updatesets" / "us_global-app_collision-detection-3.0.0_delete-actions_2023.xml")).getroot()
    ours = our_tree()
    assert ours.tag == real.tag == "unload" and set(ours.attrib) == set(real.attrib) == {"unload_date"}
    assert children(ours.find("sys_remote_update_set")) == children(real.find("sys_remote_update_set"))
    real_rows = {tuple(children(r)) for r in real.findall("sys_update_xml")}
    assert len(real_rows) == 1
    for row in ours.findall("sys_update_xml"):
        assert tuple(children(row)) in real_rows
        assert row.get("action") == "INSERT_OR_UPDATE"
    fmt = re.compile(r"^[0-9a-f]{11}0000001$")
    assert all(fmt.match(r.findtext("sys_recorded_at")) for r in real.findall("sys_update_xml"))
    assert all(fmt.match(r.findtext("sys_recorded_at")) for r in ours.findall("sys_update_xml"))


def test_payload_records_carry_the_fields_real_exports_of_that_table_carry(shared):
    def fields_of(file, table):
        root = etree.parse(str(shared / "updatesets" / file)).getroot()
        rec = root.find(table) if root.tag in ("record_update", "unload") else None
        if rec is None:
            for row in root.iter("sys_update_xml"):
                inner = etree.fromstring(row.findtext("payload").encode())
                if inner.get("table") == table:
                    rec = inner[0]
                    break
        return set(children(rec))

    ours = {}
    for row in our_tree().findall("sys_update_xml"):
        inner = etree.fromstring(row.findtext("payload").encode())
        ours.setdefault(inner.get("table"), set(children(inner[0])))
        # name = <table>_<sys_id> = the payload's sys_update_name; target_name = the record's name
        assert row.findtext("name") == inner[0].findtext("sys_update_name") == f"{inner.get('table')}_{inner[0].findtext('sys_id')}"
        assert row.findtext("target_name") == inner[0].findtext("name")
    assert fields_of("us_global_developer-toolbox-1.10_clone-cleanup-script_2019.xml", "clone_cleanup_script") <= ours["clone_cleanup_script"]
    # fix scripts in the current platform's shape: a 2024 export (and ServiceNow's SDK 4.9.0) have no
    # active, flush_cache or run_once, which older exports carried; now-sdk build rejects them
    assert fields_of("record-export_sys_script_fix_scoped_2024.xml", "sys_script_fix") <= ours["sys_script_fix"]
    assert not {"active", "flush_cache", "run_once"} & ours["sys_script_fix"]
    assert fields_of("app-repo_sysauto_script_needit_daily.xml", "sysauto_script") <= ours["sysauto_script"]


def test_type_labels_and_row_constants_match_real_exports(shared):
    real = etree.parse(str(shared / "updatesets" / "us_global_developer-toolbox-1.10_clone-cleanup-script_2019.xml")).getroot()
    real_types = {etree.fromstring(r.findtext("payload").encode()).get("table"): r.findtext("type")
                  for r in real.findall("sys_update_xml")}
    for row in our_tree().findall("sys_update_xml"):
        table = etree.fromstring(row.findtext("payload").encode()).get("table")
        if table in real_types:
            assert row.findtext("type") == real_types[table]
        assert (row.findtext("category"), row.findtext("update_domain"), row.findtext("replace_on_upgrade")) == \
            ("customer", "global", "false")


def test_every_reference_file_can_be_inspected(shared):
    files = sorted((shared / "updatesets").glob("*.xml"))
    assert len(files) >= 10
    for f in files:
        us = updateset.read(f)
        assert us.rows, f
        assert all(r.table and r.sys_id for r in us.rows), f
        assert us.problems == [], f  # real exports hold only text in their fields


# ------------------------------------------------------------------ the same rules on our own fixtures

def test_escaping_rule_scripts_in_cdata_then_entity_escaped_once():
    payloads = [m.group(1) for m in re.finditer(r"<payload>(.*?)</payload>", OURS, re.S)]
    for raw in payloads:
        if raw.startswith("<![CDATA["):
            # a payload with no script (a clone data preserver) is one CDATA section, as in a real export (DTBX)
            assert raw.endswith("]]>") and "<record_update table=\"clone_data_preserver\">" in raw
            continue
        assert raw.startswith("&lt;?xml version=\"1.0\" encoding=\"UTF-8\"?&gt;&lt;record_update table=\"")
        assert "&lt;![CDATA[" in raw and "<![CDATA[" not in raw and "&quot;" not in raw
        assert "\n" not in raw.split("&lt;![CDATA[")[0]  # the inner document starts on one line
    assert sum(raw.startswith("<![CDATA[") for raw in payloads) == 2


def test_one_element_per_line_and_self_closing_empties():
    lines = OURS.split("\n")
    assert lines[0] == '<?xml version="1.0" encoding="UTF-8"?><unload unload_date="2026-09-21 14:13:20">'
    assert "<comments/>" in lines and "<parent display_value=\"\"/>" in lines
    assert not re.search(r"<(\w+)[^<>]*></\1>", OURS)  # never <x></x>
    assert lines[-2:] == ["</unload>", ""]


def test_handmade_fixture_reads_both_payload_forms():
    us = updateset.read(HANDMADE)
    assert [(r.table, r.target_name) for r in us.rows] == [("sys_properties", "x.enabled"), ("sys_script_fix", "Fix one")]
    assert us.rows[0].fields["value"] == "true & more"
    assert us.rows[1].fields["script"] == 'if (a < b && c) { gs.info("x"); }'


def test_inspect_cli_and_extract(tmp_path):
    r = run_cli("inspect", HANDMADE, "--extract", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[:2] == [
        f"{HANDMADE}: update set 'Handmade fixture' (0123456789abcdef0123456789abcdef)",
        "  scope global, state loaded, unloaded 2025-02-03 04:05:06, 2 records"]
    script = tmp_path / "out" / "sys_script_fix" / "22222222222222222222222222222222.script.js"
    assert script.read_text() == 'if (a < b && c) { gs.info("x"); }'
    assert (tmp_path / "out" / "sys_properties" / "11111111111111111111111111111111.xml").read_text().startswith(
        '<record_update table="sys_properties">\n    <sys_properties action="INSERT_OR_UPDATE">')
    r = run_cli("inspect", HANDMADE, "--json")
    assert json.loads(r.stdout)["records"][1] == {
        "action": "INSERT_OR_UPDATE", "table": "sys_script_fix", "name": "Fix one",
        "sys_id": "22222222222222222222222222222222", "type": "Fix Script",
        "update_name": "sys_script_fix_22222222222222222222222222222222"}


def test_inspect_extracts_exactly_the_scripts_we_built(tmp_path):
    folder = write(assemble(config.load(EXAMPLE), epoch=EPOCH), tmp_path / "b")
    updateset.extract(updateset.read(folder / update_set_file(folder)), tmp_path / "x")
    manifest = json.loads((folder / "manifest.json").read_text())
    for rec in manifest["records"]:
        if rec["table"] == "clone_data_preserver":
            # a preserver has no script: its record, and no .js (its condition is an encoded query, not code)
            assert [p.name for p in (tmp_path / "x" / rec["table"]).glob(f"{rec['sys_id']}*")] == [f"{rec['sys_id']}.xml"]
            continue
        got = (tmp_path / "x" / rec["table"] / f"{rec['sys_id']}.script.js").read_text()
        want = f"jobs/{rec['key']}.js" if rec["table"] == "sysauto_script" else f"postclone-{rec['key']}.js"
        assert got == (folder / want).read_text()


# ------------------------------------------------------------------ robust reading

@pytest.mark.parametrize("text,message", [
    ("<unload>\n<sys_update_xml>\n</unload>", ":3:10: not well-formed XML: Opening and ending tag mismatch"),
    ("<records/>", ":1: expected an update set (<unload> root), found <records>"),
    ("<unload/>", ": no sys_remote_update_set and no records: not an update set"),
])
def test_malformed_input_names_file_and_line(tmp_path, text, message):
    p = tmp_path / "bad.xml"
    p.write_text(text)
    with pytest.raises(InputError) as err:
        updateset.read(p)
    assert str(err.value).startswith(f"{p}{message}")


def test_entities_are_not_expanded_and_files_are_not_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    p = tmp_path / "xxe.xml"
    p.write_text(f'<?xml version="1.0"?><!DOCTYPE unload [<!ENTITY x SYSTEM "file://{secret}">'
                 '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                 '<unload><sys_script_fix><sys_id>1</sys_id><name>&x;&b;</name></sys_script_fix></unload>')
    # a DOCTYPE is refused outright: no entity is defined, expanded or fetched
    with pytest.raises(InputError, match=r"xxe.xml:1:1: has a DOCTYPE") as err:
        updateset.read(p)
    assert "TOP-SECRET" not in str(err.value)


def test_oversized_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(updateset, "MAX_BYTES", 100)
    p = tmp_path / "big.xml"
    p.write_text("<unload>" + " " * 200 + "</unload>")
    with pytest.raises(InputError, match=r"big.xml: is over the 100 bytes limit for an update set"):
        updateset.read(p)


# ------------------------------------------------------------------ diff, check, upgrades

def release(tmp_path, version, epoch, edit=None, previous=None):
    src = tmp_path / f"src-{version}"
    shutil.copytree(ROOT / "examples" / "acme", src, ignore=shutil.ignore_patterns("instance"))
    text = (src / "postclone.toml").read_text().replace('version = "1.4.0"', f'version = "{version}"')
    if edit:
        text = edit(text, src)
    (src / "postclone.toml").write_text(text)
    args = ["build", src / "postclone.toml", "--out", tmp_path / "out"]
    if previous:
        args += ["--previous", previous]
    r = run_cli(*args, env={"SOURCE_DATE_EPOCH": str(epoch)})
    assert r.returncode == 0, r.stderr
    return tmp_path / "out" / f"acme-postclone-{version}"


def drop_ping_job(text, src):
    start = text.index('[[jobs]]\nname = "Ping HR endpoint"')
    end = text.index('[[jobs]]\nname = "One-off data fix"')
    (src / "jobs" / "refresh_test_data.js").write_text("gs.info('v2');\n")
    return text[:start] + text[end:]


def test_upgrade_keeps_sys_ids_and_deletes_what_was_removed(tmp_path):
    v1 = release(tmp_path, "1.4.0", EPOCH)
    v2 = release(tmp_path, "1.5.0", EPOCH + 86400, drop_ping_job, previous=v1)
    m1, m2 = (json.loads((v / "manifest.json").read_text()) for v in (v1, v2))
    ids1 = {(r["table"], r["key"]): r["sys_id"] for r in m1["records"]}
    ids2 = {(r["table"], r["key"]): r["sys_id"] for r in m2["records"]}
    assert all(ids1[k] == v for k, v in ids2.items())
    assert set(ids1) - set(ids2) == {("sysauto_script", "ping-hr-endpoint")}
    assert m2["deleted"] == [{"table": "sysauto_script", "key": "ping-hr-endpoint", "name": "Ping HR endpoint",
                              "sys_id": ids1[("sysauto_script", "ping-hr-endpoint")]}]
    deleted = [r for r in updateset.read(v2 / update_set_file(v2)).rows if r.action == "DELETE"]
    assert [(r.table, r.sys_id, r.fields["sys_update_name"]) for r in deleted] == [
        ("sysauto_script", ids1[("sysauto_script", "ping-hr-endpoint")],
         f"sysauto_script_{ids1[('sysauto_script', 'ping-hr-endpoint')]}")]
    # a rebuild of the same release without --previous keeps its deletions
    src2 = tmp_path / "src-1.5.0"
    r = run_cli("build", src2 / "postclone.toml", "--out", tmp_path / "out", "--force",
                env={"SOURCE_DATE_EPOCH": str(EPOCH + 86400)})
    assert r.returncode == 0 and ", 1 deletions," in r.stdout
    assert json.loads((v2 / "manifest.json").read_text())["deleted"] == m2["deleted"]
    r = run_cli("build", src2 / "postclone.toml", "--out", tmp_path / "out", "--check",
                env={"SOURCE_DATE_EPOCH": str(EPOCH + 86400)})
    assert r.returncode == 0, r.stdout
    # the next release, built from this one, still carries the deletion
    v3 = release(tmp_path, "1.6.0", EPOCH + 2 * 86400, drop_ping_job, previous=v2)
    assert json.loads((v3 / "manifest.json").read_text())["deleted"] == m2["deleted"]

    r = run_cli("diff", v1 / update_set_file(v1), v2 / update_set_file(v2))
    assert r.returncode == 1
    heads = [line for line in r.stdout.splitlines() if not line.startswith("  ")]
    assert heads == [
        f"{v1 / update_set_file(v1)} -> {v2 / update_set_file(v2)}: 6 records differ",
        "changed clone_cleanup_script 'postclone cleanup acme-postclone' (8014b709a6ef5b39b04cf89ba882cf4a)",
        "changed sys_script_fix 'postclone install acme-postclone' (1f1d71af87bf5a62a115d59743962133)",
        "changed sys_script_fix 'postclone apply acme-postclone' (5df91c2cfe1e593288df4fafefca7207)",
        "changed sys_script_fix 'postclone preview acme-postclone' (9e53e8519e9c5e1e8ecdd285a8ed11ff)",
        "deleted sysauto_script 'Ping HR endpoint' (19cad0911fe75c34af0675418d96fd23)",
        "changed sysauto_script 'Refresh test data' (550fae7995eb54bf8b02c99f02f462d8)",
    ]
    assert "    +gs.info('v2');" in r.stdout


def test_a_manifest_edited_to_delete_a_foreign_record_is_refused_and_nothing_is_written(tmp_path):
    """Issue 14, item 8: DELETE updates only for this update set's own records. A carried `deleted`
    list (the build folder's own manifest) or a --previous manifest naming another sys_id is refused."""
    v1 = release(tmp_path, "1.4.0", EPOCH)
    manifest = json.loads((v1 / "manifest.json").read_text())
    foreign = {"table": "sysauto_script", "key": "ping-hr-endpoint", "name": "Someone else's job",
               "sys_id": "a" * 32}
    manifest["deleted"] = [foreign]
    (v1 / "manifest.json").write_text(json.dumps(manifest))
    before = {p: p.read_bytes() for p in v1.rglob("*") if p.is_file()}
    src = tmp_path / "src-1.4.0"
    for args in ([], ["--force"], ["--check"]):
        r = run_cli("build", src / "postclone.toml", "--out", tmp_path / "out", *args)
        assert r.returncode == 2, (args, r.stdout)
        assert f"manifest.json: deleted[0]: sys_id '{'a' * 32}' is not a record of update set 'acme-postclone'" \
            in r.stderr
    assert {p: p.read_bytes() for p in v1.rglob("*") if p.is_file()} == before
    with pytest.raises(AssertionError):
        release(tmp_path / "refused", "1.5.0", EPOCH + 86400, previous=v1)
    assert not (tmp_path / "refused" / "out").exists()
    # an honest entry of this update set (a record it shipped) is still deleted
    manifest["deleted"] = [next(r for r in manifest["records"] if r["key"] == "ping-hr-endpoint")]
    (v1 / "manifest.json").write_text(json.dumps(manifest))
    v2 = release(tmp_path, "1.5.0", EPOCH + 86400, drop_ping_job, previous=v1)
    assert [d["key"] for d in json.loads((v2 / "manifest.json").read_text())["deleted"]] == ["ping-hr-endpoint"]


def test_diff_of_identical_sets_exits_0_even_across_build_times(tmp_path):
    a = release(tmp_path / "a", "1.4.0", EPOCH)
    b = release(tmp_path / "b", "1.4.0", EPOCH + 999)
    r = run_cli("diff", a / update_set_file(a), b / update_set_file(b), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["equal"] is True
    r = run_cli("diff", a / update_set_file(a), tmp_path / "nope.xml")
    assert r.returncode == 2 and "file not found" in r.stderr


def test_build_check(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "examples" / "acme", src, ignore=shutil.ignore_patterns("instance"))
    out = tmp_path / "out"
    r = run_cli("build", src / "postclone.toml", "--out", out, "--check")
    assert r.returncode == 1 and "no build here" in r.stdout
    assert run_cli("build", src / "postclone.toml", "--out", out).returncode == 0
    r = run_cli("build", src / "postclone.toml", "--out", out, "--check")
    assert r.returncode == 0 and r.stdout.strip().endswith("is up to date")
    (src / "jobs" / "ping_hr.js").write_text("gs.info('changed');\n")
    r = run_cli("build", src / "postclone.toml", "--out", out, "--check")
    assert r.returncode == 1
    assert "stale: jobs/ping-hr-endpoint.js" in r.stdout and "stale: sys_remote_update_set_" in r.stdout
    assert "    +gs.info('changed');" in r.stdout


# ------------------------------------------------------------------ reviewers see every byte (issue 14, item 1)

FIX_SCRIPT = "postclone apply acme-postclone"


def tampered(tmp_path, change) -> tuple[Path, Path]:
    """Our update set, and a copy whose payload of the apply fix script went through `change(payload
    text) -> payload text`; the copy is written with lxml, so it is well-formed XML."""
    original = tmp_path / "ours.xml"
    original.write_text(OURS, encoding="utf-8")
    root = our_tree()
    row = next(r for r in root.findall("sys_update_xml") if r.findtext("target_name") == FIX_SCRIPT)
    payload = row.find("payload")
    new = change(payload.text)
    assert new != payload.text
    payload.text = new
    copy = tmp_path / "tampered.xml"
    copy.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return original, copy


def hide_after_script(markup: str):
    """Close the script's CDATA, put `markup` and an extra line of code after it, inside the field."""
    def change(payload: str) -> str:
        head, sep, tail = payload.partition("]]></script>")
        assert sep
        return head + "]]>" + markup + "gs.eventQueue('exfiltrate');</script>" + tail
    return change


@pytest.mark.parametrize("markup, kind", [
    ("<!-- reviewed -->", "a comment"),
    ("<?keep going?>", "a processing instruction"),
    ("<b/>", "child elements mixed with text"),
])
def test_code_after_a_comment_pi_or_element_in_a_field_is_seen_by_diff_inspect_and_extract(tmp_path, markup, kind):
    original, copy = tampered(tmp_path, hide_after_script(markup))
    r = run_cli("diff", original, copy)
    assert r.returncode == 1, r.stdout
    assert f"changed sys_script_fix {FIX_SCRIPT!r}" in r.stdout and "gs.eventQueue('exfiltrate');" in r.stdout
    assert f"field <script> of <sys_script_fix> holds {kind}, not only text" in r.stdout
    r = run_cli("inspect", copy, "--extract", tmp_path / "x")
    assert r.returncode == 1 and f"holds {kind}" in r.stdout
    assert "1 fields hold more than text or are given twice" in r.stderr
    found = [p.read_text() for p in (tmp_path / "x" / "sys_script_fix").glob("*.script.js")
             if "exfiltrate" in p.read_text()]
    assert len(found) == 1 and found[0].startswith("/*") and found[0].endswith("gs.eventQueue('exfiltrate');")


def test_a_field_given_twice_is_reported_and_both_copies_are_diffed_and_extracted(tmp_path):
    def twice(payload: str) -> str:
        return payload.replace("</script>", "</script><script><![CDATA[gs.eventQueue('second copy');]]></script>", 1)
    original, copy = tampered(tmp_path, twice)
    r = run_cli("diff", original, copy, "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 1 and out["equal"] is False
    assert any("field <script> of <sys_script_fix> is given 2 times" in p for p in out["problems"])
    change = next(c for c in out["changes"] if c["name"] == FIX_SCRIPT)
    assert "script#2" in change["fields"]
    run_cli("inspect", copy, "--extract", tmp_path / "x")
    assert [p.read_text() for p in (tmp_path / "x" / "sys_script_fix").glob("*.script.2.js")] == [
        "gs.eventQueue('second copy');"]


def test_a_comment_inside_the_payload_field_itself_is_reported(tmp_path):
    original = tmp_path / "ours.xml"
    original.write_text(OURS, encoding="utf-8")
    # Before, findtext() read nothing after a comment at the start of a <payload>, so the record
    # looked empty; now the payload is read whole and the comment is reported.
    copy = tmp_path / "tampered.xml"
    copy.write_text(OURS.replace("<payload>", "<payload><!-- nothing here -->", 1), encoding="utf-8")
    r = run_cli("diff", original, copy)
    assert r.returncode == 1 and "field <payload> of <sys_update_xml> holds a comment" in r.stdout
    assert "no record differs" in r.stdout


def test_an_entity_reference_in_a_field_is_refused_with_its_position(tmp_path):
    original, copy = tampered(tmp_path, hide_after_script(""))
    text = copy.read_text().replace("exfiltrate", "&amp;hidden;", 1)
    copy.write_text(text)
    r = run_cli("diff", original, copy)
    assert r.returncode == 2 and "Entity 'hidden' not defined" in r.stderr and "payload of" in r.stderr
