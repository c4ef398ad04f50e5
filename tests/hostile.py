"""Hostile config values and the round-trip property shared by the tests and the soak benchmark.

For every string field of the config, a generated value must give artifacts that still parse
(esprima for JavaScript, lxml for the XML and every payload), and the value read back from the
parsed artifact must equal the input exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import strategies as st

from generator import config, plan
from generator.pipeline import assemble
from generator.render import js_literal, script_data
from tests.conftest import update_set_file

HOSTILE = [
    "'", '"', "\\", "\\'", "\n", "\r\n", "\t", "\u2028", "\u2029", "*/", "/*", "//", "</script>", "<!--", "]]>",
    "<![CDATA[", "&", "&amp;", "<", ">", "${x}", "`", "'); gs.setProperty('glide.email.smtp.active', 'true'); ('",
    "\"+gs.getUserID()+\"", "\U0001F600", "\U00010000", "\u0085", "\u00a0", "\ufeff", "\u200b", "é", "日本",
    "}); return; ({", "\\u0027", "%s", "{0}", "<?xml?>", "\x7f",
]
# Characters XML 1.0 (and so an update set) cannot carry: rejected at validation.
FORBIDDEN = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\ufffe", "\uffff"]

_plain = st.characters(blacklist_categories=("Cs",), blacklist_characters="".join(FORBIDDEN))
pieces = st.one_of(st.sampled_from(HOSTILE), st.text(_plain, max_size=12))
hostile_text = st.lists(pieces, min_size=1, max_size=8).map("".join).filter(lambda s: s.strip() != "")
long_text = st.one_of(hostile_text, st.integers(1000, 30000).map(lambda n: ("'\u2028</script>]]>" * n)[:n]))


def toml_str(value: str) -> str:
    """A TOML basic string holding exactly `value`."""
    out = []
    for ch in value:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7F or 0xD800 <= o <= 0xDFFF or o in (0xFFFE, 0xFFFF):
            out.append(f"\\u{o:04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_list(values: list[str]) -> str:
    return "[" + ", ".join(toml_str(v) for v in values) + "]"


@st.composite
def hostile_values(draw):
    unique = lambda: st.lists(hostile_text, min_size=1, max_size=3, unique=True)  # noqa: E731
    return {
        "name": draw(hostile_text),
        "description": draw(long_text),
        "created_by": draw(hostile_text),
        "header": draw(hostile_text.filter(lambda s: len(s) <= 100)),
        "keep_roles": draw(unique()),
        "keep_groups": draw(unique()),
        "keep_users": draw(unique()),
        "keep_jobs": draw(unique()),
        "mid_users": draw(unique()),
        "job_name": draw(hostile_text.filter(lambda s: len(s) <= 100)),
        "job_description": draw(hostile_text),
    }


def write_hostile_config(folder: Path, v: dict) -> Path:
    (folder / "job.js").write_text("gs.log('job body');\n", encoding="utf-8")
    text = f"""
[update_set]
name = {toml_str(v["name"])}
version = "1.0.0"
id = "hostile"
description = {toml_str(v["description"])}
created_by = {toml_str(v["created_by"])}

[instances]
production = ["prod"]

[environments.e]
instances = ["dev1"]
purpose = "test"
header = {toml_str(v["header"])}

[environments.e.email]
mode = "on"

[environments.e.users]
keep_roles = {toml_list(v["keep_roles"])}
keep_groups = {toml_list(v["keep_groups"])}
keep_users = {toml_list(v["keep_users"])}

[environments.e.scheduled_jobs]
keep = {toml_list(v["keep_jobs"])}

[environments.e.mid_servers]
users = {toml_list(v["mid_users"])}

