"""Stable identifiers: every sys_id derives from keys that do not change between releases.

A record's sys_id depends on the update set id, the table and the record's key (never on a display
name or the version), so importing a newer release updates the same records instead of adding
duplicates. The update set itself and its sys_update_xml rows are per release, so they include the
version.
"""

from __future__ import annotations

import uuid

# Fixed namespace for postclone (uuid5 of the project's name in the URL namespace); never change it.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/postclone/postclone")


def sys_id(*parts: str) -> str:
    """32 lowercase hex digits from the joined parts."""
    return uuid.uuid5(NAMESPACE, ":".join(parts)).hex


def record_id(set_id: str, table: str, key: str) -> str:
    return sys_id(set_id, table, key)
