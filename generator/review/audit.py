"""`postclone audit-jobs`: find active scripted jobs that do not check which instance they run on.

After the next clone, such a job runs on every sub-production copy as well as on production. A job
counts as guarded when its script, or its condition while `conditional` is true, reads the
`instance_name` property (ServiceNow's checklist: "Always check for the instance name in the
scheduled job"). Only code counts: the script is split into tokens with esprima, so a call in a
comment or inside a string is not a check. A script that does not parse cannot be shown to check.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

# Tables of the Scheduled Jobs module that carry a script.
SCRIPTED = ("sysauto_script", "sysauto")
# A read of the property, e.g. gs.getProperty('instance_name') or gs.getProperty("instance_name", "").
INSTANCE_CHECK = re.compile(r"""getProperty\s*\(\s*['"]instance_name['"]""")


def reads_instance_name(code: str) -> bool | None:
    """Whether the code (not its comments or strings) calls getProperty('instance_name'); None when
    it does not parse as JavaScript."""
    if not INSTANCE_CHECK.search(code):
        return False  # the text does not even hold the call: no need to tokenize
    from generator.esprima_fast import load

    esprima = load()
    try:
        tokens = [(t.type, t.value) for t in esprima.tokenize(code)]
    except esprima.Error:
        return None
    for i in range(len(tokens) - 2):
        if tokens[i] == ("Identifier", "getProperty") and tokens[i + 1] == ("Punctuator", "(") \
                and tokens[i + 2][0] == "String" and tokens[i + 2][1][1:-1] == "instance_name":
            return True
    return False


@dataclass(frozen=True, slots=True)
class Finding:
    table: str
    sys_id: str
    name: str
    run_type: str
    reason: str


def audit_jobs(data: dict[str, list[dict[str, str]]], source: str = "the data") -> tuple[list[Finding], int]:
    """Return (unguarded active scripted jobs sorted by name, number of active scripted jobs examined).
    Data without one scripted job record is an InputError: it is not an export of Scheduled Jobs."""
    if not any(data.get(table) for table in SCRIPTED):
        from generator.errors import InputError

        held = ", ".join(sorted(t for t in data if data[t])) or "no records"
        raise InputError(f"{source}: holds no sysauto_script records ({held}); export the scheduled script "
                         "executions (the sysauto_script list, Export > XML) and pass that file or its folder")
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
            in_script, in_condition = reads_instance_name(script), reads_instance_name(condition)
            if in_script or in_condition:
                continue
            if in_script is None:
                reason = "the script does not parse as JavaScript, so no instance check can be seen in it"
            elif not script.strip():
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
