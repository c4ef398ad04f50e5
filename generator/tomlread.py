"""Reading the TOML configuration: a bounded file read, syntax errors as file:line:column, and tables
whose every value is checked against its Key in generator/schema.py."""

from __future__ import annotations

import functools
import json
import re
import tomllib
from pathlib import Path
from typing import Any, NoReturn

from generator import schema
from generator.errors import ConfigError
from generator.readfile import read_regular

SECRET_RE = re.compile(r"pass(word)?|secret|token|api_?key|credential", re.I)
# Characters XML 1.0 cannot carry (and so no update set can): C0 controls except tab/newline.
BAD_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

MAX_CONFIG_BYTES = 1024 * 1024


def read_toml(path: Path) -> tuple[dict[str, Any], bytes]:
    raw = read_regular(path, MAX_CONFIG_BYTES, "a configuration file", ConfigError)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise ConfigError(f"{path}:{line}:{column}: not valid UTF-8 (is this a text file?)") from None
    text = text.removeprefix("\ufeff")  # a UTF-8 byte order mark, as some Windows editors write
    if not text.strip():
        raise ConfigError(f"{path}: the file is empty; start from: postclone init {path.name}")
    try:
        return tomllib.loads(text), raw
    except RecursionError:
        raise ConfigError(f"{path}: TOML syntax: arrays or tables nested too deeply") from None
    except ValueError as err:
        if not isinstance(err, tomllib.TOMLDecodeError):  # an integer too long to convert
            raise ConfigError(f"{path}: TOML syntax: {str(err).split(';')[0]}") from None
        msg = str(err)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        if m:
            msg = msg[: m.start()].strip()
            raise ConfigError(f"{path}:{m.group(1)}:{m.group(2)}: TOML syntax: {msg}") from None
        m = re.search(r"\(at end of document\)", msg)
        if m:
            lines = text.count("\n") + 1
            raise ConfigError(f"{path}:{lines}: TOML syntax: {msg[: m.start()].strip()}") from None
        raise ConfigError(f"{path}: TOML syntax: {msg}") from None


