"""The engine's own reader of list exports (glide/load.js, fed by exports.engine_items) against the
reference reader (exports.load_data, lxml): the same records from the same files, on V8 and Rhino,
whatever size the pieces are; the same errors; and bulk writes journalled as one entry."""

import pytest

from generator.errors import InputError
from generator.simulator import exports
from generator.simulator.exports import engine_items, load_data
from generator.simulator.run import _options, run_v8, simulate
from tests.conftest import ENGINES, engine_or_skip

HOSTILE = """<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment before the root -->
<unload unload_date="2026-01-01 00:00:00">
<sys_user action="INSERT_OR_UPDATE">
<sys_id>u1</sys_id><name>A &amp; B &lt;x&gt; &quot;q&quot; &apos;s&apos; a&gt;b</name>
<title>&#233;t&#xE9; &#128512; tab&#9;cr&#13;end</title>
<active>true</active><empty/><spaces>   </spaces><long>0123456789abcdef0123456789abcdef</long>
<ref display_value="Fred &gt; Bob" link="x>y">abc</ref>
<multi>line1
line2</multi>
</sys_user>
<sys_user action='DELETE'><sys_id>u2</sys_id></sys_user>
<sys_user action="DEL&#69;TE"><sys_id>u2b</sys_id></sys_user>
<sys_user data-action="DELETE" action="INSERT_OR_UPDATE"><sys_id>u3</sys_id><name>kept</name></sys_user>
<sys_remote_update_set action="INSERT_OR_UPDATE"><sys_id>s1</sys_id></sys_remote_update_set>
<sys_user_admin action="INSERT_OR_UPDATE"><sys_id>u4</sys_id><name>日本語 ünïcode</name></sys_user_admin>
<sys_user action="INSERT_OR_UPDATE" ><sys_id>u5</sys_id><name >spaced tag</name ><dup>1</dup><dup>2</dup></sys_user >
text between records
<clone_data_preserver action="INSERT_OR_UPDATE"><sys_id>c1</sys_id><condition table="sys_user">a=1^ORb&gt;2^EQ<item field="a" operator="=" value="1"/><item field="b" operator="&gt;" value="2"></item> tail<item></item>end</condition><empty_condition/></clone_data_preserver>
<sys_user action="DELETE"/>
</unload>
"""


