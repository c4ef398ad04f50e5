"""Clone data preservers ([[preserve]], issue 17): what every target keeps of its own data across a clone.

A preserver is a `clone_data_preserver` record (name, table, condition, theme) that must live on the
source: "You must define data preservers on the source instance. Defining them on the target instance
does not preserve the data." (platform-administration/data-preservation.md). So the update set, which
is imported into production, ships them, and the install script checks them there. This module reads
and checks the configuration; generator/package.py writes the records in the format of a real export
(the condition's encoded query followed by one `<item/>` per term, as the condition builder saves it).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from generator.records import EVERY_RECORD, Term, parse_query
from generator.tomlread import Table

# Tables the base system already excludes and preserves (it-service-management/devops-change-velocity/
# devops-cloning.md, "Base system table exclusion and preservers on global tables").
BASE_PRESERVED = ("http_connection", "discovery_credentials", "oauth_entity_profile", "oauth_entity", "jwt_provider",
                  "jwt_keystore_aliases", "sys_certificate", "token_verification")
# Tables of people and their access: "Don't use data preservers to transfer large sets of data, such as
# user groups" (data-preservation.md), so a preserver of these must select records with a condition.
PEOPLE_TABLES = ("sys_user", "sys_user_group", "sys_user_has_role", "sys_user_grmember", "sys_user_role")
NAME_MAX = 100  # judgement: the list shows the name; no length is documented


@dataclass(frozen=True, slots=True)
class Preserver:
    key: str  # the stable key its sys_id derives from: the table and its condition
    name: str
    table: str
    condition: str  # encoded query, without the trailing ^EQ
    terms: tuple[Term, ...]
    theme: bool

    @property
    def fields(self) -> list[str]:
        return sorted({t.field for t in self.terms})

    @property
    def items(self) -> list[dict[str, str]]:
        """The condition's `<item/>` elements, attributes in a real export's order, and the closing
        item of the `^EQ` that ends the query."""
        out = [{"endquery": "false", "field": t.field, "goto": "false", "newquery": "false", "operator": t.operator,
                "or": "true" if t.is_or else "false", "value": t.value} for t in self.terms]
        out.append({"endquery": "true", "field": "", "goto": "false", "newquery": "false", "operator": "=",
                    "or": "false", "value": ""})
        return out


def preservers(root: Table, default_name: str) -> tuple[Preserver, ...]:
    out: list[Preserver] = []
    for p in root.items("preserve"):
        table = p.value("table")
        if table in BASE_PRESERVED:
            p.fail(p.key("table"), f"{table!r} is preserved by the base system already (with its own preserver); "
                   "a second one is not needed")
        if table.startswith("clone_"):
            p.fail(p.key("table"), f"{table!r} is part of the clone's own configuration")
        condition = p.value("condition")
        condition = "" if condition == "EQ" else condition.removesuffix("^EQ")
        terms: list[Term] = []
        if condition:
            if "^NQ" in condition or re.search(r"(?:^|\^)ORDERBY", condition):
                p.fail(p.key("condition"), "holds ^NQ or ORDERBY, which a preserver's condition does not take "
                       "(use a second preserver for a second query)")
            blocks, _, why = parse_query(condition)
            terms = blocks[0] if blocks else []
            if why or not terms:
                p.fail(p.key("condition"), why or EVERY_RECORD)
        elif table in PEOPLE_TABLES:
            p.fail(p.key("condition"), f"is required for {table}: \"Don't use data preservers to transfer large "
                   "sets of data, such as user groups\" (select the records, e.g. user_name=mid.server.acme)")
        name = p.value("name", f"{default_name}: {table}")
        if len(name) > NAME_MAX:
            p.fail(p.key("name"), f"is {len(name)} characters; at most {NAME_MAX}")
        digest = hashlib.sha256(condition.encode("utf-8")).hexdigest()[:12]
        key = f"{table}-{digest}" if condition else table
        for i, earlier in enumerate(out):
            if earlier.key == key:
                p.fail(p.key("table"), f"preserves the same records as preserve[{i}]")
            if earlier.name.lower() == name.lower():
                p.fail(p.key("name"), f"{name!r} is the name of preserve[{i}] too (give each a name)")
        out.append(Preserver(key=key, name=name, table=table, condition=condition,
                             terms=tuple(terms), theme=p.value("theme")))
        p.finish()
    return tuple(out)
