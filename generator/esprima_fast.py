"""A faster way into the same esprima parser.

esprima-python's `esprima.character` builds its identifier tables at import time by walking all
1.1 million code points and keeping sets of their characters: about 0.4 s and 130 MB, paid by every
build. This module provides the same `Character` class and constants, answering each question with
`unicodedata.category` (the very function esprima uses to build its sets) when it is asked. It is
installed as `esprima.character` before esprima is first imported; the parser itself is unchanged.

tests/test_esprima_fast.py checks every code point against esprima's own tables.
"""

from __future__ import annotations

import sys
import types
import unicodedata

# The same character classes as esprima/character.py (ECMAScript 2017, as esprima 4.0.1 defines them).
_LETTER = frozenset(("Lu", "Ll", "Lt", "Lm", "Lo", "Nl"))
_PART_ONLY = frozenset(("Mn", "Mc", "Nd", "Pc"))
OTHER_ID_START = frozenset((
    "\u1885", "\u1886", "\u2118", "\u212E", "\u309B", "\u309C",
    "\u08B3", "\u0AF9", "\u13F8", "\u9FCD", "\uAB60", "\U00010CC0", "\U000108E0", "\U0002B820",
    "\u1C80", "\U000104DB", "\U0001E922",
    "\U0001EE00", "\U0001EE06", "\U0001EE0A",
))
OTHER_ID_CONTINUE = frozenset((
    "\xB7", "\u0387", "\u1369", "\u136A", "\u136B", "\u136C",
    "\u136D", "\u136E", "\u136F", "\u1370", "\u1371", "\u19DA",
    "\u08E3", "\uA69E", "\U00011730",
    "\u08D4", "\u1DFB", "\uA8C5", "\U00011450",
    "\U0001EE03", "\U0001EE0B",
))
START_EXTRA = OTHER_ID_START | frozenset(("$", "_", "\\"))
PART_EXTRA = START_EXTRA | OTHER_ID_CONTINUE | frozenset(("\u200D", "\u200C"))

WHITE_SPACE = frozenset((
    "\x09", "\x0B", "\x0C", "\x20", "\xA0",
    "\u1680", "\u180E", "\u2000", "\u2001", "\u2002",
    "\u2003", "\u2004", "\u2005", "\u2006", "\u2007",
    "\u2008", "\u2009", "\u200A", "\u202F", "\u205F",
    "\u3000", "\uFEFF",
))
LINE_TERMINATOR = frozenset(("\x0A", "\x0D", "\u2028", "\u2029"))

DECIMAL_CONV = {c: n for n, c in enumerate("0123456789")}
OCTAL_CONV = {c: n for n, c in enumerate("01234567")}
HEX_CONV = {c: n for n, c in enumerate("0123456789abcdef")}
for _n, _c in enumerate("ABCDEF", 10):
    HEX_CONV[_c] = _n
DECIMAL_DIGIT = frozenset(DECIMAL_CONV)
OCTAL_DIGIT = frozenset(OCTAL_CONV)
HEX_DIGIT = frozenset(HEX_CONV)

# ASCII answers precomputed: nearly every character of a real script is ASCII.
_ASCII_START = frozenset(c for c in map(chr, range(128)) if c in START_EXTRA or unicodedata.category(c) in _LETTER)
_ASCII_PART = frozenset(c for c in map(chr, range(128))
                        if c in PART_EXTRA or unicodedata.category(c) in _LETTER | _PART_ONLY)


def is_identifier_start(ch: str) -> bool:
    if len(ch) != 1:
        return False
    if ch < "\x80":
        return ch in _ASCII_START
    return ch in START_EXTRA or unicodedata.category(ch) in _LETTER


def is_identifier_part(ch: str) -> bool:
    if len(ch) != 1:
        return False
    if ch < "\x80":
        return ch in _ASCII_PART
    if ch in PART_EXTRA:
        return True
    cat = unicodedata.category(ch)
    return cat in _LETTER or cat in _PART_ONLY


class Character:
    @staticmethod
    def fromCodePoint(code):  # noqa: N802 - esprima's API
        return chr(code)

    @staticmethod
    def isWhiteSpace(ch):  # noqa: N802
        return ch in WHITE_SPACE

    @staticmethod
    def isLineTerminator(ch):  # noqa: N802
        return ch in LINE_TERMINATOR

    isIdentifierStart = staticmethod(is_identifier_start)  # noqa: N815
    isIdentifierPart = staticmethod(is_identifier_part)  # noqa: N815

    @staticmethod
    def isDecimalDigit(ch):  # noqa: N802
        return ch in DECIMAL_DIGIT

    @staticmethod
    def isHexDigit(ch):  # noqa: N802
        return ch in HEX_DIGIT

    @staticmethod
    def isOctalDigit(ch):  # noqa: N802
        return ch in OCTAL_DIGIT


def load():
    """Import esprima with this module standing in for esprima.character; return the esprima module."""
    if "esprima" not in sys.modules and "esprima.character" not in sys.modules:
        module = types.ModuleType("esprima.character")
        module.__dict__.update({
            "Character": Character, "HEX_CONV": HEX_CONV, "OCTAL_CONV": OCTAL_CONV, "DECIMAL_CONV": DECIMAL_CONV,
            "WHITE_SPACE": WHITE_SPACE, "LINE_TERMINATOR": LINE_TERMINATOR, "DECIMAL_DIGIT": DECIMAL_DIGIT,
            "OCTAL_DIGIT": OCTAL_DIGIT, "HEX_DIGIT": HEX_DIGIT, "__file__": __file__,
        })
        sys.modules["esprima.character"] = module
    import esprima

    return esprima
