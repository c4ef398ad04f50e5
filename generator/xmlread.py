"""Reading XML from other people's files: one hardened lxml parser, errors as file:line:column."""

from __future__ import annotations

import re
from typing import Any

from generator.errors import InputError


def parser(**options: Any):
    """An lxml parser that never expands entities or touches the network."""
    from lxml import etree

    settings = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
    settings.update(options)
    return etree.XMLParser(**settings)


def syntax_error(label: str, err: Any) -> InputError:
    """An lxml XMLSyntaxError as one line: label:line:column: message."""
    line, column = err.position if err.position else (0, 0)
    msg = re.sub(r", line \d+, column \d+$", "", err.msg)
    return InputError(f"{label}:{line}:{column}: not well-formed XML: {msg}")


def parse_bytes(data: bytes, label: str):
    """Parse a document held in memory with `parser()`; malformed XML is an InputError."""
    from lxml import etree

    try:
        return etree.fromstring(data, parser())
    except etree.XMLSyntaxError as err:
        raise syntax_error(label, err) from None