[[jobs]]
name = {toml_str(v["job_name"])}
key = "job"
run_on = ["prod"]
script = "job.js"
description = {toml_str(v["job_description"])}
"""
    path = folder / "postclone.toml"
    path.write_text(text, encoding="utf-8")
    return path


def ast_value(node):
    if node.type == "ObjectExpression":
        return {(p.key.value if p.key.type == "Literal" else p.key.name): ast_value(p.value) for p in node.properties}
    if node.type == "ArrayExpression":
        return [ast_value(e) for e in node.elements]
    if node.type == "Literal":
        return node.value
    raise AssertionError(f"unexpected node in a data literal: {node.type}")


def find_config_literal(tree):
    found = []

    def visit(node):
        if isinstance(node, list):
            for n in node:
                visit(n)
            return
        if not hasattr(node, "type"):
            return
        if node.type == "VariableDeclarator" and node.id.name == "CONFIG":
            found.append(node.init)
        for key, child in vars(node).items():
            if key != "type" and (isinstance(child, list) or hasattr(child, "type")):
                visit(child)

    visit(tree)
    assert len(found) == 1
    return found[0]


def check_roundtrip(folder: Path, v: dict) -> None:
    """Build a config holding the values `v`; assert every artifact parses and gives them back."""
    import esprima
    from lxml import etree

    cfg = config.load(write_hostile_config(folder, v))
    build = assemble(cfg, epoch=0)  # renders and checks every script with esprima

    # JavaScript: the CONFIG literal of each post-clone script is exactly the data, and the data holds
    # exactly the input values.
    data = script_data(plan.make(cfg))
    env = data["environments"]["e"]
    assert data["updateSet"] == f"{v['name']} 1.0.0"
    assert env["header"] == v["header"]
    assert env["users"]["keepRoles"] == v["keep_roles"] and env["users"]["keepGroups"] == v["keep_groups"]
    assert env["users"]["keepUsers"] == v["keep_users"] and env["scheduledJobs"]["keep"] == v["keep_jobs"]
    assert env["midServers"]["users"] == v["mid_users"]
    # (cleanup and preview carry the same body; assemble() has parsed them, and
    # test_all_three_scripts_share_one_body proves they differ only in the mode argument)
    tree = esprima.parseScript(build.files["postclone-apply.js"])
    assert len(tree.body) == 1 and tree.body[0].type == "ExpressionStatement"  # one IIFE, nothing else
    assert ast_value(find_config_literal(tree)) == json.loads(json.dumps(data))
    for mode in ("cleanup", "preview"):
        assert build.files[f"postclone-{mode}.js"].split("(function (MODE) {", 1)[1].rsplit("})(", 1)[0] == \
            build.files["postclone-apply.js"].split("(function (MODE) {", 1)[1].rsplit("})(", 1)[0]

    # The job: still one statement, and the name is one string literal in it.
    job_tree = esprima.parseScript(build.files["jobs/job.js"], {"comment": True})
    assert len(job_tree.body) == 1 and job_tree.body[0].type == "ExpressionStatement"
    literals = []

    def collect(node):
        if isinstance(node, list):
            for n in node:
                collect(n)
        elif hasattr(node, "type"):
            if node.type == "Literal" and isinstance(node.value, str):
                literals.append(node.value)
            for key, child in vars(node).items():
                if key != "type":
                    collect(child)

    collect(job_tree.body)
    assert v["job_name"] in literals
    comments = " ".join(c.value for c in job_tree.comments)
    assert js_literal(v["job_description"]) in comments
    cond_tree = esprima.parseScript(build.files["jobs/job.condition.js"])
    assert len(cond_tree.body) == 1

    # XML: the update set and every payload parse, and the values come back exactly.
    root = etree.fromstring(build.files[update_set_file(build.files)].encode("utf-8"))
    header = root.find("sys_remote_update_set")
    assert header.findtext("name") == f"{v['name']} 1.0.0"
    assert (header.findtext("description") or "") == v["description"]
    assert header.findtext("sys_created_by") == v["created_by"]
    seen = set()
    for row in root.findall("sys_update_xml"):
        assert row.findtext("sys_created_by") == v["created_by"]
        assert row.find("remote_update_set").get("display_value") == f"{v['name']} 1.0.0"
        rec = etree.fromstring(row.findtext("payload").encode("utf-8"))[0]
        seen.add(rec.tag)
        if rec.tag == "sysauto_script":
            assert rec.findtext("name") == v["job_name"] == row.findtext("target_name")
            assert rec.findtext("script") == build.files["jobs/job.js"]
        else:
            assert rec.findtext("script") == build.files[f"postclone-{rec.findtext('name').split()[1]}.js"]
    assert seen == {"clone_cleanup_script", "sys_script_fix", "sysauto_script"}
