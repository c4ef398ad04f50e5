"""The Glide emulation's own semantics, checked by running small scripts in it."""

import pytest

from generator.simulator.run import simulate
from tests.conftest import ENGINES, engine_or_skip

DATA = {
    "sys_user_role": [{"sys_id": "r1", "name": "admin"}, {"sys_id": "r2", "name": "itil"}],
    "sys_user": [
        {"sys_id": "u1", "user_name": "ann", "active": "true", "locked_out": "false", "age": "30",
         "company": ""},
        {"sys_id": "u2", "user_name": "bob", "active": "true", "locked_out": "", "age": "9"},
        {"sys_id": "u3", "user_name": "cyd", "active": "false", "locked_out": "true", "age": "100"},
        {"sys_id": "u4", "user_name": "dee,x", "active": "true", "locked_out": "false", "age": ""},
    ],
    "sys_user_has_role": [
        {"sys_id": "h1", "user": "u1", "role": "r1"},
        {"sys_id": "h2", "user": "u2", "role": "r2"},
        {"sys_id": "h3", "user": "u3", "role": "r2"},
    ],
    "sysauto_script": [{"sys_id": "j1", "name": "script job", "active": "true"}],
    "sysauto_report": [{"sys_id": "j2", "name": "report job", "active": "true"}],
    "sys_trigger": [{"sys_id": "t1", "name": "SMTP Sender"}],
}


@pytest.fixture(autouse=True, params=ENGINES)
def engine(request):
    """Every semantic of the emulation holds on V8 and on Rhino, the reference engine."""
    engine_or_skip(request.param)
    global ENGINE
    ENGINE = request.param
    return request.param


ENGINE = "v8"


def run(body, data=None, **kw):
    report = simulate(body, data or DATA, "devinstance", engine=ENGINE, **kw)
    return report, [line["message"] for line in report.logs]


def names(query_js):
    """Run a query on sys_user and return the user_names found, in order."""
    _, logs = run("var gr = new GlideRecord('sys_user');\n" + query_js +
                  "\ngr.query(); var out = []; while (gr.next()) { out.push(gr.getValue('user_name')); }"
                  " gs.log(out.join('|'));")
    return logs[0].split("|") if logs[0] else []


@pytest.mark.parametrize("query,expected", [
    ("gr.addQuery('active', true);", ["ann", "bob", "dee,x"]),
    ("gr.addQuery('active', 'false');", ["cyd"]),
    ("gr.addQuery('locked_out', false);", ["ann", "bob", "dee,x"]),  # empty boolean reads as false
    ("gr.addQuery('locked_out', '!=', 'true');", ["ann", "bob", "dee,x"]),
    ("gr.addQuery('age', '>', 10);", ["ann", "cyd"]),  # numbers compare as numbers
    ("gr.addQuery('age', '<=', '30');", ["ann", "bob"]),  # empty never compares
    ("gr.addQuery('user_name', 'IN', 'ann,cyd');", ["ann", "cyd"]),
    ("gr.addQuery('user_name', 'IN', ['ann', 'dee,x']);", ["ann", "dee,x"]),
    ("gr.addQuery('user_name', 'NOT IN', 'ann,cyd');", ["bob", "dee,x"]),
    ("gr.addQuery('user_name', 'STARTSWITH', 'b');", ["bob"]),
    ("gr.addQuery('user_name', 'ENDSWITH', 'd');", ["cyd"]),
    ("gr.addQuery('user_name', 'CONTAINS', 'e');", ["dee,x"]),
    ("gr.addQuery('user_name', 'DOES NOT CONTAIN', 'n');", ["bob", "cyd", "dee,x"]),
    ("gr.addNullQuery('age');", ["dee,x"]),
    ("gr.addNotNullQuery('age'); gr.addActiveQuery();", ["ann", "bob"]),
    ("gr.addQuery('user_name', 'ann').addOrCondition('user_name', 'bob');", ["ann", "bob"]),
    ("gr.addEncodedQuery('active=true^user_nameSTARTSWITHa^ORuser_nameSTARTSWITHd');", ["ann", "dee,x"]),
    ("gr.addEncodedQuery('user_name=ann^NQuser_name=cyd');", ["ann", "cyd"]),
    ("gr.addEncodedQuery('ageISEMPTY');", ["dee,x"]),
    ("gr.addEncodedQuery('user_nameNOT INann,bob^ORDERBYDESCuser_name');", ["dee,x", "cyd"]),
    ("gr.addEncodedQuery('user_nameLIKEo');", ["bob"]),
    ("gr.orderByDesc('age'); gr.setLimit(2);", ["cyd", "ann"]),  # numbers sort as numbers
    ("gr.addQuery('active=true^locked_out=true');", []),
])
def test_query_operators(query, expected):
    assert names(query) == expected


