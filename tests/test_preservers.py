"""Issue 17, part 7: clone data preservers ([[preserve]]) shipped in the update set in the format of a
real export, and checked on production by the install script, run in the simulator."""

import copy
from pathlib import Path

import pytest
from lxml import etree

from generator import config, plan
from generator.errors import ConfigError
from generator.pipeline import assemble
from generator.render import render_install
from generator.simulator.run import simulate
from tests.conftest import (
    ENGINES,
    EPOCH,
    EXAMPLE,
    assert_config_error,
    engine_or_skip,
    example_data,
    small_config,
    update_set_file,
)

HANDMADE = Path(__file__).parent / "fixtures" / "handmade_preserver_update.xml"
DATA = example_data()
CFG = config.load(EXAMPLE)


def install(cfg=CFG, data=None, instance="acme", **kw):
    return simulate(render_install(plan.make(cfg)), DATA if data is None else data, instance,
                    script_name="postclone-install.js", keep_state=True, **kw)


def messages(step):
    return [line["message"] for line in step.logs]


def preserver_rows(update_set_text):
    """(sys_update_xml row, payload record) of each clone_data_preserver in an update set."""
    out = []
    for row in etree.fromstring(update_set_text.encode()).iter("sys_update_xml"):
        inner = etree.fromstring(row.findtext("payload").encode())
        if inner.get("table") == "clone_data_preserver":
            out.append((row, inner[0]))
    return out


def ours():
    files = assemble(CFG, epoch=EPOCH).files
    return preserver_rows(files[update_set_file(files)])


def shape(row, rec):
    """What a preserver's update looks like, without its values: the row's constants and what it says
    of the record, the record's fields, the condition's attributes and each item's attribute names."""
    cond = rec.find("condition")
    return {
        "row": (row.findtext("type"), row.findtext("table") == rec.findtext("table"),
                row.findtext("name") == f"clone_data_preserver_{rec.findtext('sys_id')}" == rec.findtext("sys_update_name"),
                row.findtext("target_name") == rec.findtext("name") == rec.findtext("sys_name")),
        "fields": [c.tag for c in rec],
        "condition": (sorted(cond.attrib), cond.get("table") == rec.findtext("table"), (cond.text or "").endswith("^EQ")),
        "items": {tuple(k for k in i.attrib if k not in ("display_table", "display_value")) for i in cond},
        "last_item": dict(cond[-1].attrib) | {"operator": "="},
    }


def test_the_update_set_ships_each_preserver_in_the_shape_of_our_handmade_export():
    made = preserver_rows(HANDMADE.read_text())
    assert len(made) == 1 and len(ours()) == 2
    mid = next((r, rec) for r, rec in ours() if rec.findtext("table") == "sys_user")
    assert shape(*mid) == shape(*made[0])
    row, rec = mid
    assert row.findtext("type") == "Clone Data Preserver" and row.findtext("table") == "sys_user"
    cond = rec.find("condition")
    assert (cond.get("table"), cond.text) == ("sys_user", "user_name=mid.server.acme^EQ")
    assert [dict(i.attrib) for i in cond] == [
        {"endquery": "false", "field": "user_name", "goto": "false", "newquery": "false", "operator": "=", "or": "false",
         "value": "mid.server.acme"},
        {"endquery": "true", "field": "", "goto": "false", "newquery": "false", "operator": "=", "or": "false",
         "value": ""}]
    # a preserver without a condition: an empty condition field, as real exports write empty conditions
    whole = next(rec for _, rec in ours() if rec.findtext("table") == "sys_auth_profile_basic")
    assert whole.find("condition").attrib == {} and len(whole.find("condition")) == 0 and not whole.findtext("condition")


def test_the_shape_is_a_real_export_s(shared):
    real = preserver_rows((shared / "updatesets" / "us_global_developer-toolbox-1.10_clone-cleanup-script_2019.xml")
                          .read_text())
    assert len(real) == 1
    mid = next((r, rec) for r, rec in ours() if rec.findtext("table") == "sys_user")
    assert shape(*mid) == shape(*real[0]) == shape(*preserver_rows(HANDMADE.read_text())[0])


def test_the_fixture_holds_the_preservers_the_update_set_ships():
    """The example instance is production after the commit: its shipped preservers are the build's."""
    shipped = {rec.findtext("sys_id"): {f: (rec.findtext(f) or "") for f in ("name", "table", "condition", "theme")}
               for _, rec in ours()}
    fixture = {r["sys_id"]: {f: r[f] for f in ("name", "table", "condition", "theme")}
               for r in DATA["clone_data_preserver"] if r["sys_id"] in shipped}
    assert fixture == shipped


