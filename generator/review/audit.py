"""`postclone audit-jobs`: find active scripted jobs that do not check which instance they run on.

After the next clone, such a job runs on every sub-production copy as well as on production. A job
counts as guarded when its script, or its condition while `conditional` is true, reads the
`instance_name` property (ServiceNow's checklist: "Always check for the instance name in the
scheduled job").
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

# Tables of the Scheduled Jobs module that carry a script.
SCRIPTED = ("sysauto_script", "sysauto")
# A read of the property, e.g. gs.getProperty('instance_name') or gs.getProperty("instance_name", "").
INSTANCE_CHECK = re.compile(r"""getProperty\s*\(\s*['"]instance_name['"]""")


@dataclass(frozen=True, slots=True)
class Finding:
    table: str
    sys_id: str
    name: str
    run_type: str
    reason: str


def audit_jobs(data: dict[str, list[dict[str, str]]]) -> tuple[list[Finding], int]:
    """Return (unguarded active scripted jobs sorted by name, number of active scripted jobs examined)."""
    findings: list[Finding] = []
    examined = 0
    for table in SCRIPTED:
        for job in data.get(table, []):
            if table == "sysauto" and job.get("sys_class_name", "sysauto_script") != "sysauto_script":
                continue
            if job.get("active", "") != "true":
                continue
            examined += 1
            script = job.get("script", "")
            condition = job.get("condition", "") if job.get("conditional") == "true" else ""
            if INSTANCE_CHECK.search(script) or INSTANCE_CHECK.search(condition):
                continue
            if not script.strip():
                reason = "no script and no instance check in its condition"
            elif job.get("condition", "").strip() and job.get("conditional") != "true":
                reason = "its condition is not used (conditional is false) and the script does not read instance_name"
            else:
                reason = "neither the script nor the condition reads instance_name"
            findings.append(Finding(table, job.get("sys_id", ""), job.get("name", ""), job.get("run_type", ""), reason))
    findings.sort(key=lambda f: (f.name, f.sys_id))
    return findings, examined


def to_json(findings: list[Finding], examined: int) -> dict:
    return {"examined": examined, "unguarded": [asdict(f) for f in findings]}


def to_text(findings: list[Finding], examined: int) -> str:
    if not findings:
        return f"ok: all {examined} active scripted jobs check instance_name"
    lines = [f"{len(findings)} of {examined} active scripted jobs do not check instance_name "
             "(they will also run on every clone):"]
    lines += [f"  {f.name!r} ({f.table} {f.sys_id}, {f.run_type or 'no run type'}): {f.reason}" for f in findings]
    return "\n".join(lines)
