"""Step 3 of the pipeline: render the JavaScript of the plan's records from the Jinja templates.

One Jinja environment with StrictUndefined. Config values reach JavaScript only through the `js`
filter, which writes a JSON literal; nothing from the config is pasted into code as text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from generator import __version__
from generator.config import Environment, Job
from generator.plan import MODES, POSTCLONE_STEPS, Plan
from generator.records import rule_data

# The post-clone script's frame (guard, helpers, step runner, summary); it includes each step's
# template, templates/postclone/steps/<name>.js.j2, in the plan's order.
POSTCLONE_TEMPLATE = "postclone/frame.js.j2"
INSTALL_TEMPLATE = "install/install.js.j2"
JOB_TEMPLATE = "jobs/job.js.j2"
JOB_CONDITION_TEMPLATE = "jobs/condition.js.j2"


def templates_dir() -> Path:
    """templates/ inside the installed package (wheel), else the repository's top-level folder."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / POSTCLONE_TEMPLATE).is_file():
            return candidate
    raise FileNotFoundError(f"postclone templates not found next to {here}")


def js_literal(value: object, indent: int = 0) -> str:
    """A JSON literal that is also safe inside a script element, a CDATA section and any JS engine.

    Tables are laid out one key per line (indented by `indent` spaces plus 4 per level) so a reviewer
    can read and diff them; arrays and scalars stay on one line.
    """
    return _safe(_dump(value, indent))


def _dump(value: object, indent: int) -> str:
    if isinstance(value, dict) and value:
        pad = " " * (indent + 4)
        items = ",\n".join(f"{pad}{json.dumps(str(k), ensure_ascii=False)}: {_dump(v, indent + 4)}"
                           for k, v in value.items())
        return "{\n" + items + "\n" + " " * indent + "}"
    return json.dumps(value, ensure_ascii=False)