def test_dot_walk_through_references():
    _, logs = run("var h = new GlideRecord('sys_user_has_role'); h.addQuery('role.name', 'itil');"
                  "h.addQuery('user.active', true); h.query(); var out = [];"
                  "while (h.next()) { out.push(h.getValue('user') + ':' + h.user.getRefRecord().getValue('user_name')); }"
                  "gs.log(out.join(','));")
    assert logs == ["u2:bob"]


def test_unknown_dot_walk_is_unsupported_not_silent():
    report, logs = run("var g = new GlideRecord('sys_user'); g.addQuery('company.name', 'x'); g.query();"
                       "gs.log(g.getRowCount());")
    assert report.ok and logs == ["0"]  # a known reference into a table the snapshot lacks: no match
    # a field the table has but the emulation cannot follow: reported, never guessed
    report, _ = run("var g = new GlideRecord('sys_user'); g.addQuery('age.name', 'x'); g.query();")
    assert report.unsupported == ["dot-walk sys_user.age"] and "unsupported Glide API" in report.error
    assert not report.ok


def test_an_invalid_query_term_is_dropped_so_the_query_widens_and_the_run_fails():
    """c_GlideRecordAPI.md: "the invalid part of the query condition is dropped, and the results are
    based on the valid part of the query, which may return all records from the table"."""
    report, logs = run("var g = new GlideRecord('sys_user'); g.addQuery('actve', false); g.query();"
                       "gs.log(String(g.getRowCount()));"
                       "var u = new GlideRecord('sys_user'); u.addQuery('nope.name', 'x'); u.addQuery('active', true);"
                       "u.query(); gs.log(String(u.getRowCount()));")
    assert logs == ["4", "3"]
    assert report.warnings == [
        "sys_user: invalid query term actve=false (no such field): dropped, so the query widens to every record of "
        "the table",
        "sys_user: invalid query term nope.name=x (no such field): dropped, so the query widens to active=true"]
    assert not report.ok


@pytest.mark.parametrize("strict", [
    "gs.getSession().setStrictQuery(true);",
    "var p = new GlideRecord('sys_properties'); p.initialize(); p.setValue('name', 'glide.invalid_query.returns_no_rows');"
    " p.setValue('value', 'true'); p.insert();",
])
def test_strict_query_returns_no_rows_for_an_invalid_term(strict):
    """r_AvailableSystemProperties.md, glide.invalid_query.returns_no_rows: "When this property is true,
    invalid queries containing invalid or undefined field names always return no rows"; the session's
    setStrictQuery() overrides it."""
    report, logs = run(strict + "var g = new GlideRecord('sys_user'); g.addQuery('actve', false);"
                       "g.setValue('locked_out', true); g.updateMultiple(); gs.log('done');", keep_state=True)
    assert logs == ["done"] and report.changes == [c for c in report.changes if c["table"] == "sys_properties"]
    assert report.warnings == ["sys_user: invalid query term actve=false (no such field): the query returns no rows "
                               "(strict query)"]
    report, _ = run("gs.getSession().setStrictQuery(false);" + strict.replace("setStrictQuery(true);", "") +
                    "var g = new GlideRecord('sys_user'); g.addQuery('actve', false); g.query();")
    if "returns_no_rows" in strict:  # the session's choice wins over the property
        assert report.warnings[0].endswith("every record of the table")


def test_is_valid_field_knows_the_columns_of_a_loaded_table():
    _, logs = run("var g = new GlideRecord('sys_user'); var h = new GlideRecord('sys_home');"
                  "gs.log([g.isValidField('user_name'), g.isValidField('sys_id'), g.isValidField('actve'),"
                  " h.isValidField('anything'), new GlideRecord('no_table').isValidField('x')].join(' '));",
                  tables=["sys_home"])
    assert logs == ["true true false true false"]  # sys_home has no rows here: it cannot be checked


