"""Step 3 of the pipeline: every script is parsed with esprima before anything is written.

Global-scope server scripts run in ServiceNow's ES5 standards mode, so ES2015+ syntax is rejected
too. Errors are `file:line:column: message`; a mistake in a user's job script points at the user's
file and line, not at the generated artifact.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Iterable

from generator.errors import ScriptError
from generator.es5 import Es5Checker

SYSAUTO_SCRIPT_MAX = 8000  # sysauto_script.script and sysauto.condition column length (SDK schema)

class Stats:
    """What a validation did: a test-suite guard on the work per build (not a timing)."""

    def __init__(self) -> None:
        self.parsed = 0  # esprima parses
        self.cached = 0  # skeletons already validated by this same validator (content-hash cache)
        self.derived = 0  # proven from a parsed text: same code, different JSON literals or comments

    @property
    def checked(self) -> int:
        return self.parsed + self.cached + self.derived


class Cache:
    """postclone's own constant code (the skeletons rendered from the shipped templates with placeholder
    values) that this exact validator has accepted before, keyed by sha256(validator digest, text).

    Anyone who can write the cache folder can add a key, so the cache is asked about nothing a user or
    a config can influence: a job body, a whole script and every JSON literal are checked on every
    build, whatever the cache holds. An entry can only ever vouch for a skeleton, which is the same
    text for every config and is parsed by the test suite with no cache. One hex digest per line in
    <cache dir>/validated-v1.txt.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / "validated-v1.txt"
        self._known: set[str] | None = None
        self._new: list[str] = []

    @staticmethod
    def default() -> "Cache | None":
        if os.environ.get("POSTCLONE_NO_CACHE") == "1":
            return None
        base = os.environ.get("POSTCLONE_CACHE_DIR") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "postclone")
        return Cache(Path(base))

    def key(self, text: str) -> str:
        return hashlib.sha256(validator_digest().encode() + b"\0" + text.encode("utf-8")).hexdigest()

    def known(self, text: str) -> bool:
        if self._known is None:
            try:
                self._known = set(self.path.read_text(encoding="ascii").split())
            except (OSError, UnicodeDecodeError):
                self._known = set()
        return self.key(text) in self._known

    def add(self, text: str) -> None:
        self._new.append(self.key(text))

    def save(self) -> None:
        if not self._new:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="ascii") as fh:
                fh.write("".join(k + "\n" for k in self._new))
        except OSError:
            pass  # a cache that cannot be written only costs time
        self._new = []


@functools.lru_cache(maxsize=1)
def validator_digest() -> str:
    """Changes whenever the validating code or the esprima it drives changes."""
    import importlib.util

    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    h.update(Path(__file__).with_name("esprima_fast.py").read_bytes())
    h.update(Path(__file__).with_name("es5.py").read_bytes())
    spec = importlib.util.find_spec("esprima")
    if spec is not None and spec.origin:
        folder = Path(spec.origin).parent
        for name in ("__init__.py", "parser.py", "scanner.py"):
            try:
                h.update((folder / name).read_bytes())
            except OSError:
                h.update(name.encode())
    return h.hexdigest()


def check_script(text: str, label: str, stats: Stats | None = None, cache: Cache | None = None) -> None:
    """Parse `text` as an ES5 script; raise ScriptError('label:line:column: message'). Pass a `cache`
    only for postclone's own constant code (see Cache): nothing else may be admitted by an entry."""
    if cache is not None and cache.known(text):
        if stats is not None:
            stats.cached += 1
        return
    from generator.esprima_fast import load

    esprima = load()  # imported here, through the fast path: only validation needs it
    if stats is not None:
        stats.parsed += 1
    # First pass without locations (a third faster); positions are computed only for a script
    # that has a problem, by a second pass.
    checker = Es5Checker(with_positions=False)
    try:
        esprima.parseScript(text, {}, checker)
        checker.finish()
    except esprima.Error as err:
        line = getattr(err, "lineNumber", 0) or 0
        column = getattr(err, "column", 0) or 0
        message = re.sub(r"^Line \d+: ", "", getattr(err, "description", None) or str(err))
        raise ScriptError(f"{label}:{line}:{column}: {message}") from None
    except RecursionError:
        raise ScriptError(f"{label}: nesting too deep to parse") from None
    if checker.problem:
        checker = Es5Checker(with_positions=True)
        esprima.parseScript(text, {"loc": True}, checker)
        checker.finish()
        assert checker.problem is not None  # the same parse finds the same problem, now with its position
        line, column, message = checker.problem
        raise ScriptError(f"{label}:{line}:{column}: {message}")
    if cache is not None:
        cache.add(text)


