"""What a configuration's scripts read from an instance, found by running them (for `snapshot --from`).

Not a hand-kept list: every script the release ships (each environment's post-clone script, each
guarded job on an instance it runs on, and the install script on production) runs in the simulator
on a synthetic instance, and the emulation journals every table and field the run touched (queries,
presence checks, field reads, dot-walks and writes; glide/store.js `noteRead`). The synthetic instance
holds the config's own names (keep lists, MID server users, run_as users, clone profiles), so the
steps take their full paths instead of stopping at "matches nobody".
"""

from __future__ import annotations

from generator.config import Config
from generator.simulator.synthetic import large, sid

# sys_user holds personal data, so a snapshot reads only the fields the scripts touched, plus those
# the emulation itself needs to run them (judgement: it finds the running user by user_name, and
# every record by sys_id and sys_class_name).
SYS_USER_ALWAYS = ("sys_id", "sys_class_name", "user_name", "active", "locked_out")


def tables_read(cfg: Config) -> dict[str, list[str]]:
    """table -> the fields the config's scripts read of it (sorted)."""
    from generator import plan
    from generator.render import render, render_install
    from generator.simulator.run import simulate

    the_plan = plan.make(cfg)
    scripts = {s.filename: s.text for s in render(the_plan)}
    runs = [(scripts["postclone-apply.js"], env.instances[0]) for env in cfg.environments]
    runs += [(scripts[f"jobs/{job.key}.js"], job.run_on[0]) for job in cfg.jobs]
    runs.append((render_install(the_plan, "preview"), cfg.production[0]))
    reads: dict[str, set[str]] = {}
    children: dict[str, list[str]] = {}
    data = _instance_for(cfg)  # the engine gets a copy each run (as JSON), so one instance serves all runs
    for text, instance in runs:
        report = simulate(text, data, instance)
        children = report.children
        for table, touched in report.reads.items():
            reads.setdefault(table, set()).update(touched)
    # A parent table (sysauto) answers with the rows of all its children; the emulation holds rows in
    # the children only, so a snapshot reads each child instead (the instance's 404 marks one absent).
    for parent, kids in children.items():
        if parent in reads:
            fields = reads.pop(parent)
            for kid in kids:
                reads.setdefault(kid, set()).update(fields)
    reads.setdefault("sys_user", set()).update(SYS_USER_ALWAYS)
    return {t: sorted(f) for t, f in sorted(reads.items())}


def _instance_for(cfg: Config) -> dict[str, list[dict[str, str]]]:
    """A small synthetic instance that also holds every name the config refers to."""
    data = large(users=60, jobs=24, groups=8)

    def add(table: str, key: str, names, extra: dict[str, str] | None = None) -> None:
        rows = data.setdefault(table, [])
        have = {r.get(key) for r in rows}
        for name in names:
            if name and name not in have:
                have.add(name)
                rows.append({"sys_id": sid(f"cfg-{table}", name), key: name, **(extra or {})})

    person = {"active": "true", "locked_out": "false"}
    for env in cfg.environments:
        add("sys_user", "user_name", [*env.users.keep_users, *env.mid_servers.users], person)
        add("sys_user_role", "name", env.users.keep_roles)
        add("sys_user_group", "name", env.users.keep_groups)
    add("sys_user", "user_name", [job.run_as for job in cfg.jobs], person)
    add("clone_profile", "name", cfg.clone_profiles)
    data.setdefault("clone_profile_cleanup_scripts_list", [])
    return data