def test_values_are_strings_and_get_value_returns_null_for_empty():
    _, logs = run("var g = new GlideRecord('sys_user'); g.get('u4');"
                  "gs.log(typeof g.getValue('active') + ' ' + g.getValue('active') + ' ' + g.getValue('age') + ' '"
                  " + (g.active == 'true') + ' ' + g.age.nil() + ' ' + g.getValue('missing'));")
    assert logs == ["string 1 null true true null"]


def test_booleans_read_as_1_and_0_through_get_value_and_as_true_false_as_text():
    """c_GlideRecordAPI.md, getValue(): "Boolean values return as "0" and "1" string values instead of
    false and true"; the element's text (toString, concatenation, getDisplayValue) is "true"/"false"."""
    _, logs = run("var g = new GlideRecord('sys_user'); g.get('u1');"
                  "gs.log([g.getValue('active'), g.getValue('locked_out'), g.getDisplayValue('active'),"
                  " g.active.toString(), '' + g.active, g.active.getValue(), g.getValue('user_name')].join(' '));")
    assert logs == ["1 0 true true true 1 ann"]


@pytest.mark.parametrize("value", ["true", "'true'", "1", "'1'"])
def test_a_boolean_query_matches_whichever_form_the_script_passes(value):
    assert names(f"gr.addQuery('active', {value}); gr.orderBy('user_name');") == ["ann", "bob", "dee,x"]


def test_a_boolean_set_in_any_form_is_stored_as_the_platform_stores_it():
    report, _ = run("var g = new GlideRecord('sys_user'); g.get('u1'); g.setValue('locked_out', 1); g.update();"
                    "g.get('u2'); g.locked_out = '1'; g.update(); g.get('u3'); g.setValue('active', '0'); g.update();",
                    keep_state=True)
    users = {u["user_name"]: u for u in report.state["sys_user"]}
    assert (users["ann"]["locked_out"], users["bob"]["locked_out"], users["cyd"]["active"]) == ("true", "true", "false")


def test_update_multiple_changes_only_matching_rows_and_counts_one_operation():
    report, _ = run("var g = new GlideRecord('sys_user'); g.addQuery('active', true); g.setValue('locked_out', true);"
                    " g.updateMultiple();")
    assert [o["op"] for o in report.ops] == ["updateMultiple"]
    assert sorted(c["sys_id"] for c in report.changes) == ["u1", "u2", "u4"]
    assert report.ops[0]["rows"] == 3 and report.ops[0]["changed"] == 3


def test_update_multiple_records_old_and_new_values():
    report, _ = run("var g = new GlideRecord('sys_user'); g.addQuery('user_name', 'bob'); g.setValue('locked_out', true);"
                    " g.updateMultiple();")
    assert report.changes[0]["fields"] == {"locked_out": ["", "true"]}


def test_property_assignment_and_update():
    report, _ = run("var g = new GlideRecord('sys_user'); g.get('user_name', 'ann'); g.active = false; g.update();",
                    keep_state=True)
    assert report.changes[0]["fields"] == {"active": ["true", "false"]}
    assert next(u for u in report.state["sys_user"] if u["sys_id"] == "u1")["active"] == "false"


def test_parent_table_query_includes_child_classes_but_not_sys_trigger():
    _, logs = run("var g = new GlideRecord('sysauto'); g.query(); var out = [];"
                  "while (g.next()) { out.push(g.getValue('sys_class_name')); } gs.log(out.sort().join(','));")
    assert logs == ["sysauto_report,sysauto_script"]


