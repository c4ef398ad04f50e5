"""Record rules ([[environments.<env>.records]], issue 17): a table, an encoded query and the values to
set on every record it matches. This module reads and checks them; the records step applies them on
the instance (templates/postclone/record_policy.js.j2).

The query is parsed here, with the operators the simulator's query engine knows, so that every field
it names can be checked with isValidField() on the instance before anything is read: a term on a
field the table does not have would otherwise be dropped and the query widen ("the invalid part of
the query condition is dropped", GlideRecord API; the script also runs with strict queries on)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.tomlread import SECRET_RE, Table

# Encoded query terms: field, operator, value (c_EncodedQueryStrings.md; operators as
# r_OpAvailableFiltersQueries.md encodes them). The same set the simulator's parseEncoded() reads.
OPERATORS = ("NOT IN", "NOT LIKE", "ISNOTEMPTY", "ISEMPTY", "STARTSWITH", "ENDSWITH", "DOESNOTCONTAIN", "LIKE",
             "IN", "ANYTHING", "!=", ">=", "<=", "=", ">", "<")
TERM_RE = re.compile(r"([a-z0-9_]+?)(" + "|".join(re.escape(o) for o in OPERATORS) + r")(.*)", re.S)
ORDER_RE = re.compile(r"ORDERBY(?:DESC)?([a-z0-9_]+)")
FIELD = r"[a-z][a-z0-9_]{0,79}"

# Fields another step sets: a record rule may not set them (the two would undo each other on every run).
MANAGED_FIELDS = {
    "sys_user": {"active": "users", "locked_out": "users"},
    "ldap_server_config": {"active": "ldap", "listener": "ldap"},
    "sys_email": {"type": "email (purge_outbox)"},
    "sys_rest_message": {"rest_endpoint": "endpoints"},
    "sys_rest_message_fn": {"rest_endpoint": "endpoints"},
    "sys_soap_message_function": {"soap_endpoint": "endpoints"},
    "http_connection": {"connection_url": "endpoints", "active": "endpoints"},
    "sysauto": {"active": "jobs"},
    "sysauto_script": {"active": "jobs"},
    "sysauto_report": {"active": "jobs"},
    "sysauto_template": {"active": "jobs"},
    "scheduled_import_set": {"active": "jobs"},
    "discovery_schedule": {"active": "jobs"},
}
# Whole tables a rule may not touch, and what to use instead.
REFUSED_TABLES = {
    "sys_properties": "system properties are set with [environments.<env>.properties]",
    "sys_trigger": "Schedule Items belong to their jobs; the jobs step stops jobs (scheduled_jobs)",
}


@dataclass(frozen=True, slots=True)
class RecordRule:
    table: str
    query: str
    values: tuple[tuple[str, str], ...]  # `set`, in the file's order
    fields: tuple[str, ...]  # every field the query names, sorted
    max: int


@dataclass(frozen=True, slots=True)
class Term:
    """One term of an encoded query: field, operator, value, and whether ^OR joins it to the one before."""

    field: str
    operator: str
    value: str
    is_or: bool


EVERY_RECORD = "selects every record of the table: give a condition"


def parse_query(query: str) -> tuple[list[list[Term]], list[str], str]:
    """An encoded query's terms, one list per ^NQ block, and the fields its ORDERBY terms name; or
    ([], [], why) when postclone cannot vouch for it."""
    if re.search(r"javascript\s*:", query, re.I):
        return [], [], ("holds a javascript: value, which the instance runs as a script (for example "
                        "\"work_start=javascript:gs.nowDateTime()\"): values are data, give the value itself")
    if "^^" in query:
        return [], [], "holds '^^' (a '^' inside a value), which postclone cannot split safely"
    blocks: list[list[Term]] = []
    orders: list[str] = []
    for block in query.split("^NQ"):
        terms: list[Term] = []
        for i, part in enumerate(block.split("^")):
            if part in ("", "EQ"):
                continue
            m = ORDER_RE.fullmatch(part)
            if m:
                orders.append(m.group(1))
                continue
            is_or = bool(i and part.startswith("OR") and TERM_RE.fullmatch(part[2:]))
            t = TERM_RE.fullmatch(part[2:] if is_or else part)
            if not t:
                return [], [], (f"has a term postclone cannot check, {part!r}: each term is a field of the table (no "
                                f"dot-walk), an operator ({', '.join(OPERATORS)}) and a value, joined by ^, ^OR and "
                                "^NQ")
            terms.append(Term(t.group(1), t.group(2), t.group(3), is_or))
        blocks.append(terms)
    return blocks, orders, ""


def query_fields(query: str) -> tuple[list[str], str]:
    """The fields an encoded query names, or ([], why) when postclone cannot vouch for it."""
    blocks, orders, why = parse_query(query)
    if why:
        return [], why
    fields = [t.field for terms in blocks for t in terms] + orders
    if not fields:
        return [], EVERY_RECORD
    return sorted(set(fields)), ""


def record_rules(t: Table) -> tuple[RecordRule, ...]:
    """The record rules of one environment, each checked: a known query shape, fields that are not
    system fields, secrets or another step's, and no rule setting what an earlier one sets."""
    out: list[RecordRule] = []
    for r in t.items("records"):
        table = r.value("table")
        if table in REFUSED_TABLES:
            r.fail(r.key("table"), f"{table!r}: {REFUSED_TABLES[table]}")
        query = r.value("query")
        fields, why = query_fields(query)
        if why:
            r.fail(r.key("query"), why)
        values = r.value("set")
        if not values:
            r.fail(r.key("set"), "names no field: give at least one field = \"value\"")
        for name, value in values:
            key = f"{r.key('set')}.{name}"
            if not re.fullmatch(FIELD, name):
                r.fail(key, f"{name!r} is not a field name (lowercase letters, digits and '_'; no dot-walk)")
            if name.startswith("sys_"):
                r.fail(key, "is a system field: the platform maintains it")
            step = MANAGED_FIELDS.get(table, {}).get(name)
            if step:
                r.fail(key, f"is set by the {step} step; configure it there")
            if value and SECRET_RE.search(name):
                r.fail(key, "names a secret: postclone never writes passwords, tokens or keys into an artifact")
            if re.match(r"\s*javascript\s*:", value, re.I):
                r.fail(key, "starts with javascript: values are data, never code")
        for earlier in out:
            same = {n for n, _ in values} & {n for n, _ in earlier.values}
            if earlier.table == table and same:
                r.fail(r.key("set"), f"sets {', '.join(sorted(same))} of {table}, as an earlier rule does: two "
                       "rules on one field could undo each other on every run; join them")
        out.append(RecordRule(table=table, query=query, values=values, fields=tuple(fields), max=r.value("max")))
        r.finish()
    return tuple(out)


def rule_data(rule: RecordRule) -> dict:
    """A rule as the script's CONFIG holds it."""
    return {"table": rule.table, "query": rule.query, "fields": list(rule.fields), "max": rule.max,
            "set": [{"field": n, "value": v} for n, v in rule.values]}