def _safe(text: str) -> str:
    return (
        text.replace("</", "<\\/")
        .replace("*/", "*\\/")
        .replace("]]>", "]]\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["js"] = js_literal
    return env


@dataclass(frozen=True, slots=True)
class Script:
    """One generated JavaScript file."""

    filename: str  # path inside the build folder
    table: str  # the record it belongs to
    key: str
    field: str  # the record's field that holds it
    text: str
    user_file: Path | None = None  # for job bodies: the user's file...
    user_label: str = ""
    user_text: str = ""  # ...its text...
    user_line: int = 0  # ...and the artifact line where its line 1 sits
    variant_of: str = ""  # same text as this other script except for the mode argument on the last line


def _env_data(env: Environment) -> dict:
    import html

    return {
        "key": env.key,
        "purpose": env.purpose,
        "header": env.header,
        "headerColor": env.header_color,
        "welcomePage": env.welcome_page,
        "welcomeHtml": f"<h2>{html.escape(env.header)}</h2><p>This is a non-production instance "
        f"({html.escape(env.purpose)}), cloned from production. Data may be out of date; "
        "email and integrations are restricted.</p>",
        "bannerSummary": f"Non-production instance ({env.purpose}), cloned from production.",
        "email": {
            "mode": env.email.mode,
            "redirectTo": ",".join(env.email.redirect_to),
            "purgeOutbox": env.email.purge_outbox,
        },
        "users": {
            "lock": env.users.lock,
            "keepRoles": list(env.users.keep_roles),
            "keepGroups": list(env.users.keep_groups),
            "keepUsers": list(env.users.keep_users),
            "integrationUsers": env.users.integration_users,
        },
        "ldap": {"disable": env.ldap.disable, "mode": env.ldap.mode},
        "scheduledJobs": {"disable": env.scheduled_jobs.disable, "stop": env.scheduled_jobs.stop,
                          "stopTables": list(env.scheduled_jobs.stop_tables), "keep": list(env.scheduled_jobs.keep)},
        "midServers": {"check": env.mid_servers.check, "users": list(env.mid_servers.users)},
        "properties": [{"name": name, "value": value} for name, value in env.properties],
        "endpoints": [{"from": e.source, "action": e.action, "to": e.to} for e in env.endpoints],
        "records": [rule_data(r) for r in env.records],
        "testing": {"atf": env.testing.atf},
        "cloneTarget": env.clone_target,
        "loginReport": env.login_report,
    }


def script_data(plan: Plan) -> dict:
    """The CONFIG object of the post-clone script: everything it needs to know, as data."""
    cfg = plan.config
    instances = {}
    for env in cfg.environments:
        for name in env.instances:
            instances[name] = env.key
    return {
        "updateSet": plan.update_set_name,
        "production": list(cfg.production),
        "productionHosts": [*cfg.production_hosts, *(f"{p}.service-now.com" for p in cfg.production)],
        "instances": dict(sorted(instances.items())),
        "environments": {env.key: _env_data(env) for env in cfg.environments},
        "shippedJobs": plan.shipped_job_ids,
        "scheduledJobs": plan.active_job_ids,
        "runAs": plan.job_run_as,
        "records": {"apply": plan.scripts["apply"].sys_id, "welcome": plan.owned["welcome"].sys_id,
                    "banner": plan.owned["banner"].sys_id, "bannerMapping": plan.owned["banner_mapping"].sys_id},
    }


def render_postclone(plan: Plan, mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    return environment().get_template(POSTCLONE_TEMPLATE).render(
        mode=mode,
        steps=plan.steps,
        tool_version=__version__,
        update_set_name=plan.config.update_set.name,
        update_set_version=plan.config.update_set.version,
        data=script_data(plan),
    )


def install_data(plan: Plan) -> dict:
    """The CONFIG object of the install fix script."""
    cleanup = plan.scripts["cleanup"]
    return {
        "updateSet": plan.update_set_name,
        "production": list(plan.config.production),
        "shippedJobs": plan.shipped_job_ids,
        "scheduledJobs": plan.active_job_ids,
        "runAs": plan.job_run_as,
        "cloneProfiles": list(plan.config.clone_profiles),
        "cleanupScript": cleanup.sys_id,
        "cleanupName": cleanup.name,
        "preservers": [{"sysId": p.sys_id, "name": pr.name, "table": pr.table, "condition": pr.condition,
                        "fields": pr.fields} for pr, p in plan.preservers],
    }


def render_install(plan: Plan, mode: str = "install") -> str:
    """The install fix script; mode "preview" writes nothing (simulate --mode install-preview)."""
    if mode not in ("install", "preview"):
        raise ValueError(f"unknown install mode {mode!r}")
    return environment().get_template(INSTALL_TEMPLATE).render(
        mode=mode, tool_version=__version__, update_set_name=plan.config.update_set.name,
        update_set_version=plan.config.update_set.version, data=install_data(plan))


@lru_cache(maxsize=4)
def postclone_skeleton(steps: tuple[str, ...] = POSTCLONE_STEPS) -> tuple[str, str]:
    """The constant code of the post-clone script: (before the CONFIG literal, after it up to the mode).

    A post-clone script is: one block comment, POSTCLONE_CODE_A, the CONFIG JSON literal,
    POSTCLONE_CODE_B, the mode as a JSON string, ");\n". Validation parses the constant code once, in
    a skeleton, and checks each script's variable parts mechanically (see validate.py).
    """
    env = environment()
    text = env.get_template(POSTCLONE_TEMPLATE).render(
        mode="apply", steps=steps, tool_version=__version__, update_set_name="n",
        update_set_version="v", data={})
    body = text[text.index("*/\n") + 3:]
    marker = "var CONFIG = {};"
    at = body.index(marker) + len("var CONFIG = ")
    tail = MODE_TAIL.search(body)
    assert tail is not None
    return body[:at], body[at + 2: tail.start()] + "})("


MODE_TAIL = re.compile(r'\}\)\("(?:cleanup|apply|preview)"\);\n\Z')


def with_mode(text: str, mode: str) -> str:
    """The same post-clone script with another mode: only the argument on the last line changes."""
    m = MODE_TAIL.search(text)
    if m is None or mode not in MODES:
        raise ValueError("not a post-clone script")
    return text[: m.start()] + "})(" + json.dumps(mode) + ");\n"


JOB_BODY_BEGIN = "// ---- begin of the job's own script\n"


def render_job(plan: Plan, job: Job) -> tuple[str, str, int]:
    """The job's script (guard + user body), its condition, and the artifact line of the body's line 1."""
    text, condition = _render_job_parts(job.name, list(job.run_on), job.script_label, job.description,
                                        job.script.rstrip("\n"), plan.config.update_set.id)
    first_line = text[: text.index(JOB_BODY_BEGIN) + len(JOB_BODY_BEGIN)].count("\n") + 1
    return text, condition, first_line


def _render_job_parts(name: str, run_on: list[str], label: str, description: str, body: str,
                      update_set_id: str) -> tuple[str, str]:
    ctx = dict(
        name=name,
        run_on=run_on,
        run_on_text=", ".join(run_on),
        tool_version=__version__,
        update_set_id=update_set_id,
        script_label=label,
        description=description,
        job={"name": name, "runOn": run_on},
    )
    text = environment().get_template(JOB_TEMPLATE).render(body=body, **ctx)
    condition = environment().get_template(JOB_CONDITION_TEMPLATE).render(**ctx)
    return text, condition


@lru_cache(maxsize=1)
def job_skeleton() -> tuple[str, str, str, str, str]:
    """The constant code around a job's variable parts, from a rendering with placeholder values.

    A job script is: one block comment, JOB_CODE_A, the user's body, JOB_CODE_B, one JSON literal,
    JOB_TAIL. A condition is: one line comment, COND_HEAD, one JSON literal, COND_TAIL. Validation
    uses this to parse the constant code once per build instead of once per job.
    """
    marker = "\u0000BODY\u0000"
    text, condition = _render_job_parts("x", ["a"], "l", "", marker, "c")
    prefix, suffix = text.split(marker)
    code_a = prefix[prefix.index("*/\n") + 3:]
    literal = js_literal({"name": "x", "runOn": ["a"]})
    at = suffix.rindex(literal)
    code_b, tail = suffix[:at], suffix[at + len(literal):]
    after_comment = condition[condition.index("\n") + 1:]
    run_on = js_literal(["a"])
    at = after_comment.index(run_on)
    return code_a, code_b, tail, after_comment[:at], after_comment[at + len(run_on):]


def render(plan: Plan) -> list[Script]:
    """Every generated script of the plan's records, in a fixed order."""
    apply = render_postclone(plan, "apply")
    scripts = []
    for mode, record in plan.scripts.items():
        # One text for the three records; cleanup and preview differ from apply only in the mode.
        text, base = (apply, "") if mode == "apply" else (with_mode(apply, mode), "postclone-apply.js")
        scripts.append(Script(f"postclone-{mode}.js", record.table, record.key, "script", text, variant_of=base))
    scripts.append(Script("postclone-install.js", plan.install.table, plan.install.key, "script", render_install(plan)))
    for job, record in plan.jobs:
        text, condition, first_line = render_job(plan, job)
        scripts.append(Script(f"jobs/{job.key}.js", record.table, record.key, "script", text,
                              job.script_path, job.script_label, job.script, first_line))
        scripts.append(Script(f"jobs/{job.key}.condition.js", record.table, record.key, "condition", condition))
    return scripts
