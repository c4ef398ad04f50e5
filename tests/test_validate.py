"""esprima validation: ES5 passes, ES2015+ and syntax errors are file:line:column, user errors name the user's file."""

import pytest

from generator import config
from generator.errors import ScriptError
from generator.pipeline import assemble
from generator.validate import check_script
from tests.conftest import MINIMAL, write_config

ES6 = [
    ("let x = 1;", 1, 1, "'let' declarations"),
    ("var a = 1;\nconst b = 2;", 2, 1, "'const' declarations"),
    ("var f = (a) => a;", 1, 9, "arrow functions"),
    ("var s = `x`;", 1, 9, "template literals"),
    ("class A {}", 1, 1, "classes"),
    ("var {a} = {a: 1};", 1, 5, "destructuring"),
    ("var [a] = [1];", 1, 5, "destructuring"),
    ("f(...args);", 1, 3, "spread"),
    ("function f(a = 1) {}", 1, 12, "default parameters"),
    ("function f(...a) {}", 1, 12, "rest parameters"),
    ("for (var x of y) {}", 1, 1, "for-of loops"),
    ("function* g() {}", 1, 1, "generators"),
    ("var o = {a};", 1, 10, "shorthand, method and computed properties"),
    ("var o = {m() {}};", 1, 10, "shorthand, method and computed properties"),
    ("var n = 2 ** 3;", 1, 9, "exponent operators"),
    ("var n = 0b101;", 1, 9, "binary and octal literals"),
    ("async function f() {}", 1, 1, "async functions"),
]


@pytest.mark.parametrize("code,line,column,what", ES6, ids=[c[3] + ":" + c[0] for c in ES6])
def test_es2015_syntax_is_rejected_with_position(code, line, column, what):
    with pytest.raises(ScriptError) as err:
        check_script(code, "x.js")
    assert str(err.value) == f"x.js:{line}:{column}: {what} are ES2015+ syntax; ServiceNow global scripts run as ES5"


def test_es5_passes():
    check_script("var a = [1, 2]; for (var i in a) { if (a.hasOwnProperty(i)) { gs.info(a[i]); } }\n"
                 "var o = {get x() { return 1; }}; /re/g.test('re');", "ok.js")


def test_syntax_error_position():
    with pytest.raises(ScriptError) as err:
        check_script("var a = 1;\nvar b = ;\n", "bad.js")
    assert str(err.value) == "bad.js:2:9: Unexpected token ;"


def test_job_syntax_error_names_the_users_file_and_line(tmp_path):
    text = MINIMAL + "[[jobs]]\nname = \"J\"\nrun_on = [\"prod\"]\nscript = \"jobs/j.js\"\n"
    path = write_config(tmp_path, text, {"jobs/j.js": "var ok = 1;\n\nvar broken = (;\n"})
    with pytest.raises(ScriptError) as err:
        assemble(config.load(path), epoch=0)
    assert str(err.value) == f"{tmp_path / 'jobs' / 'j.js'}:3:15: Unexpected token ;"


def test_job_es6_names_the_users_file(tmp_path):
    text = MINIMAL + "[[jobs]]\nname = \"J\"\nrun_on = [\"prod\"]\nscript = \"j.js\"\n"
    path = write_config(tmp_path, text, {"j.js": "// hi\n  let x = 1;\n"})
    with pytest.raises(ScriptError) as err:
        assemble(config.load(path), epoch=0)
    assert str(err.value).startswith(f"{tmp_path / 'j.js'}:2:3: 'let' declarations")


RHINO_DIFFERS = [
    ("if (x) {\n    function f() {}\n}", 2, 5, "a function declaration inside a block"),
    ("try { function t() {} } catch (e) {}", 1, 7, "a function declaration inside a block"),
    ("switch (a) { case 1: function k() {} }", 1, 22, "a function declaration inside a block"),
    ("var a = gs.getProperty('a').replace(/x/g, '');", 1, 9, "'.replace' on the result of getProperty()"),
    ("var n = gr.getValue('name').length;", 1, 9, "'.length' on the result of getValue()"),
    ("var p = new GlideDateTime().getValue().split(' ');", 1, 9, "'.split' on the result of getValue()"),
]


@pytest.mark.parametrize("code,line,column,what", RHINO_DIFFERS, ids=[c[0] for c in RHINO_DIFFERS])
def test_what_rhino_runs_differently_from_v8_is_refused_with_position(code, line, column, what):
    with pytest.raises(ScriptError) as err:
        check_script(code, "x.js")
    assert str(err.value).startswith(f"x.js:{line}:{column}: {what}")


def test_declarations_at_the_top_of_functions_and_converted_host_strings_pass():
    check_script("function g() { function h() {} return h; }\nvar f = function () { function i() {} };\n"
                 "var a = String(gs.getProperty('a')).replace(/x/g, '');\n"
                 "var b = gr.getValue('x').toLowerCase() + gr.getValue('y').indexOf('z');", "ok.js")


def test_the_post_clone_script_converts_the_date_it_puts_in_a_file_name():
    """The users step named its attachment from GlideDateTime().getValue().replace(...): on a Java string
    that is Java's replace, so the colons stayed in the file name. The validator now refuses it."""
    from generator import plan
    from generator.render import render_postclone
    from tests.conftest import EXAMPLE

    check_script(render_postclone(plan.make(config.load(EXAMPLE)), "apply"), "postclone-apply.js")