def state(data, engine):
    return simulate("", data, "acmedev", engine=engine, keep_state=True).state


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_the_engine_reads_what_lxml_reads(tmp_path, engine, newline, chunk):
    engine_or_skip(engine)
    (tmp_path / "sys_user.xml").write_bytes(HOSTILE.replace("\n", newline).encode())
    (tmp_path / "sys_ux_banner_announcement.xml").write_text("<unload>\n</unload>\n")
    (tmp_path / "only_deletes.xml").write_text('<unload><x action="DELETE"><sys_id>1</sys_id></x></unload>')
    reference = load_data(tmp_path)
    assert reference["sys_user"][0]["name"] == "A & B <x> \"q\" 's' a>b"
    assert reference["sys_user"][0]["title"] == "été \U0001F600 tab\tcr\rend"
    assert reference["sys_user"][0]["multi"] == "line1\nline2"  # CRLF read as LF, as XML reads it
    assert [r["sys_id"] for r in reference["sys_user"]] == ["u1", "u3", "u5"]
    # a condition's <item/> elements (the condition builder's form of its terms) are skipped
    assert reference["clone_data_preserver"][0]["condition"] == "a=1^ORb>2^EQ tailend"
    assert reference["only_deletes"] == [] and reference["sys_ux_banner_announcement"] == []
    items = list(engine_items(tmp_path, chunk_bytes=chunk))
    assert sum(isinstance(i, exports.XmlPiece) for i in items) >= (3 if chunk < 64 else 1)
    assert state(iter(items), engine) == state(reference, engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_comment_after_the_first_piece_hands_the_file_back_to_lxml(tmp_path, engine):
    engine_or_skip(engine)
    body = "".join(f'<t action="INSERT_OR_UPDATE"><sys_id>{i}</sys_id><n>{i}</n></t>\n' for i in range(50))
    (tmp_path / "t.xml").write_text(f"<unload>\n{body}<!-- late comment -->{body.replace('n>', 'm>')}</unload>\n")
    items = list(engine_items(tmp_path, chunk_bytes=100))
    assert any(isinstance(i, exports.XmlDrop) for i in items) and any(isinstance(i, exports.Rows) for i in items)
    assert state(iter(items), engine) == state(load_data(tmp_path), engine)


def body(n):
    return "".join(f'<sys_user action="INSERT_OR_UPDATE">\n<sys_id>{i}</sys_id>\n</sys_user>\n' for i in range(n))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", [
    f"<unload>\n{body(40)}<sys_user>\n<name>x</name>\n</sys_user>\n</unload>\n",  # no sys_id, in a late piece
    f"<unload>\n{body(40)}<sys_user>\n<sys_id>1</sys_id>\n<name>a<b/>c</name>\n</sys_user>\n</unload>\n",
    f"<unload>\n{body(40)}<sys_user>\n<sys_id>1</sys_id>\n</unload>\n",  # malformed: lxml's error, not load.js's
    f"<unload>\n{body(40)}<sys_user>\n<sys_id>1</sys_id>\n<name>&nbsp;</name></sys_user>\n</unload>\n",
    f"<?xml version='1.0'?><!DOCTYPE unload SYSTEM 'x.dtd'><unload>\n{body(40)}</unload>\n",
    f"<unload>\n{body(40)}<sys_user/>\n</unload>\n",
    f"<unload>\n{body(40)}<t><sys_id>1</sys_id><condition>a=1<item>x</item></condition></t>\n</unload>\n",
    f"<unload>\n{body(40)}<t><sys_id>1</sys_id><condition>a=1<item v='1'>x</item></condition></t>\n</unload>\n",
    f"<unload>\n{body(40)}<t><sys_id>1</sys_id><condition>a=1\n<item v='1'>\n<b/></item></condition></t>\n</unload>",
    f"<unload>\n{body(40)}<t><sys_id>1</sys_id><condition>a=1<item><b>x</b></item></condition></t>\n</unload>\n",
    f"<unload>\n{body(40)}<t><sys_id>1</sys_id><condition>a=1<items/></condition></t>\n</unload>\n",
])
def test_errors_are_those_of_the_reference_reader(tmp_path, engine, text):
    engine_or_skip(engine)
    (tmp_path / "sys_user.xml").write_text(text)
    with pytest.raises(InputError) as expected:
        load_data(tmp_path)
    with pytest.raises(InputError) as got:
        state(engine_items(tmp_path, chunk_bytes=64), engine)
    assert str(got.value) == str(expected.value)
    assert str(tmp_path / "sys_user.xml") in str(got.value)


@pytest.mark.parametrize("text", ["<unload>", "<?xml version='1.0'?>\n<unload a='1'>", "<unload>\n<t>"])
def test_a_file_cut_short_after_its_root_tag_is_an_error_not_a_hang(tmp_path, text):
    (tmp_path / "t.xml").write_text(text)
    with pytest.raises(InputError, match=r"t\.xml:\d+:\d+: not well-formed XML"):
        state(engine_items(tmp_path, chunk_bytes=64), "v8")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_field_named_proto_is_a_field_and_a_table_named_like_an_object_member_is_refused(tmp_path, engine):
    engine_or_skip(engine)
    (tmp_path / "t.xml").write_text(f"<unload>\n{body(40)}<t><sys_id>p</sys_id><__proto__>x</__proto__></t>\n</unload>")
    got = state(engine_items(tmp_path, chunk_bytes=64), engine)
    assert got == state(load_data(tmp_path), engine) and got["t"][0]["__proto__"] == "x"
    (tmp_path / "t.xml").write_text(f"<unload>\n{body(40)}<constructor><sys_id>c</sys_id></constructor>\n</unload>")
    for data in (engine_items(tmp_path, chunk_bytes=64), load_data(tmp_path)):
        with pytest.raises(InputError, match=r"constructor(>)?: is not a table name|<constructor> is not a table name"):
            state(data, engine)