class Table:
    """A TOML table with its key path; every read follows its Key in generator/schema.py (type,
    default, constraints) and every key is accounted for."""

    def __init__(self, source: str, path: str, data: Any, shape: str = ""):
        self.source = source
        self.path = path
        self.shape = shape  # this table's path in schema.KEYS ("environments.<name>", "jobs[]", ...)
        if not isinstance(data, dict):
            self.fail(path, f"must be a table, got {_type_name(data)}")
        self.data: dict[str, Any] = data
        self.seen: set[str] = set()
        self._reject_unknown()

    def _reject_unknown(self) -> None:
        """Report a key the schema does not know before any other problem of this table, so a typo
        (`[enviroments.x]`) names itself instead of showing up as "environments: is required"."""
        if self.shape in schema.KEYS and schema.KEYS[self.shape].type == "map":
            return  # its keys are names (environments.<name>), checked against the name pattern
        known = _known_keys(self.shape)
        for name in self.data:
            if name not in known:
                self._reject(name)

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def spec(self, name: str) -> schema.Key:
        return schema.KEYS[f"{self.shape}.{name}" if self.shape else name]

    def fail(self, key: str, message: str) -> NoReturn:
        raise ConfigError(f"{self.source}: {key}: {message}")

    def has(self, name: str) -> bool:
        return name in self.data

    def value(self, name: str, default: Any = None) -> Any:
        """The value of key `name`, checked against its Key; `default` replaces the Key's default
        where it depends on other values (a purpose, a name)."""
        k = self.spec(name)
        if k.by_purpose and default is None:
            raise KeyError(f"{k.path}: the caller must pass the purpose's default")  # a bug, not bad input
        if name not in self.data:
            self.seen.add(name)
            if k.required:
                self.fail(self.key(name), "is required")
            if default is not None:
                return default
            if k.default is schema.NO_DEFAULT:
                return {"string": "", "strings": (), "string_or_strings": ()}.get(k.type)
            return k.default
        if k.type == "strings":
            return self.strings(name)
        if k.type == "string_map":
            return self.string_map(name)
        if k.type == "string_or_strings":
            raw = self.get(name, (str, list))
            if isinstance(raw, str):
                return tuple(a.strip() for a in raw.split(",") if a.strip())
            return self.strings(name)
        value = self.get(name, {"string": str, "boolean": bool, "integer": int}[k.type])
        key = self.key(name)
        if isinstance(value, str):
            if k.nonempty and not value.strip():
                self.fail(key, "must not be empty")
            if k.lower:
                value = value.lower()
            if k.enum and value not in k.enum:
                if k.invalid:
                    self.fail(key, k.invalid.format(value=value))
                bad_enum(self, name, value, k.enum)
            if k.pattern and not re.fullmatch(k.pattern, value):
                self.fail(key, (k.invalid or "{value!r} is not valid").format(value=value))
            if k.max_length is not None and len(value) > k.max_length:
                self.fail(key, k.too_long.format(length=len(value), max_length=k.max_length))
        if isinstance(value, int) and not isinstance(value, bool):
            if (k.minimum is not None and value < k.minimum) or (k.maximum is not None and value > k.maximum):
                self.fail(key, f"must be between {k.minimum} and {k.maximum}")
        return value

    def get(self, name: str, kind: type | tuple[type, ...]) -> Any:
        """A given value of one of these types (strings are checked for control characters)."""
        self.seen.add(name)
        value = self.data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            self.fail(self.key(name), f"must be {_kind_name(kinds)}, got a boolean")
        if not isinstance(value, kinds):
            self.fail(self.key(name), f"must be {_kind_name(kinds)}, got {_type_name(value)}")
        if isinstance(value, str):
            self.check_text(self.key(name), value)
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        k = self.spec(name)
        value = self.get(name, list)
        out: list[str] = []
        seen: set[str] = set()  # a set: a 40,000-entry keep list is checked in linear time
        for i, item in enumerate(value):
            key = f"{self.key(name)}[{i}]"
            if not isinstance(item, str):
                self.fail(key, f"must be a string, got {_type_name(item)}")
            self.check_text(key, item)
            if not item.strip():
                self.fail(key, "must not be empty")
            if item in seen:
                self.fail(key, f"{item!r} is listed twice")
            seen.add(item)
            out.append(item)
        if len(out) < k.min_items:
            self.fail(self.key(name), k.too_few)
        if k.item_pattern:
            for i, item in enumerate(out):
                if not re.fullmatch(k.item_pattern, item):
                    self.fail(f"{self.key(name)}[{i}]", k.item_invalid.format(value=item))
        return tuple(out)

    def string_map(self, name: str) -> tuple[tuple[str, str], ...]:
        """A table of name = "string" pairs, in the file's order, each name matching the Key's pattern."""
        k = self.spec(name)
        value = self.get(name, dict)
        out = []
        for entry, item in value.items():
            key = f"{self.key(name)}.{entry}" if re.fullmatch(r"[A-Za-z0-9_-]+", entry) else \
                f"{self.key(name)}.{json.dumps(entry, ensure_ascii=False)}"
            if isinstance(item, dict):
                self.fail(key, "is a table: a dotted name makes nested tables in TOML, so quote it "
                          "(\"glide.servlet.uri\" = \"…\")")
            if not isinstance(item, str):
                self.fail(key, f"must be a string, got {_type_name(item)} (values are strings: quote it)")
            self.check_text(key, entry)
            self.check_text(key, item)
            if not re.fullmatch(k.item_pattern, entry):
                self.fail(key, k.item_invalid.format(value=entry))
            out.append((entry, item))
        return tuple(out)

    def check_text(self, key: str, value: str) -> None:
        bad = BAD_CHARS_RE.search(value)
        if bad:
            self.fail(key, f"contains control character U+{ord(bad.group()):04X}, which XML cannot carry")

    def table(self, name: str) -> "Table":
        """A table inside this one (an empty one when it is optional and not given)."""
        k = self.spec(name)
        self.seen.add(name)
        if name not in self.data:
            if k.required:
                self.fail(self.key(name), "is required")
            return Table(self.source, self.key(name), {}, k.path)
        return Table(self.source, self.key(name), self.data[name], k.path)

    def entries(self, name: str) -> list["Table"]:
        """The tables of a table of tables (`map`), each checked against the Key's name pattern."""
        k = self.spec(name)
        outer = self.table(name)
        if len(outer.data) < k.min_items:
            outer.fail(name, k.too_few)
        out = []
        for entry in outer.data:
            outer.seen.add(entry)
            t = Table(self.source, outer.key(entry), outer.data[entry], f"{k.path}.<name>")
            if not re.fullmatch(k.item_pattern, entry):
                t.fail(t.path, k.item_invalid.format(value=entry))
            out.append(t)
        outer.finish()
        return out

    def items(self, name: str) -> list["Table"]:
        """The tables of an array of tables (`tables`)."""
        k = self.spec(name)
        self.seen.add(name)
        value = self.get(name, list) if name in self.data else []
        return [Table(self.source, f"{self.key(name)}[{i}]", item, f"{k.path}[]") for i, item in enumerate(value)]

    def finish(self) -> None:
        """Reject keys nobody read (a safety net: unknown keys are already refused on creation)."""
        for name in self.data:
            if name not in self.seen:
                self._reject(name)

    def _reject(self, name: str) -> NoReturn:
        """An unknown key: retired, a secret, or a typo (with a 'did you mean' when one is close)."""
        key = self.key(name)
        retired = schema.RETIRED.get(f"{self.shape}.{name}" if self.shape else name)
        if retired:
            self.fail(key, retired)
        if SECRET_RE.search(name):
            self.fail(key, "secrets do not belong in this file: postclone never writes passwords, tokens "
                      "or keys into an artifact (passwords are encrypted per instance: set them on the "
                      "instance, or keep them across clones with a clone data preserver)")
        import difflib  # only on the error path

        close = difflib.get_close_matches(name, sorted(_known_keys(self.shape)), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        self.fail(key, f"unknown key{hint}")


@functools.lru_cache(maxsize=None)
def _known_keys(shape: str) -> frozenset[str]:
    """The keys schema.KEYS allows directly in a table of this shape (computed once per shape, not
    once per table: a config with 1,000 jobs creates 1,000 tables of shape jobs[])."""
    prefix = f"{shape}." if shape else ""
    return frozenset(p[len(prefix):].removesuffix("[]") for p in schema.KEYS
                     if p.startswith(prefix) and "." not in p[len(prefix):])


def _type_name(value: Any) -> str:
    return {
        str: "a string", bool: "a boolean", int: "an integer", float: "a number",
        list: "an array", dict: "a table",
    }.get(type(value), type(value).__name__)


def _kind_name(kinds: tuple[type, ...]) -> str:
    return " or ".join(_type_name(k()) if k in (str, bool, int, float, list, dict) else k.__name__ for k in kinds)


def bad_enum(t: Table, name: str, value: str, allowed: tuple[str, ...]) -> NoReturn:
    import difflib  # only on the error path

    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    t.fail(t.key(name), f"{value!r} is not one of {', '.join(allowed)}{hint}")