def test_insert_delete_and_aggregate():
    report, logs = run(
        "var g = new GlideRecord('sys_user'); g.initialize(); g.setValue('user_name', 'new'); var id = g.insert();"
        "var a = new GlideAggregate('sys_user'); a.addAggregate('COUNT'); a.query(); a.next(); gs.log(a.getAggregate('COUNT'));"
        "var b = new GlideAggregate('sys_user_has_role'); b.addAggregate('COUNT'); b.groupBy('role'); b.orderBy('role'); b.query();"
        "var out = []; while (b.next()) { out.push(b.getValue('role') + '=' + b.getAggregate('COUNT')); } gs.log(out.join(','));"
        "var d = new GlideRecord('sys_user'); d.addQuery('active', false); d.deleteMultiple();"
        "var c = new GlideRecord('sys_user'); c.get(id); c.deleteRecord();")
    assert logs == ["5", "r1=1,r2=2"]
    assert [c["op"] for c in report.changes] == ["insert", "delete", "delete"]


def test_gs_properties_user_and_roles():
    _, logs = run("gs.setProperty('x.y', 'z'); gs.log(gs.getProperty('x.y') + ' ' + gs.getProperty('none', 'alt') + ' '"
                  " + gs.getProperty('none') + ' ' + gs.getProperty('instance_name') + ' ' + gs.getUserName() + ' '"
                  " + gs.getUserID() + ' ' + gs.hasRole('itil') + ' ' + gs.tableExists('sys_user') + ' '"
                  " + gs.tableExists('nope') + ' ' + gs.nowDateTime());", user="ann")
    assert logs == ["z alt null devinstance ann u1 true true false 2026-01-01 00:00:00"]


def test_unsupported_api_throws_and_is_reported_even_when_caught():
    report, logs = run("try { new GlideRecord('sys_user').addJoinQuery('x'); } catch (e) { gs.log(e.message); }")
    assert logs == ["unsupported Glide API: GlideRecord.addJoinQuery"]
    assert report.unsupported == ["GlideRecord.addJoinQuery"] and not report.ok
    report, _ = run("gs.getSession().getClientIP();")
    assert report.error == "Error: unsupported Glide API: GlideSession.getClientIP"
    report, _ = run("var q = new GlideQuery('sys_user');")
    assert report.error == "Error: unsupported Glide API: GlideQuery"


def test_event_queue_and_date_time():
    report, logs = run("var g = new GlideRecord('sys_user'); g.get('u1'); gs.eventQueue('x.y', g, 'a', 'b');"
                       "var d = new GlideDateTime(); d.addDaysUTC(1); gs.log(d.getValue());")
    assert logs == ["2026-01-02 00:00:00"]
    assert report.events[0]["name"] == "x.y" and report.events[0]["sys_id"] == "u1"


def test_uncaught_error_is_reported():
    report, _ = run("null.x;")
    assert report.error.startswith("TypeError") and not report.ok


def test_update_multiple_after_direct_assignment_is_refused():
    """ServiceNow would update every record in the table; the emulation reports it instead."""
    report, _ = run("var g = new GlideRecord('sys_user'); g.addQuery('user_name', 'bob'); g.active = false;"
                    " g.updateMultiple();")
    assert report.changes == [] and not report.ok
    assert report.unsupported[0].startswith("updateMultiple after a direct field assignment (active)")


def test_the_emulation_is_its_parts_in_order_each_plain_es5():
    """glide/ holds exactly the parts the simulator concatenates; each is ES5 on its own (as the body
    of the shared function scope), and so is the whole."""
    from generator.simulator.run import GLIDE_DIR, GLIDE_GLOBALS, GLIDE_PARTS, glide_source
    from generator.validate import check_script

    assert sorted(p.name for p in GLIDE_DIR.iterdir()) == sorted([*GLIDE_PARTS, GLIDE_GLOBALS])
    for name in GLIDE_PARTS:
        check_script("(function () {\n" + (GLIDE_DIR / name).read_text(encoding="utf-8") + "\n})();\n", name)
    check_script((GLIDE_DIR / GLIDE_GLOBALS).read_text(encoding="utf-8"), GLIDE_GLOBALS)
    check_script(glide_source(), "glide")
    assert all(len((GLIDE_DIR / n).read_text().splitlines()) <= 400 for n in GLIDE_PARTS)


