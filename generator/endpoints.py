"""Outbound endpoint rules ([[environments.<env>.endpoints]], issue 17): how the configuration's rules
are read and checked, and which URLs count as production's (`instances.production_hosts`, and each
production instance as `<name>.service-now.com`). The endpoints step applies the same host rule on
the instance (templates/postclone/steps/endpoints.js.j2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.tomlread import Table


@dataclass(frozen=True, slots=True)
class Endpoint:
    source: str  # `from`: the URL prefix
    action: str
    to: str = ""


def host_of(url: str) -> str:
    """The host of an http(s) URL, lower-cased ("" when it has none)."""
    m = re.match(r"[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^:/?#]+)", url)
    return m.group(1).lower() if m else ""


def on_hosts(url: str, hosts: tuple[str, ...]) -> bool:
    """Whether `url` points at one of `hosts` or a subdomain of one (the endpoints step's rule too)."""
    host = host_of(url)
    return any(host == h or host.endswith("." + h) for h in hosts)


def endpoint_rules(t: Table, hosts: tuple[str, ...]) -> tuple[Endpoint, ...]:
    """The endpoint rules of one environment: each `to` is required with rewrite, refused otherwise;
    a rule may not match what it writes (it would rewrite again on every run), point at production,
    or overlap an earlier rule."""
    out: list[Endpoint] = []
    for e in t.items("endpoints"):
        source, action = e.value("from"), e.value("action")
        to = e.value("to")
        if action == "rewrite" and not to:
            e.fail(e.key("to"), "is required with action = \"rewrite\" (the prefix the endpoints get instead)")
        if action != "rewrite" and to:
            e.fail(e.key("to"), f"only applies with action = \"rewrite\" (action is {action!r})")
        if to and to.lower().startswith(source.lower()):
            e.fail(e.key("to"), f"starts with from ({source!r}): the rule would match what it wrote and rewrite it "
                   "again on every run")
        if to and on_hosts(to, hosts):
            e.fail(e.key("to"), f"points at a production host ({host_of(to)}): the clone would still call production")
        for earlier in out:
            if source.lower().startswith(earlier.source.lower()) or earlier.source.lower().startswith(source.lower()):
                e.fail(e.key("from"), f"overlaps the earlier rule for {earlier.source!r}: which one applies would "
                       "depend on the order; make the prefixes distinct")
        e.finish()
        out.append(Endpoint(source=source, action=action, to=to))
    return tuple(out)