@pytest.mark.parametrize("engine", ENGINES)
def test_install_finds_each_preserver_in_place_and_adds_it_to_the_named_clone_profile(engine):
    engine_or_skip(engine)
    report = install(engine=engine)
    assert report.ok, report.to_text()
    step = report.step("preservers")
    assert (step.changed, step.kept, step.failed) == (2, 2, "none")
    mid, basic = (p.sys_id for _, p in plan.make(CFG).preservers)
    profile = "6a7b8c9d0e1f20314253647586970a1b"  # "ACME full clone", the one instances.clone_profiles names
    assert step.writes == 2 and [c["table"] for c in step.changes] == ["clone_profile_preservers"] * 2
    assert sorted((r["profile"], r["preserver"]) for r in report.state["clone_profile_preservers"]) == sorted([
        (profile, "0e5b1a9c3f2d40718a6e2b9d4c7f1a03"), (profile, "1f6c2bad4e3e51829b7f3cae5d8e2b14"),
        (profile, mid), (profile, basic)])
    assert messages(step)[:2] == [
        'postclone: install preservers: preserver "Acme: MID Server user" (sys_user where user_name=mid.server.acme): '
        'in place',
        'postclone: install preservers: preserver "Acme: MID Server user" (sys_user where user_name=mid.server.acme): '
        'added to clone profile "ACME full clone"']
    again = install(data=report.state, engine=engine)
    assert again.step("preservers").changed == 0 and again.step("preservers").writes == 0


def without_shipped():
    data = copy.deepcopy(DATA)
    shipped = {p.sys_id for _, p in plan.make(CFG).preservers}
    data["clone_data_preserver"] = [r for r in data["clone_data_preserver"] if r["sys_id"] not in shipped]
    return data


def preserve_config(tmp_path, *rules):
    return config.load(small_config(tmp_path, "preserve", *rules))


def committed(cfg):
    """The fixture with `cfg`'s preservers as the commit of its update set leaves them on production."""
    data = without_shipped()
    for pr, p in plan.make(cfg).preservers:
        data["clone_data_preserver"].append({"sys_id": p.sys_id, "name": pr.name, "table": pr.table,
                                             "condition": f"{pr.condition}^EQ" if pr.condition else "",
                                             "theme": "false", "sys_class_name": "clone_data_preserver"})
    return data


@pytest.mark.parametrize("engine", ENGINES)
def test_a_preserver_that_cannot_work_fails_the_step_loudly(tmp_path, engine):
    engine_or_skip(engine)
    cfg = preserve_config(tmp_path, 'table = "sys_user"\ncondition = "u_mid=true"',
                          'table = "sys_email_account"\nname = "Mail"',
                          'table = "sys_auth_profile_basic"\nname = "Basic"')
    data = committed(cfg)
    data["sys_db_view"] = [{"sys_id": "v1", "name": "sys_auth_profile_basic"}]
    report = install(cfg, data, engine=engine)
    failed = report.step("preservers").failed
    assert failed == (
        'preserver "T: sys_user" (sys_user where u_mid=true): sys_user has no field u_mid: the condition would keep '
        'more than it says; preserver "Mail" (sys_email_account, every record): table sys_email_account does not exist '
        'here; preserver "Basic" (sys_auth_profile_basic, every record): sys_auth_profile_basic is a database view, '
        'which a clone cannot preserve')
    assert report.step("preservers").writes == 0 and not report.ok


def test_a_preserver_not_committed_or_edited_on_production_is_reported():
    report = install(data=without_shipped())
    assert report.step("preservers").failed == (
        'preserver "Acme: MID Server user" (sys_user where user_name=mid.server.acme): not on this instance (commit '
        'the update set first); preserver "Acme: basic auth credentials" (sys_auth_profile_basic, every record): not '
        'on this instance (commit the update set first)')
    data = copy.deepcopy(DATA)
    mid = plan.make(CFG).preservers[0][1].sys_id
    next(r for r in data["clone_data_preserver"] if r["sys_id"] == mid)["condition"] = "user_nameSTARTSWITHmid^EQ"
    assert install(data=data).step("preservers").failed == (
        'preserver "Acme: MID Server user" (sys_user where user_name=mid.server.acme): edited on this instance (table '
        'sys_user, condition "user_nameSTARTSWITHmid"): commit the update set again')


