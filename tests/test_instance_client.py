"""The Table API client (issue 16, parts 1, 2 and 5) against a local server written from the documented
contract (tests/table_api_server.py): paging, retries, timeouts, one-line errors, GET only, and
credentials only from the environment."""

from __future__ import annotations

import ast
import base64
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.instance import client as client_module
from generator.instance.client import TableClient, credentials_from_env, instance_url
from generator.simulator.exports import load_data
from tests.conftest import ROOT
from tests.table_api_server import TableAPI

FIXTURE = load_data(ROOT / "examples" / "acme" / "instance")
ENV = {"SN_USER": "svc.reader", "SN_PASSWORD": "correct horse battery staple"}
AUTH = "Basic " + base64.b64encode(b"svc.reader:correct horse battery staple").decode()


def server(**kwargs) -> TableAPI:
    return TableAPI(FIXTURE, AUTH, **kwargs)


def client(api: TableAPI, **kwargs) -> TableClient:
    waits: list[float] = []
    c = TableClient(api.url, credentials_from_env(ENV), sleep=waits.append, **{"timeout": 5.0, **kwargs})
    c.waits = waits  # type: ignore[attr-defined]
    return c


def test_pages_through_a_table_in_sys_id_order_with_the_documented_parameters():
    with server() as api:
        c = client(api)
        pages = list(c.pages("sys_user", fields=("sys_id", "user_name"), page_size=4))
    rows = [r for p in pages for r in p.records]
    want = sorted(({"sys_id": r["sys_id"], "user_name": r["user_name"]} for r in FIXTURE["sys_user"]),
                  key=lambda r: r["sys_id"])
    assert rows == want and len(pages) == -(-len(want) // 4)
    assert {p.total for p in pages} == {len(want)}
    first = api.requests[0][1]
    for param in ("sysparm_query=ORDERBYsys_id", "sysparm_limit=4", "sysparm_offset=0", "sysparm_fields=sys_id%2Cuser_name",
                  "sysparm_exclude_reference_link=true", "sysparm_display_value=false"):
        assert param in first, param
    assert api.requests[1][1].count("sysparm_offset=4") == 1


def test_a_query_is_combined_with_the_stable_order():
    with server() as api:
        rows = [r for p in client(api).pages("sys_user", query="active=true") for r in p.records]
    assert rows and all(r["active"] == "true" for r in rows)
    assert "sysparm_query=active%3Dtrue%5EORDERBYsys_id" in api.requests[0][1]


@pytest.mark.parametrize("fault,waits", [
    (("status", 429, {"Retry-After": "3"}), [3.0]),
    (("status", 503, {}), [1.0]),
    (("status", 500, {}), [1.0]),
    (("drop",), [1.0]),
])
def test_429_5xx_and_a_dropped_connection_are_retried_honouring_retry_after(fault, waits):
    with server() as api:
        api.faults = [fault]
        c = client(api)
        rows = [r for p in c.pages("sys_user_role") for r in p.records]
    assert len(rows) == len(FIXTURE["sys_user_role"]) and c.waits == waits


def test_retries_back_off_exponentially_then_fail_in_one_line():
    with server() as api:
        api.faults = [("status", 500, {})] * 5
        c = client(api, attempts=4)
        with pytest.raises(InputError) as info:
            list(c.pages("sys_user"))
    assert str(info.value) == f"{api.url}: sys_user: HTTP 500, 4 attempts; nothing was written"
    assert c.waits == [1.0, 2.0, 4.0]


def test_a_server_that_hangs_times_out_in_one_line():
    with server() as api:
        api.faults = [("hang", 3)] * 2
        c = client(api, timeout=0.5, attempts=2)
        with pytest.raises(InputError) as info:
            list(c.pages("sys_user"))
    assert str(info.value) == f"{api.url}: sys_user: no answer within 0.5 s, 2 attempts; nothing was written"


@pytest.mark.parametrize("case,message", [
    ("401", "HTTP 401: the instance did not accept the credentials from SN_USER and SN_PASSWORD (or SN_TOKEN) "
            "(User Not Authenticated; Required to provide Auth information)"),
    ("403", "HTTP 403: the user may not read sys_user: it needs a role whose ACLs allow reading this table through "
            "the Table API (snc_read_only plus the table's read ACL, or admin) (User Not Authorized; ACL Exception "
            "Read operation against 'x' failed)"),
    ("404", "HTTP 404: no table sys_user on this instance, or no Table API at /api/now/table/ (Invalid table sys_user)"),
])
def test_refusals_are_one_line_naming_what_is_missing_never_the_credentials(case, message):
    data = {k: v for k, v in FIXTURE.items() if not (case == "404" and k == "sys_user")}
    with TableAPI(data, AUTH if case != "401" else "Basic something-else",
                  forbidden=frozenset({"sys_user"}) if case == "403" else frozenset()) as api:
        with pytest.raises(InputError) as info:
            list(client(api).pages("sys_user"))
    assert str(info.value) == f"{api.url}: sys_user: {message}"
    assert "correct horse" not in str(info.value) and AUTH.split()[1] not in str(info.value)


def test_the_client_sends_nothing_but_get():
    """Read-only, provably: every request the server saw was a GET, and the module's only network call
    is urllib3's request() with the literal method "GET"."""
    with server() as api:
        c = client(api)
        for table in ("sys_user", "sys_user_has_role", "sysauto_script"):
            list(c.pages(table, page_size=3))
        api.faults = [("status", 429, {"Retry-After": "0"}), ("drop",)]
        list(c.pages("sys_properties"))
    assert api.methods == {"GET"} and len(api.requests) > 5
    tree = ast.parse(Path(client_module.__file__).read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr in ("request", "urlopen", "request_encode_body", "request_encode_url")]
    assert len(calls) == 1 and isinstance(calls[0].args[0], ast.Constant) and calls[0].args[0].value == "GET"


@pytest.mark.parametrize("env,header", [
    ({"SN_TOKEN": "tok-123"}, {"Authorization": "Bearer tok-123"}),
    ({"SN_USER": "a", "SN_PASSWORD": "b", "SN_TOKEN": " "}, {"Authorization": "Basic YTpi"}),
])
def test_credentials_come_from_the_environment(env, header):
    assert credentials_from_env(env) == header


def test_no_credentials_is_one_line():
    with pytest.raises(InputError, match="^no credentials: set SN_USER and SN_PASSWORD, or SN_TOKEN"):
        credentials_from_env({"SN_USER": "only-a-user"})


@pytest.mark.parametrize("url,problem", [
    ("http://acme.service-now.com", "HTTPS is required"),
    ("https://admin:pw@acme.service-now.com", "the URL holds a user name or password"),
    ("https://acme.service-now.com/api/now/table/sys_user", "give only the instance's address"),
    ("acme.service-now.com", "give the instance's URL"),
    ("ftp://acme.service-now.com", "give the instance's URL"),
])
def test_bad_instance_urls_are_refused(url, problem):
    with pytest.raises(InputError, match=problem):
        instance_url(url)


def test_loopback_may_use_plain_http():
    assert instance_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert instance_url("http://[::1]:9") == "http://[::1]:9"
    assert instance_url("https://acme.service-now.com") == "https://acme.service-now.com"
