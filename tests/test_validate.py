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
