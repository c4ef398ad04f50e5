"""A local stand-in for an instance's REST Table API, written from ServiceNow's documented contract
(markdown/api-reference/rest-apis/c_TableAPI.md, "Table - GET /now/table/{tableName}"):

- GET /api/now/table/{tableName} with sysparm_query (conditions joined by ^, ORDERBY<field>),
  sysparm_fields, sysparm_limit (default 10000), sysparm_offset, sysparm_exclude_reference_link and
  sysparm_display_value;
- a 200 answer is {"result": [...]} with the headers X-Total-Count and Link (rel="first", "prev",
  "next", "last");
- errors are {"error": {"message": ..., "detail": ...}, "status": "failure"}: 401 without valid
  credentials, 403 for a table the user may not read, 404 for an unknown table.

Faults are scripted per test: answer 429 with Retry-After, answer 500, drop the connection, or hang.
Every request's method is recorded, so a test can prove the client sends nothing but GET.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class TableAPI:
    def __init__(self, data: dict[str, list[dict[str, str]]], authorization: str, forbidden: frozenset[str] = frozenset()):
        self.data = data
        self.authorization = authorization
        self.forbidden = forbidden
        self.faults: list[tuple] = []  # consumed one per request: ("status", code, headers) | ("drop",) | ("hang", s)
        self.requests: list[tuple[str, str]] = []  # (method, path with query)
        self._cache: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "TableAPI":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def matching(self, table: str, query: str) -> list[dict[str, str]]:
        """The rows of an encoded query (field=value terms, ORDERBY<field>), computed once per query:
        a client pages through the same query, so a 1,000,000-row table is sorted once, not per page."""
        key = (table, query)
        if key not in self._cache:
            rows = list(self.data[table])
            order = None
            for term in filter(None, query.split("^")):
                if term.startswith("ORDERBY"):
                    order = term[len("ORDERBY"):]
                elif "=" in term:
                    field, value = term.split("=", 1)
                    rows = [r for r in rows if r.get(field, "") == value]
            if order:
                rows.sort(key=lambda r: r.get(order, ""))
            self._cache[key] = rows
        return self._cache[key]

    @property
    def methods(self) -> set[str]:
        return {m for m, _ in self.requests}

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _any(self) -> None:
                api.requests.append((self.command, self.path))
                if self.command != "GET":
                    return self._json(405, {"error": {"message": "Method not allowed", "detail": ""},
                                            "status": "failure"})
                if api.faults:
                    fault = api.faults.pop(0)
                    if fault[0] == "drop":
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return None
                    if fault[0] == "hang":
                        time.sleep(fault[1])
                        return None
                    if fault[0] == "status":
                        return self._json(fault[1], {"error": {"message": "Too many requests" if fault[1] == 429
                                                               else "Internal error", "detail": ""},
                                                     "status": "failure"}, fault[2] if len(fault) > 2 else {})
                if self.headers.get("Authorization") != api.authorization:
                    return self._json(401, {"error": {"message": "User Not Authenticated",
                                                      "detail": "Required to provide Auth information"},
                                            "status": "failure"})
                return self._table()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

            def _table(self) -> None:
                parts = urlsplit(self.path)
                if not parts.path.startswith("/api/now/table/"):
                    return self._json(400, {"error": {"message": "Requested URI does not represent any resource",
                                                      "detail": ""}, "status": "failure"})
                table = parts.path[len("/api/now/table/"):]
                q = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                if table in api.forbidden:
                    return self._json(403, {"error": {"message": "User Not Authorized",
                                                      "detail": "ACL Exception Read operation against 'x' failed"},
                                            "status": "failure"})
                if table not in api.data:
                    return self._json(404, {"error": {"message": "Invalid table " + table, "detail": ""},
                                            "status": "failure"})
                rows = api.matching(table, q.get("sysparm_query", ""))
                limit = int(q.get("sysparm_limit", "10000"))
                offset = int(q.get("sysparm_offset", "0"))
                page = rows[offset: offset + limit]
                fields = [f for f in q.get("sysparm_fields", "").split(",") if f]
                if fields:
                    page = [{f: r.get(f, "") for f in fields} for r in page]
                base = f"{api.url}{parts.path}?sysparm_limit={limit}&sysparm_offset="
                links = [f'<{base}0>;rel="first"']
                if offset > 0:
                    links.append(f'<{base}{max(0, offset - limit)}>;rel="prev"')
                if offset + limit < len(rows):
                    links.append(f'<{base}{offset + limit}>;rel="next"')
                links.append(f'<{base}{max(0, (len(rows) - 1) // limit * limit)}>;rel="last"')
                return self._json(200, {"result": page}, {"X-Total-Count": str(len(rows)), "Link": ",".join(links)})

            def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

        return Handler


def serve(users: int, jobs: int, seconds: float) -> None:
    """`python tests/table_api_server.py USERS JOBS SECONDS`: serve a synthetic instance (for the
    benchmark), print the URL, stop after SECONDS. Credentials: SN_USER=bench, SN_PASSWORD=bench."""
    import base64
    import sys

    from generator.simulator.synthetic import large

    auth = "Basic " + base64.b64encode(b"bench:bench").decode()
    with TableAPI(large(users=users, jobs=jobs), auth) as api:
        sys.stdout.write(api.url + "\n")
        sys.stdout.flush()
        time.sleep(seconds)


if __name__ == "__main__":
    import sys

    serve(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
