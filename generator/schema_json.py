"""The configuration's JSON Schema (docs/postclone.schema.json, shipped in the wheel), written from the
key table of generator/schema.py: `python -m generator.schema --write` rewrites it."""

from __future__ import annotations

import re
from typing import Any

from generator.schema import NO_DEFAULT, REQUIRED, Key, children


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of the configuration, from KEYS."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://postclone.example/postclone.schema.json",
        "title": "postclone configuration",
        "description": "The TOML file postclone builds from. Generated from generator/schema.py; every key is "
                       "explained in the README (Configuration).",
        **_object(""),
    }


def _object(parent: str) -> dict:
    keys = children(parent)
    out: dict[str, Any] = {"type": "object", "additionalProperties": False}
    required = [k.name for k in keys if k.required]
    if required:
        out["required"] = required
    out["properties"] = {k.name: _property(k) for k in keys}
    return out


def _property(k: Key) -> dict:
    if k.type == "table":
        return {"description": k.meaning, **_object(k.path)}
    if k.type == "map":
        return {"description": k.meaning, "type": "object", "minProperties": k.min_items,
                "propertyNames": {"pattern": _anchored(k.item_pattern)},
                "additionalProperties": _object(k.path)}
    if k.type == "tables":
        return {"description": k.meaning, "type": "array", "items": _object(k.path)}
    out: dict[str, Any] = {"description": k.meaning}
    if k.type == "string":
        out.update(_string(k))
    elif k.type == "boolean":
        out["type"] = "boolean"
    elif k.type == "integer":
        out["type"] = "integer"
        if k.minimum is not None:
            out["minimum"] = k.minimum
        if k.maximum is not None:
            out["maximum"] = k.maximum
    elif k.type == "strings":
        out.update(_strings(k))
    elif k.type == "string_or_strings":
        out["oneOf"] = [{"type": "string"}, _strings(k)]
    elif k.type == "string_map":
        out.update({"type": "object", "propertyNames": {"pattern": _anchored(k.item_pattern)},
                    "additionalProperties": {"type": "string"}})
    else:  # pragma: no cover - a typo in KEYS
        raise ValueError(f"{k.path}: unknown type {k.type!r}")
    if k.default is not REQUIRED and k.default is not NO_DEFAULT:
        out["default"] = ({} if k.type == "string_map" else list(k.default)) if isinstance(k.default, tuple) \
            else k.default
    return out


def _string(k: Key) -> dict:
    out: dict[str, Any] = {"type": "string"}
    if k.enum and k.lower:
        out["pattern"] = _anchored("|".join("".join(f"[{c}{c.upper()}]" if c.isalpha() else re.escape(c) for c in v)
                                            for v in k.enum))
    elif k.enum:
        out["enum"] = list(k.enum)
    if k.pattern:
        out["pattern"] = _anchored(k.pattern)
    if k.nonempty and not k.enum and not k.pattern:
        out["pattern"] = r"\S"
    if k.max_length is not None:
        out["maxLength"] = k.max_length
    return out


def _strings(k: Key) -> dict:
    item: dict[str, Any] = {"type": "string", "pattern": _anchored(k.item_pattern) if k.item_pattern else r"\S"}
    out: dict[str, Any] = {"type": "array", "items": item, "uniqueItems": True}
    if k.min_items:
        out["minItems"] = k.min_items
    return out


def _anchored(pattern: str) -> str:
    return f"^(?:{pattern})$"