def test_max_view_records_caps_only_database_views():
    """c_SpecifyTheNumberOfRecordsToReturn.md: glide.db.max_view_records (default 10000) "only applies
    when querying a database view table in a script"."""
    rows = [{"sys_id": f"r{i}", "n": str(i)} for i in range(10_005)]
    data = {"u_view": rows, "u_table": [dict(r) for r in rows], "sys_db_view": [{"sys_id": "v1", "name": "u_view"}]}
    count = ("var v = new GlideRecord('u_view'); v.query(); var t = new GlideRecord('u_table'); t.query();"
             "gs.log(v.getRowCount() + ' ' + t.getRowCount());")
    assert run(count, data)[1] == ["10000 10005"]
    data["sys_properties"] = [{"sys_id": "p1", "name": "glide.db.max_view_records", "value": "50"}]
    assert run(count, data)[1] == ["50 10005"]


def test_a_banner_displays_only_when_mapped_to_unified_navigation_and_started():
    """next-experience-banner-announcements.md: a banner is associated to a configuration (Unified
    Navigation) through a Banner Announcement Mapping; Start is when it "begins displaying"."""
    data = {
        "sys_ux_banner_announcement": [
            {"sys_id": "b1", "heading": "mapped", "start": "2025-01-01 00:00:00"},
            {"sys_id": "b2", "heading": "unmapped", "start": "2025-01-01 00:00:00"},
            {"sys_id": "b3", "heading": "other config", "start": "2025-01-01 00:00:00"},
            {"sys_id": "b4", "heading": "later", "start": "2027-01-01 00:00:00"},
            {"sys_id": "b5", "heading": "over", "start": "2025-01-01 00:00:00", "end": "2025-06-01 00:00:00"}],
        "sys_ux_banner_announcement_config": [{"sys_id": "c1", "name": "Unified Navigation"},
                                              {"sys_id": "c2", "name": "Service Portal"}],
        "sys_ux_m2m_banner_announcement": [
            {"sys_id": f"m{b}", "announcement": b, "announcement_config": "c2" if b == "b3" else "c1", "order": "1"}
            for b in ("b1", "b3", "b4", "b5")],
    }
    report, _ = run("gs.log('nothing');", data)
    assert [(b["heading"], b["displays"], b["why"]) for b in report.banners] == [
        ("mapped", True, ""),
        ("unmapped", False, 'not mapped to the announcement config "Unified Navigation"'),
        ("other config", False, 'not mapped to the announcement config "Unified Navigation"'),
        ("later", False, "starts at 2027-01-01 00:00:00"),
        ("over", False, "ended at 2025-06-01 00:00:00")]


def test_the_scheduler_runs_a_job_only_once_a_save_gives_it_a_schedule_row():
    """r_SpecialCasesInJobSchedules.md: "Schedule Item [sys_trigger] records are not created for data
    records imported from an XML file such as an update set. To run scheduled jobs or scripts imported
    from another instance, update the corresponding job or script record"."""
    data = {"sysauto_script": [
        {"sys_id": "imported", "name": "imported", "active": "true"},
        {"sys_id": "forced", "name": "forced", "active": "true"},
        {"sys_id": "changed", "name": "changed", "active": "true"},
        {"sys_id": "quiet", "name": "quiet", "active": "true"},
        {"sys_id": "stopped", "name": "stopped", "active": "true"}],
        "sys_trigger": [{"sys_id": "t1", "name": "stopped", "document": "sysauto_script", "document_key": "stopped"}]}
    body = ("var g = new GlideRecord('sysauto_script');"
            "g.get('forced'); g.update(); g.setForceUpdate(true); g.update();"  # an unchanged save runs nothing
            "g = new GlideRecord('sysauto_script'); g.get('changed'); g.setValue('name', 'changed2'); g.update();"
            "g = new GlideRecord('sysauto_script'); g.get('quiet'); g.setWorkflow(false); g.setValue('name', 'q2');"
            " g.update();"
            "g = new GlideRecord('sysauto_script'); g.get('stopped'); g.setValue('active', false); g.update();"
            "g = new GlideRecord('sysauto_script'); g.initialize(); g.setValue('name', 'new'); g.setValue('active', true);"
            " g.insert();")
    report, _ = run(body, data, keep_state=True)
    scheduled = {j["name"]: j["scheduled"] for j in report.jobs}
    assert scheduled == {"imported": False, "forced": True, "changed2": True, "q2": False, "stopped": False,
                         "new": True}
    assert [c["by"] for c in report.changes if c["table"] == "sys_trigger"] == ["scheduler"] * 4
