"""The fast esprima.character stand-in answers exactly as esprima's own tables, for every code point."""

import subprocess
import sys

from tests.conftest import ROOT

CHECK = r"""
import sys
import esprima.character as original  # the real module, with its 1.1-million-code-point tables
from generator import esprima_fast as fast
F, O = fast.Character, original.Character
bad = []
for code in range(sys.maxunicode + 1):
    ch = chr(code)
    for name in ("isWhiteSpace", "isLineTerminator", "isIdentifierStart", "isIdentifierPart",
                 "isDecimalDigit", "isHexDigit", "isOctalDigit"):
        if getattr(F, name)(ch) != getattr(O, name)(ch):
            bad.append((hex(code), name))
for ch in ("", "ab"):
    for name in ("isIdentifierStart", "isIdentifierPart", "isWhiteSpace"):
        assert getattr(F, name)(ch) == getattr(O, name)(ch), (repr(ch), name)
assert fast.HEX_CONV == original.HEX_CONV and fast.OCTAL_CONV == original.OCTAL_CONV
print(len(bad), bad[:10])
"""


def test_every_code_point_classifies_as_in_esprima():
    r = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0 []"


def test_the_stand_in_is_what_esprima_uses_and_parses_the_same():
    code = ("import sys; from generator import esprima_fast; e = esprima_fast.load();"
            "import esprima.scanner as s; assert s.Character is esprima_fast.Character;"
            "t = e.parseScript(sys.stdin.read());"
            "print(t.body[0].declarations[0].id.name, len(t.body[0].declarations));"
            "print('esprima.character' in sys.modules and not hasattr(sys.modules['esprima.character'], 'U_CATEGORIES'))")
    source = 'var \\u00e9l\u00e8ve = 1, $_x\\u200c = "\\u2028"; // \u3000 comment\n'
    r = subprocess.run([sys.executable, "-c", code], input=source, capture_output=True, text=True, cwd=ROOT,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["élève", "2", "True"]
