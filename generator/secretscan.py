"""Refusing what looks like a credential before it can reach an artifact.

Every string value of the configuration and every line of every job script is scanned. A finding
is one line, `file:line: <what it looks like>`, and never echoes the value. A line that holds the
marker `postclone: allow-secret` (in a comment: `# ...` in TOML, `// ...` in a job script) is not
scanned, for a known false positive. The patterns are the public formats of the common token
issuers, private-key blocks, Bearer and Basic authorization values, passwords in URLs, literal
passwords handed to ServiceNow's `setBasicAuth`, and a high-entropy literal assigned to a name like
password or token. Judgement: these catch the usual accidents, not a determined attempt to hide a
secret; the README says exactly that.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from typing import Any, Iterator

ALLOW_MARKER = "postclone: allow-secret"
NAMES = r"(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|auth)"

# (what it looks like, pattern); the text of a pattern's group "check" must also pass CONFIRM[kind].
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(rx)) for kind, rx in (
    ("a GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})"),
    ("a Slack token", r"\bxox[abposre]-[A-Za-z0-9-]{10,}"),
    ("an AWS access key id", r"\b(?:AKIA|ASIA|AROA|AIDA)[0-9A-Z]{16}\b"),
    ("an npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("a Stripe secret key", r"\b[sr]k_live_[0-9A-Za-z]{16,}"),
    ("a private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ("a JSON web token", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ("a Bearer token", r"\bBearer\s+(?P<check>[A-Za-z0-9._~+/-]{16,}=*)"),
    ("basic-auth credentials", r"\bBasic\s+(?P<check>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])"),
    ("a password in a URL", r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@'\"]+:(?P<check>[^\s/@'\"]+)@"),
    ("a password given to setBasicAuth", r"setBasicAuth\s*\(\s*(['\"])[^'\"]*\1\s*,\s*(['\"])(?P<check>[^'\"]+)\2"),
    ("a secret assigned to a name like password or token",
     rf"(?i)\b[\w.-]*{NAMES}[\w.-]*['\"]?\s*[:=]\s*(['\"])(?P<check>[^'\"\s]{{8,}})\1"),
    ("a secret in a URL's query", rf"(?i)[?&][\w.-]*{NAMES}[\w.-]*=(?P<check>[^\s&'\"#]{{8,}})"),
))

# Text without any of these cannot match a pattern above: one search of it skips the patterns for
# almost every value and line (a build of 1,000 jobs scans about 20,000 of them).
TRIGGER = re.compile(r"(?i)gh[pousr]_|github_pat_|xox|AKIA|ASIA|AROA|AIDA|npm_|AIza|k_live_|PRIVATE KEY|eyJ|"
                     r"bearer|basic|://|passw|pwd|secret|token|api_?key|apikey|access_?key|credential|auth")

PLACEHOLDER = re.compile(r"^(?:\$\{.*\}|<.*>|\{\{.*\}\}|%.*%|[xX*.#-]+|(?i:changeme|example|placeholder|redacted)\w*)$")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_.]*$")  # a field, table or property name (sys_user.user_password)


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _looks_random(value: str) -> bool:
    if PLACEHOLDER.match(value) or IDENTIFIER.match(value):
        return False
    classes = sum(bool(re.search(rx, value)) for rx in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    return classes >= 2 and entropy(value) >= 3.0


def _basic(value: str) -> bool:
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return ":" in decoded and decoded.isprintable()


def _not_placeholder(value: str) -> bool:
    return not PLACEHOLDER.match(value)


# How the captured part of each pattern is confirmed (the token formats need no more than the pattern).
CONFIRM = {
    "basic-auth credentials": _basic,  # base64 of user:password
    "a password in a URL": _not_placeholder,
    "a password given to setBasicAuth": _not_placeholder,
    "a Bearer token": _looks_random,
    "a secret assigned to a name like password or token": _looks_random,
    "a secret in a URL's query": _looks_random,
}


def matches(text: str) -> Iterator[tuple[str, str]]:
    """(what it looks like, the matching text) for each secret-looking piece of `text`."""
    if not TRIGGER.search(text):
        return
    for kind, rx in PATTERNS:
        for m in rx.finditer(text):
            value = m.groupdict().get("check")
            if value is None or CONFIRM[kind](value):
                yield kind, m.group(0)


def strings(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(key path, value) of every string in a parsed TOML document."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from strings(v, f"{path}[{i}]")


HINT = ("secrets never go into an artifact (set them on the instance, or keep them across clones with a clone "
        "data preserver); if this is not a secret, add the comment \"" + ALLOW_MARKER + "\" to that line")


def config_finding(source: str, raw_text: str, data: dict) -> str | None:
    """The first secret-looking string value of a configuration, as one line naming file:line and the
    key. The line is the raw line that holds the matching text (unless escapes hide it, then the key
    alone); the marker on that line allows it."""
    lines = raw_text.splitlines()
    for key, value in strings(data):
        for kind, text in matches(value):
            where = next((i for i, line in enumerate(lines, 1) if text in line), None)
            if where is not None and ALLOW_MARKER in lines[where - 1]:
                continue
            return f"{source}:{where}: {key}: looks like {kind}; {HINT}" if where is not None else \
                f"{source}: {key}: looks like {kind} (written with escapes or across lines); {HINT}"
    return None


def script_finding(label: str, text: str) -> str | None:
    """The first secret-looking line of a job script, as `file:line: ...`."""
    if not TRIGGER.search(text):
        return None
    for number, line in enumerate(text.splitlines(), 1):
        if ALLOW_MARKER not in line:
            for kind, _ in matches(line):
                return f"{label}:{number}: looks like {kind}; {HINT}"
    return None
