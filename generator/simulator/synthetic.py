"""Synthetic instances for the simulator and the benchmarks, of any size.

`large` builds an instance with the same shape as the ACME fixture (used by the benchmark: 100,000
users, 5,000 jobs); `postclone snapshot` writes it as list exports.
"""

from __future__ import annotations

import hashlib

from generator.ids import record_id

EXAMPLE_SET = "acme-postclone"  # update_set.id of examples/acme, whose shape these instances follow


def sid(*parts: object) -> str:
    return hashlib.md5(":".join(map(str, parts)).encode()).hexdigest()  # noqa: S324 - an id, not security


def large(users: int = 100_000, jobs: int = 5_000, groups: int = 200) -> dict[str, list[dict[str, str]]]:
    """A synthetic instance: `users` users (2% admins, 1% UAT testers, some locked or inactive), `jobs`
    scheduled jobs across the sysauto tables, LDAP servers, queued mail and MID servers."""
    roles = [{"sys_id": sid("role", r), "name": r} for r in ("admin", "itil", "mid_server", "web_service_admin")]
    role_id = {r["name"]: r["sys_id"] for r in roles}
    group_rows = [{"sys_id": sid("group", g), "name": f"Group {g}",
                   "email": f"group{g}@acme.example" if g % 4 == 2 else ""} for g in range(groups)]
    group_rows[0]["name"] = "UAT Testers"
    group_rows[1]["name"] = "Training participants"
    data: dict[str, list[dict[str, str]]] = {
        "sys_user_role": roles,
        "sys_user_group": group_rows,
        "sys_user": [],
        "sys_user_has_role": [],
        "sys_user_grmember": [],
    }
    for i in range(users):
        uid = sid("user", i)
        name = {0: "admin", 1: "mid.server.acme", 2: "svc.integration.hr"}.get(i, f"user{i:06d}")
        data["sys_user"].append({
            "sys_id": uid, "user_name": name, "name": f"User {i}",
            "active": "false" if i % 97 == 5 else "true",
            "locked_out": "true" if i % 89 == 7 else "false",
            "source": "ldap:CN=User {i},DC=acme,DC=example" if i % 4 == 0 else "",
            "web_service_access_only": "true" if i == 2 else "false",
            "internal_integration_user": "true" if i == 1 else "false",
        })
        if i % 50 == 0:
            data["sys_user_has_role"].append({"sys_id": sid("hr", i, "admin"), "user": uid, "role": role_id["admin"]})
        if i % 3 == 0:
            data["sys_user_has_role"].append({"sys_id": sid("hr", i, "itil"), "user": uid, "role": role_id["itil"]})
        if i == 1:
            data["sys_user_has_role"].append(
                {"sys_id": sid("hr", i, "mid"), "user": uid, "role": role_id["mid_server"]})
        data["sys_user_grmember"].append({"sys_id": sid("gm", i), "user": uid,
                                          "group": group_rows[0 if i % 100 == 1 else 2 + i % (groups - 2)]["sys_id"]})
    kinds = ["sysauto_script", "sysauto_report", "sysauto_template", "scheduled_import_set"]
    for kind in kinds:
        data[kind] = []
    # Most jobs are the customer's (package Global); every seventh is a plugin's, every eleventh a store app's.
    plugin, store = sid("package", "plugin"), sid("scope", "sn_store_app")
    data["sys_package"] = [{"sys_id": "global", "name": "Global"}, {"sys_id": plugin, "name": "A plugin"}]
    data["sys_scope"] = [{"sys_id": "global", "scope": "global"}, {"sys_id": store, "scope": "sn_store_app"}]
    for j in range(jobs):
        kind = kinds[j % len(kinds)]
        package = plugin if j % 7 == 3 else (store if j % 11 == 4 else "global")
        data[kind].append({"sys_id": sid("job", j), "name": f"Job {j:05d}",
                           "active": "false" if j % 10 == 0 else "true",
                           "run_type": "daily", "sys_package": package,
                           "sys_scope": store if package == store else "global"})
        if kind == "sysauto_script":
            calls = "new sn_ws.RESTMessageV2('Partner', 'post').execute();"
            data[kind][-1]["script"] = calls if j % 13 == 0 else "gs.log('job');"
    data["ldap_server_config"] = [{"sys_id": sid("ldap", i), "name": f"LDAP {i}", "active": "true",
                                   "listener": "true" if i == 0 else "false"} for i in range(3)]
    ldap_source = sid("data-source", "ldap")
    data["sys_data_source"] = [{"sys_id": ldap_source, "name": "LDAP users", "type": "LDAP"}]
    for n, row in enumerate(data["scheduled_import_set"]):
        row["data_source"] = ldap_source if n % 2 == 0 else ""
    data["sys_email"] = [{"sys_id": sid("mail", i), "type": "send-ready" if i % 2 else "sent",
                          "subject": f"Mail {i}"} for i in range(2_000)]
    data["sys_properties"] = [
        {"sys_id": sid("prop", n), "name": n, "value": v} for n, v in (
            ("glide.email.smtp.active", "true"), ("glide.email.read.active", "true"),
            ("glide.product.description", "ACME"), ("css.$navpage-header-bg", "#293E40"),
            ("glide.appcreator.company.code", "acme"))
    ]
    data["ecc_agent"] = [{"sys_id": sid("mid", 0), "name": "acme-mid-01", "status": "Up", "validated": "true",
                          "user_name": "mid.server.acme"}]
    data["ecc_agent_issue"] = []
    data["sys_home"] = []
    data["sys_ux_banner_announcement"] = []
    data["sys_ux_banner_announcement_config"] = [{"sys_id": sid("banner-config", 0), "name": "Unified Navigation"}]
    data["sys_ux_m2m_banner_announcement"] = []
    data["sys_trigger"] = []
    # Outbound integrations on the example's production hosts (instances.production_hosts), one per
    # host and kind, as the example's endpoint rules expect them.
    message = sid("rest", "hr")
    data["sys_rest_message"] = [
        {"sys_id": message, "name": "Workday HR", "rest_endpoint": "https://hr.acme.example/api/v1"},
        {"sys_id": sid("rest", "pay"), "name": "Payments gateway", "rest_endpoint": "https://payments.acme.example/v2"}]
    data["sys_rest_message_fn"] = [{"sys_id": sid("rest-fn", "hr"), "function_name": "get employees",
                                    "rest_message": message,
                                    "rest_endpoint": "https://hr.acme.example/api/v1/employees"}]
    data["sys_soap_message_function"] = [{"sys_id": sid("soap", 0), "name": "CreateTicket",
                                          "soap_endpoint": "https://itsm.acme.example/soap/ticket"}]
    data["http_connection"] = [{"sys_id": sid("conn", 0), "name": "Acme Data Lake", "active": "true",
                                "connection_url": "https://datalake.acme.example/ingest"}]
    # The example's update set, committed on production and so carried by the clone: its apply fix
    # script holds the record of locked users.
    data["sys_script_fix"] = [{"sys_id": record_id(EXAMPLE_SET, "sys_script_fix", "apply"),
                               "name": f"postclone apply {EXAMPLE_SET}"}]
    return data