def test_child_tables_not_preserved_with_their_parent_are_named(tmp_path):
    cfg = preserve_config(tmp_path, 'table = "sysauto"', 'table = "sysauto_script"')
    step = install(cfg, committed(cfg)).step("preservers")
    assert step.failed == "none" and step.kept == 2
    assert 'postclone: install preservers: preserver "T: sysauto" (sysauto, every record): not kept with it, its ' \
           'child tables "sysauto_report" (add a preserver for each that the targets must keep)' in messages(step)


def test_only_production_is_checked_and_a_target_gets_nothing():
    for instance in ("acmetest", "nowhere"):
        report = install(instance=instance)
        assert report.ops == [] and report.changes == []


def test_sys_ids_follow_table_and_condition_and_a_dropped_preserver_is_deleted(tmp_path):
    a = preserve_config(tmp_path, 'table = "sys_user"\ncondition = "user_name=x"\nname = "One"')
    renamed = preserve_config(tmp_path, 'table = "sys_user"\ncondition = "user_name=x"\nname = "Two"')
    other = preserve_config(tmp_path, 'table = "sys_user"\ncondition = "user_name=y"')
    ids = [plan.make(c).preservers[0][1].sys_id for c in (a, renamed, other)]
    assert ids[0] == ids[1] != ids[2]
    previous = assemble(a, epoch=EPOCH).manifest
    later = plan.make(preserve_config(tmp_path), previous=previous)
    assert [(d.table, d.sys_id) for d in later.deletions] == [("clone_data_preserver", ids[0])]
    files = assemble(preserve_config(tmp_path), epoch=EPOCH, previous=previous).files
    rows = [r for r in etree.fromstring(files[update_set_file(files)].encode()).iter("sys_update_xml")
            if r.findtext("action") == "DELETE"]
    assert [(r.findtext("name"), r.findtext("type")) for r in rows] == [
        (f"clone_data_preserver_{ids[0]}", "Clone Data Preserver")]


@pytest.mark.parametrize("rule,message", [
    ('table = "http_connection"', "preserve[0].table: 'http_connection' is preserved by the base system already"),
    ('table = "clone_data_exclude"', "preserve[0].table: 'clone_data_exclude' is part of the clone's own"),
    ('table = "sys_user_group"', "preserve[0].condition: is required for sys_user_group"),
    ('table = "sys_user"\ncondition = "active=true^NQactive=false"', "preserve[0].condition: holds ^NQ or ORDERBY"),
    ('table = "sys_user"\ncondition = "active=true^ORDERBYname"', "preserve[0].condition: holds ^NQ or ORDERBY"),
    ('table = "sys_user"\ncondition = "sys_id=javascript:gs.getUserID()"', "preserve[0].condition: holds a javascript:"),
    ('table = "sys_user"\ncondition = "manager.name=x"', "preserve[0].condition: has a term postclone cannot check"),
    ('table = "sys_user"\ncondition = "nameMATCH_RGXa.*"', "preserve[0].condition: has a term postclone cannot check"),
    ('table = "sys_user"\ncondition = "user_name=x"\nname = "' + "n" * 101 + '"', "preserve[0].name: is 101 characters"),
    ('table = "Users"', "preserve[0].table: 'Users' is not a table name"),
    ('table = "sys_auth_profile_basic"\ntheme = "no"', "preserve[0].theme: must be"),
    ('table = "sys_auth_profile_basic"\nactive = true', "preserve[0].active: unknown key"),
])
def test_bad_preservers_are_one_line_naming_the_key(tmp_path, rule, message):
    assert_config_error(small_config(tmp_path, "preserve", rule), message)


def test_two_preservers_of_the_same_records_or_name_are_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"preserve\[1\]\.table: preserves the same records as preserve\[0\]"):
        preserve_config(tmp_path, 'table = "sys_user"\ncondition = "user_name=x^EQ"', 'table = "sys_user"\n'
                        'condition = "user_name=x"\nname = "Other"')
    with pytest.raises(ConfigError, match=r"preserve\[1\]\.name: 'T: sys_user' is the name of preserve\[0\] too"):
        preserve_config(tmp_path, 'table = "sys_user"\ncondition = "user_name=x"',
                        'table = "sys_user"\ncondition = "user_name=y"')
