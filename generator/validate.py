"""Step 3 of the pipeline: every script is parsed with esprima before anything is written.

Global-scope server scripts run in ServiceNow's ES5 standards mode, so ES2015+ syntax is rejected
too. Errors are `file:line:column: message`; a mistake in a user's job script points at the user's
file and line, not at the generated artifact.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

from generator.errors import ScriptError

SYSAUTO_SCRIPT_MAX = 8000  # sysauto_script.script and sysauto.condition column length (SDK schema)

# AST node types that only exist from ES2015 on.
ES6_NODES = {
    "ArrowFunctionExpression": "arrow functions",
    "TemplateLiteral": "template literals",
    "TaggedTemplateExpression": "tagged templates",
    "ClassDeclaration": "classes",
    "ClassExpression": "classes",
    "ArrayPattern": "destructuring",
    "ObjectPattern": "destructuring",
    "AssignmentPattern": "default parameters",
    "RestElement": "rest parameters",
    "SpreadElement": "spread",
    "ForOfStatement": "for-of loops",
    "YieldExpression": "generators",
    "AwaitExpression": "async functions",
    "MetaProperty": "new.target",
    "Super": "super",
    "Import": "import()",
}


class _Es5Checker:
    """esprima calls this for every node, innermost first; the earliest problem in the text wins."""

    def __init__(self) -> None:
        self.problem: tuple[int, int, str] | None = None

    def __call__(self, node: Any, meta: Any) -> None:
        what = self._es6(node)
        if what:
            start = meta["start"] if isinstance(meta, dict) else meta.start
            line = start["line"] if isinstance(start, dict) else start.line
            column = start["column"] if isinstance(start, dict) else start.column
            found = (line, column + 1, f"{what} are ES2015+ syntax; ServiceNow global scripts run as ES5")
            if self.problem is None or found[:2] < self.problem[:2]:
                self.problem = found

    @staticmethod
    def _es6(node: Any) -> str | None:
        kind = node.type
        if kind in ES6_NODES:
            return ES6_NODES[kind]
        if kind == "VariableDeclaration" and node.kind != "var":
            return f"'{node.kind}' declarations"
        if kind in ("FunctionDeclaration", "FunctionExpression"):
            if getattr(node, "generator", False):
                return "generators"
            if getattr(node, "isAsync", False) or getattr(node, "async", False):
                return "async functions"
        if kind == "Property" and (node.shorthand or node.method or node.computed):
            return "shorthand, method and computed properties"
        if kind == "Literal":
            regex = getattr(node, "regex", None)
            if regex is not None and ({"u", "y"} & set(regex.flags or "")):
                return "regular expression flags u and y"
            raw = getattr(node, "raw", "") or ""
            if raw[:2].lower() in ("0b", "0o"):
                return "binary and octal literals"
        if kind in ("BinaryExpression", "AssignmentExpression") and node.operator in ("**", "**="):
            return "exponent operators"
        return None


def check_script(text: str, label: str) -> None:
    """Parse `text` as an ES5 script; raise ScriptError('label:line:column: message')."""
    import esprima  # imported here: it costs ~0.4 s, and only validation needs it

    checker = _Es5Checker()
    try:
        esprima.parseScript(text, {"loc": True}, checker)
    except esprima.Error as err:
        line = getattr(err, "lineNumber", 0) or 0
        column = getattr(err, "column", 0) or 0
        message = re.sub(r"^Line \d+: ", "", getattr(err, "description", None) or str(err))
        raise ScriptError(f"{label}:{line}:{column}: {message}") from None
    except RecursionError:
        raise ScriptError(f"{label}: nesting too deep to parse") from None
    if checker.problem:
        line, column, message = checker.problem
        raise ScriptError(f"{label}:{line}:{column}: {message}")


def validate(scripts: Iterable[Any]) -> None:
    """Check user job bodies first (errors name the user's file), then every generated artifact."""
    scripts = list(scripts)
    checked_users: set[Path] = set()
    for s in scripts:
        if s.user_file is not None and s.user_file not in checked_users:
            checked_users.add(s.user_file)
            check_script(s.user_text, str(s.user_file))
    for s in scripts:
        if s.table == "sysauto_script" and len(s.text) > SYSAUTO_SCRIPT_MAX:
            where = str(s.user_file) if s.user_file is not None else s.filename
            raise ScriptError(f"{where}: the job's generated {s.field} is {len(s.text)} characters; "
                              f"sysauto_script.{s.field} holds at most {SYSAUTO_SCRIPT_MAX} (shorten the script "
                              "or move the logic into a script include)")
        check_script(s.text, s.filename)
