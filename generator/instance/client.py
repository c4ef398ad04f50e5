"""A small, read-only client for ServiceNow's REST Table API (`GET /api/now/table/{tableName}`).

What it relies on is ServiceNow's documentation, markdown/api-reference/rest-apis/c_TableAPI.md,
section "Table - GET /now/table/{tableName}":
- the parameters sysparm_query, sysparm_fields, sysparm_limit, sysparm_offset,
  sysparm_exclude_reference_link and sysparm_display_value ("false: Returns the actual values from
  the database");
- paging: "To simply page through all available records, use sysparm_offset=sysparm_offset+
  sysparm_limit, until you reach the end of all records", in a stable order (`ORDERBYsys_id`: "Encoded
  queries also support order by ascending ... use the ORDERBY ... clauses in sysparm_query");
- the response body {"result": [...]} and the headers Link (rel="next" while there are more) and
  X-Total-Count ("Total count of records returned by the query").

Read-only by construction: `_get` is the only place that talks to the network, and it sends GET
(tests/test_instance_client.py proves that no other method is ever sent). Transport is urllib3
(pooled connections, timeouts, bounded streaming reads); retries are ours: 429 and 5xx answers and
dropped connections are retried with exponential backoff, honouring Retry-After. Every failure is
one line that names the instance and the table, never the credentials.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import time
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping
from urllib.parse import urlencode, urlsplit

from generator.errors import InputError

API = "/api/now/table/"
MAX_PAGE_BYTES = 256 * 1024 * 1024  # one page of JSON; 1,000 records are far smaller
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 120.0  # seconds: a longer Retry-After is an error, not a wait


class Refused(InputError):
    """The instance answered with an HTTP error that retrying will not fix (401, 403, 404, ...)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Page:
    records: list[dict[str, str]]
    total: int | None  # X-Total-Count, when the instance sent it