def validate(scripts: Iterable[Any], cache: Cache | None = None) -> Stats:
    """Check user job bodies first (errors name the user's file), then every generated artifact.

    Work done once rather than per script, each step a proof rather than a shortcut:
    - The post-clone script is one block comment, constant code, the CONFIG JSON object, constant
      code and the mode literal. The constant code is parsed once, in a skeleton; each script then
      needs only mechanical checks (_postclone_structure_ok). A cached skeleton makes every later
      build of any config skip that parse; the cache serves skeletons only (see Cache).
    - A post-clone script that equals an already-checked one except for the mode argument on its
      last line (a JSON string literal in the same position) needs no second parse: swapping one
      string literal for another cannot change whether a script parses.
    - A job script is a block comment, constant code, the user's body (parsed on its own as a
      script, which is also valid as a function body), constant code, a JSON literal and a constant
      tail; its condition is a line comment, constant code, a JSON literal and a constant tail. The
      body is parsed on its own on every build, never taken from the cache: that parse is what proves
      the body cannot close the guard's function around it. The
      constant code is parsed once per build, in a skeleton with placeholder literals; each job then
      needs only the mechanical checks in _job_structure_ok (the comment closes where it should, the
      literal is JSON without raw line separators, the code matches the skeleton exactly). Anything
      that does not match exactly is parsed in full.
    """
    from generator.render import MODE_TAIL

    scripts = list(scripts)
    stats = Stats()
    by_name = {s.filename: s for s in scripts}
    checked_users: dict[Path, str] = {}
    try:
        for s in scripts:
            if s.user_file is not None and s.user_file not in checked_users:
                check_script(s.user_text, str(s.user_file), stats)  # every build: it proves containment
                checked_users[s.user_file] = s.user_text
        skeleton_ok = False
        postclone_skeleton_ok = False
        for s in scripts:
            if s.table == "sysauto_script" and len(s.text) > SYSAUTO_SCRIPT_MAX:
                where = str(s.user_file) if s.user_file is not None else s.filename
                raise ScriptError(f"{where}: the job's generated {s.field} is {len(s.text)} characters; "
                                  f"sysauto_script.{s.field} holds at most {SYSAUTO_SCRIPT_MAX} (shorten the "
                                  "script or move the logic into a script include)")
            base = by_name.get(s.variant_of) if s.variant_of else None
            if base is not None and not base.variant_of:
                mine, theirs = MODE_TAIL.search(s.text), MODE_TAIL.search(base.text)
                if mine and theirs and s.text[: mine.start()] == base.text[: theirs.start()]:
                    stats.derived += 1
                    continue
            if not s.variant_of and s.filename.startswith("postclone-") and _postclone_structure_ok(s):
                if not postclone_skeleton_ok:
                    check_script(_postclone_skeleton_text(), "templates/postclone/frame.js.j2 (skeleton)", stats, cache)
                    postclone_skeleton_ok = True
                stats.derived += 1
                continue
            if s.table == "sysauto_script" and _job_structure_ok(s, checked_users):
                if not skeleton_ok:
                    for text, label in _job_skeleton_texts():
                        check_script(text, label, stats, cache)
                    skeleton_ok = True
                stats.derived += 1
                continue
            check_script(s.text, s.filename, stats)
    finally:
        if cache is not None:
            cache.save()
    return stats


def _job_skeleton_texts() -> list[tuple[str, str]]:
    from generator.render import job_skeleton

    code_a, code_b, tail, cond_head, cond_tail = job_skeleton()
    # The placeholder [] stands for any JSON array, object or string: each is a primary expression,
    # valid wherever [] is (in a call's arguments, before a member access, after '=').
    return [("/**/\n" + code_a + ";\n" + code_b + "[]" + tail, "templates/jobs/job.js.j2 (skeleton)"),
            ("//\n" + cond_head + "[]" + cond_tail, "templates/jobs/condition.js.j2 (skeleton)")]


def _postclone_skeleton_text() -> str:
    from generator.render import postclone_skeleton

    code_a, code_b = postclone_skeleton()
    # [] stands for the CONFIG object literal: both are valid as a variable's initializer.
    return "/**/\n" + code_a + "[]" + code_b + '"apply");\n'


def _postclone_structure_ok(s: Any) -> bool:
    """One closed block comment, the constant code, a JSON object, the constant code, a mode literal."""
    from generator.plan import MODES
    from generator.render import postclone_skeleton

    code_a, code_b = postclone_skeleton()
    text = s.text
    rest = _after_block_comment(text)
    if rest is None:
        return False
    for mode in MODES:
        tail = code_b + json.dumps(mode) + ");\n"
        if rest.startswith(code_a) and rest.endswith(tail) and len(rest) > len(code_a) + len(tail):
            literal = rest[len(code_a): len(rest) - len(tail)]
            return literal.startswith("{") and _json_expression(literal)
    return False


def _after_block_comment(text: str) -> str | None:
    """The text after a leading block comment that closes at its first "*/" (followed by a newline)."""
    end = text.find("*/\n")
    if not text.startswith("/*") or end < 0 or "*/" in text[2:end]:
        return None
    return text[end + 3:]


def _json_expression(literal: str) -> bool:
    """A JSON array, object or string without raw U+2028/U+2029 is a valid ES5 primary expression."""
    if not literal or literal[0] not in "[{\"" or "\u2028" in literal or "\u2029" in literal:
        return False
    try:
        json.loads(literal)
    except ValueError:
        return False
    return True


def _job_structure_ok(s: Any, checked_users: dict[Path, str]) -> bool:
    from generator.render import job_skeleton

    code_a, code_b, tail, cond_head, cond_tail = job_skeleton()
    text = s.text
    if s.field == "condition":
        newline = text.find("\n")
        comment, rest = text[:newline], text[newline + 1:]
        if newline < 0 or not comment.startswith("//") or "\r" in comment or "\u2028" in comment \
                or "\u2029" in comment:
            return False
        if not (rest.startswith(cond_head) and rest.endswith(cond_tail)
                and len(rest) > len(cond_head) + len(cond_tail)):
            return False
        return _json_expression(rest[len(cond_head): len(rest) - len(cond_tail)])
    if s.field != "script" or s.user_file not in checked_users:
        return False
    body = checked_users[s.user_file].rstrip("\n")
    rest = _after_block_comment(text)
    if rest is None:
        return False
    if not rest.startswith(code_a + body + code_b) or not rest.endswith(tail):
        return False
    literal = rest[len(code_a) + len(body) + len(code_b): len(rest) - len(tail)]
    return len(rest) > len(code_a) + len(body) + len(code_b) + len(tail) and _json_expression(literal)
