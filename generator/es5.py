"""What ServiceNow's engine accepts beyond esprima's parse: ES5 only, and nothing Rhino runs differently from V8."""

from __future__ import annotations

from typing import Any

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


# Calls whose result ServiceNow may hand back as a Java string (Rhino exposes its Java methods): a
# JavaScript string method called on it directly is a Java method, or none. Methods that behave the
# same on both are allowed; any other member must go through String(...) first.
HOST_STRING_CALLS = {"getValue", "getProperty", "getDisplayValue", "getUniqueValue", "getTableName",
                     "getEncodedQuery", "getAggregate", "getName", "getUserName", "getUserID", "nowDateTime"}
SAME_ON_JAVA_STRINGS = {"toString", "indexOf", "lastIndexOf", "substring", "toLowerCase", "toUpperCase", "charAt",
                        "trim", "equals"}


class Es5Checker:
    """esprima calls this for every node, innermost first; the earliest problem in the text wins.

    Besides ES2015+ syntax it refuses what Rhino (ServiceNow's engine family) runs differently from
    V8: function declarations inside a block (each engine scopes them its own way; ES5 has no such
    statement) and JavaScript string methods called directly on a result that may be a Java string.
    """

    def __init__(self, with_positions: bool = True) -> None:
        self.problem: tuple[int, int, str] | None = None
        self.with_positions = with_positions
        self._functions: dict[int, Any] = {}  # id(FunctionDeclaration) -> its start
        self._in_blocks: list[tuple[int, Any]] = []  # (id of the block, start of a declaration in it)
        self._bodies: set[int] = set()  # ids of function bodies, where declarations belong

    def __call__(self, node: Any, meta: Any) -> None:
        kind = node.type
        what = self._es6(node)
        if what:
            self._report(meta, f"{what} are ES2015+ syntax; ServiceNow global scripts run as ES5")
        if kind == "FunctionDeclaration":
            self._functions[id(node)] = meta
        if kind in ("FunctionDeclaration", "FunctionExpression"):
            self._bodies.add(id(node.body))
        elif kind == "BlockStatement":
            self._in_blocks += [(id(node), self._functions[id(c)]) for c in node.body if id(c) in self._functions]
        elif kind == "SwitchCase":
            for c in node.consequent:
                if id(c) in self._functions:
                    self._report(self._functions[id(c)], BLOCK_FUNCTION)
        elif kind == "MemberExpression" and node.object is not None and node.object.type == "CallExpression":
            callee = node.object.callee
            name = getattr(node.property, "name", None) if not node.computed else None
            if (callee.type == "MemberExpression" and not callee.computed
                    and getattr(callee.property, "name", None) in HOST_STRING_CALLS
                    and name not in SAME_ON_JAVA_STRINGS):
                host = callee.property.name
                member = f".{name}" if name else "[...]"
                self._report(meta, f"'{member}' on the result of {host}(): ServiceNow may return a Java string "
                             f"there, and Rhino then uses Java's {member}, not JavaScript's; convert it first: "
                             f"String(x.{host}(...)){member}")

    def finish(self) -> None:
        """After the parse: declarations in blocks that are not function bodies."""
        for block, meta in self._in_blocks:
            if block not in self._bodies:
                self._report(meta, BLOCK_FUNCTION)

    def _report(self, meta: Any, message: str) -> None:
        if not self.with_positions:
            self.problem = self.problem or (0, 0, message)
            return
        start = meta["start"] if isinstance(meta, dict) else meta.start
        line = start["line"] if isinstance(start, dict) else start.line
        column = start["column"] if isinstance(start, dict) else start.column
        found = (line, column + 1, message)
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


BLOCK_FUNCTION = ("a function declaration inside a block: Rhino (ServiceNow's engine) and V8 scope it "
                  "differently, and ES5 has no such statement; declare it at the top of the function, or "
                  "assign a function expression to a var")