def credentials_from_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The Authorization header from SN_TOKEN (an OAuth access token) or SN_USER + SN_PASSWORD.
    Credentials come only from the environment: never from the config or the command line."""
    if env is None:
        env = os.environ
    token = env.get("SN_TOKEN", "").strip()
    user, password = env.get("SN_USER", ""), env.get("SN_PASSWORD", "")
    if token:
        return {"Authorization": f"Bearer {token}"}
    if user and password:
        pair = base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")
        return {"Authorization": f"Basic {pair}"}
    raise InputError("no credentials: set SN_USER and SN_PASSWORD, or SN_TOKEN (an OAuth access token), in the "
                     "environment; postclone reads them from nowhere else")


def instance_url(url: str) -> str:
    """The instance's base URL, checked: https (plain http only for a loopback address), a host, no
    user or password in it, and no path, query or fragment."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InputError(f"--from {url!r}: give the instance's URL, for example https://acme.service-now.com")
    if parts.username or parts.password:
        raise InputError("--from: the URL holds a user name or password; credentials come only from SN_USER and "
                         "SN_PASSWORD (or SN_TOKEN) in the environment")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InputError(f"--from {url!r}: give only the instance's address (no path, query or fragment)")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise InputError(f"--from {url!r}: HTTPS is required (plain http only for a loopback address such as "
                         "127.0.0.1, as the tests use)")
    return f"{parts.scheme}://{parts.netloc}"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TableClient:
    def __init__(self, base_url: str, headers: dict[str, str], *, timeout: float = 60.0, attempts: int = 5,
                 backoff: float = 1.0, sleep: Callable[[float], None] = time.sleep) -> None:
        import urllib3

        self.base = instance_url(base_url)
        self.headers = {"Accept": "application/json", **headers}
        self.timeout = urllib3.Timeout(connect=min(timeout, 15.0), read=timeout)
        self.attempts, self.backoff, self.sleep = attempts, backoff, sleep
        self.http = urllib3.PoolManager(retries=False, timeout=self.timeout)

    def pages(self, table: str, query: str = "", fields: tuple[str, ...] = (), page_size: int = 1000) -> Iterator[Page]:
        """Every record of `table` matching `query`, page by page, in sys_id order."""
        params = {
            "sysparm_query": (f"{query}^" if query else "") + "ORDERBYsys_id",
            "sysparm_limit": str(page_size),
            "sysparm_exclude_reference_link": "true",
            "sysparm_display_value": "false",
        }
        if fields:
            params["sysparm_fields"] = ",".join(fields)
        offset = 0
        while True:
            status, headers, body = self._get(table, {**params, "sysparm_offset": str(offset)})
            records = self._records(table, body)
            total = headers.get("X-Total-Count")
            yield Page(records, int(total) if total and total.isdigit() else None)
            offset += len(records)
            has_next = 'rel="next"' in headers.get("Link", "")
            if len(records) < page_size and not has_next or not records:
                return

    def _records(self, table: str, body: bytes) -> list[dict[str, str]]:
        try:
            data = json.loads(body)
        except ValueError:
            raise InputError(f"{self.base}: the answer for {table} is not JSON (is this a ServiceNow "
                             "instance?)") from None
        result = data.get("result") if isinstance(data, dict) else None
        if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
            raise InputError(f"{self.base}: the answer for {table} is not the Table API's {{\"result\": [...]}}")
        return [{k: _text(v) for k, v in r.items()} for r in result]

    def _get(self, table: str, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """The one request this client makes: a GET, retried on 429, 5xx and dropped connections."""
        import urllib3

        url = f"{self.base}{API}{table}?{urlencode(params)}"
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.http.request("GET", url, headers=self.headers, preload_content=False,
                                             redirect=False)
            except urllib3.exceptions.TimeoutError:
                problem = f"no answer within {self.timeout.read_timeout:g} s"
            except urllib3.exceptions.HTTPError as err:
                problem = f"the connection failed ({type(err).__name__})"
            else:
                try:
                    body = response.read(MAX_PAGE_BYTES + 1, decode_content=True)
                except urllib3.exceptions.TimeoutError:
                    problem = f"no answer within {self.timeout.read_timeout:g} s"
                except urllib3.exceptions.HTTPError as err:
                    problem = f"the connection failed while reading ({type(err).__name__})"
                else:
                    if len(body) > MAX_PAGE_BYTES:
                        raise InputError(f"{self.base}: a page of {table} is over {MAX_PAGE_BYTES >> 20} MiB")
                    if response.status == 200:
                        return response.status, dict(response.headers), body
                    if response.status not in RETRY_STATUS:
                        raise Refused(self._refused(table, response.status, body), response.status)
                    problem = f"HTTP {response.status}"
                    wait = _retry_after(response.headers.get("Retry-After"))
                    if wait is not None and wait > MAX_RETRY_AFTER:
                        raise InputError(f"{self.base}: {table}: HTTP {response.status} with Retry-After {wait:g} s "
                                         f"(over {MAX_RETRY_AFTER:g} s); try again later")
                    if attempt < self.attempts:
                        self.sleep(wait if wait is not None else self._backoff(attempt))
                    continue
                finally:
                    response.release_conn()
            if attempt < self.attempts:
                self.sleep(self._backoff(attempt))
        raise InputError(f"{self.base}: {table}: {problem}, {self.attempts} attempts; nothing was written")

    def _backoff(self, attempt: int) -> float:
        """The wait before the next attempt: doubling from `backoff`, never longer than the timeout."""
        return min(self.backoff * 2 ** (attempt - 1), float(self.timeout.read_timeout or 60.0))

    def _refused(self, table: str, status: int, body: bytes) -> str:
        detail = _error_message(body)
        why = {
            401: "the instance did not accept the credentials from SN_USER and SN_PASSWORD (or SN_TOKEN)",
            403: f"the user may not read {table}: it needs a role whose ACLs allow reading this table through the "
                 "Table API (snc_read_only plus the table's read ACL, or admin)",
            404: f"no table {table} on this instance, or no Table API at {API}",
        }.get(status, "the instance refused the request")
        return f"{self.base}: {table}: HTTP {status}: {why}" + (f" ({detail})" if detail else "")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):  # a reference with a link, when sysparm_exclude_reference_link was ignored
        return str(value.get("value", ""))
    return str(value)


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (a number of seconds; an HTTP date is taken as 'soon': one backoff)."""
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def _error_message(body: bytes) -> str:
    """The Table API's error text ({"error": {"message": ..., "detail": ...}}), at most 200 characters."""
    try:
        error = json.loads(body).get("error", {})
        text = "; ".join(str(error[k]) for k in ("message", "detail") if error.get(k))
    except (ValueError, AttributeError, TypeError):
        return ""
    return text[:200]