def test_a_file_that_changes_while_it_is_read_is_refused(tmp_path, monkeypatch):
    (tmp_path / "t.xml").write_text(f"<unload>\n{body(40)}</unload>\n")
    checked = exports._well_formed

    def changed(stream, label):
        checked(stream, label)
        stream.crc ^= 1  # what lxml read is not what the pieces held

    monkeypatch.setattr(exports, "_well_formed", changed)
    with pytest.raises(InputError, match=r"t\.xml: changed while it was read"):
        state(engine_items(tmp_path, chunk_bytes=64), "v8")


UPDATE_ALL = """
var gr = new GlideRecord('sysauto');
gr.addQuery('active', true);
gr.setValue('active', false);
gr.setValue('name', 'same');
gr.updateMultiple();
var t = new GlideRecord('t');
t.addQuery('n', '1');
t.deleteMultiple();
"""
JOBS = {
    "sysauto_script": [{"sys_id": "a1", "active": "true", "name": "same"},
                       {"sys_id": "a3", "active": "false", "name": "off"}],
    "sysauto_report": [{"sys_id": "a2", "active": "true", "name": "other"}],
    "t": [{"sys_id": "x", "n": "1", "name": "x one"}, {"sys_id": "x", "n": "2", "name": "x two"},
          {"sys_id": "y", "n": "1", "name": "y"}],
}


@pytest.mark.parametrize("engine", ENGINES)
def test_bulk_writes_read_back_as_one_change_per_record(engine):
    engine_or_skip(engine)
    report = simulate(UPDATE_ALL, JOBS, "acmedev", engine=engine, keep_state=True)
    assert list(report.changes) == [
        {"seq": 1, "op": "update", "table": "sysauto_script", "sys_id": "a1", "name": "same",
         "fields": {"active": ["true", "false"]}},
        {"seq": 1, "op": "update", "table": "sysauto_report", "sys_id": "a2", "name": "other",
         "fields": {"active": ["true", "false"], "name": ["other", "same"]}},
        {"seq": 2, "op": "delete", "table": "t", "sys_id": "x", "name": "x one", "fields": {}},
        {"seq": 2, "op": "delete", "table": "t", "sys_id": "y", "name": "y", "fields": {}},
    ]
    assert len(report.changes) == 4 and report.changes[1]["sys_id"] == "a2" and report.changes[-1]["sys_id"] == "y"
    # the row deleted is the one the query matched, not every row with its sys_id
    assert report.state["t"] == [{"sys_id": "x", "n": "2", "name": "x two", "sys_class_name": "t"}]
    assert "  sysauto_report: 1 record\n    update 'other' (active: \"true\" -> \"false\", name: \"other\" -> " \
           "\"same\")" in report.to_text()


def test_a_bulk_write_is_one_journal_entry():
    raw = run_v8(UPDATE_ALL, JOBS, _options("acmedev", "admin", "2026-01-01 00:00:00", None, []))
    assert [(c["op"], c.get("bulk"), c["sys_id"]) for c in raw.result["changes"]] == [
        ("update", True, ["a1", "a2"]), ("delete", True, ["x", "y"])]


def test_v8_memory_above_its_heap_is_a_usage_error():
    with pytest.raises(InputError, match="V8 holds at most 4096 MiB"):
        run_v8("", {}, _options("acmedev", "admin", "2026-01-01 00:00:00", None, []), memory_mib=5000)
