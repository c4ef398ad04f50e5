"""The simulator's command: `simulate` (run a generated script on a snapshot). It registers on the one
command group of generator/commands.py (`snapshot`, which also reads live instances, stays there)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from generator.commands import CONFIG_ARG, JSON_OPT, check_job_key, cli, wanted_script
from generator.console import Progress, detail, say, warn
from generator.errors import CheckFailed
from generator.simulator import DEFAULT_MAX_MEMORY_MIB, DEFAULT_TIMEOUT


def _check_instance(cfg, instance: str) -> None:
    """An instance that is in no environment and not production is simulated (the guard must refuse
    it), but a typo should not pass for that: say so, with the closest name."""
    known = [*cfg.production, *(i for env in cfg.environments for i in env.instances)]
    name = instance.strip().lower()
    if name and name not in known:
        import difflib

        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        warn(f"--instance {instance!r} is in no environment and is not production{hint}: the script's guard treats it "
             "as an unknown instance and writes nothing")


@cli.command()
@CONFIG_ARG
@click.option("--instance", required=True, help="instance_name of the simulated instance (may be empty).")
@click.option("--data", "data_path", required=True, type=click.Path(path_type=Path),
              help="Folder (or file) of list exports: <unload> XML or {\"table\": [records]} JSON.")
@click.option("--mode", type=click.Choice(["cleanup", "apply", "preview", "install", "install-preview"]),
              default="cleanup", show_default=True,
              help="Which script to run: a post-clone script, or the install fix script (install-preview writes "
                   "nothing; run it on a production snapshot).")
@click.option("--job", "job_key", metavar="KEY", help="Run this guarded job's script instead.")
@click.option("--user", default="admin", show_default=True, help="user_name of the user running the script.")
@click.option("--engine", type=click.Choice(["v8", "rhino"]), default="v8", show_default=True,
              help="v8 (embedded, mini-racer) or rhino (the `rhino` command).")
@click.option("--timeout", "timeout_sec", type=click.FloatRange(0.1, 3600), default=DEFAULT_TIMEOUT,
              show_default=True, metavar="SECONDS",
              help="Stop the script after this long (on rhino: the whole engine run, data loading included).")
@click.option("--max-memory", "memory_mib", type=click.IntRange(64, 1 << 20), default=DEFAULT_MAX_MEMORY_MIB,
              show_default=True, metavar="MIB", help="Stop the script when the engine's heap passes this size.")
@JSON_OPT
def simulate(config: Path, instance: str, data_path: Path, mode: str, job_key: str | None, user: str,
             engine: str, timeout_sec: float, memory_mib: int, as_json: bool) -> None:
    """Run a generated script against instance exports and report every change."""
    from generator import config as cfgmod
    from generator import plan
    from generator.render import render as render_all
    from generator.simulator.exports import engine_items
    from generator.simulator.run import simulate as run
    from generator.validate import validate as check

    wanted = wanted_script(mode, job_key)
    cfg = cfgmod.load(config)
    check_job_key(cfg, job_key)
    _check_instance(cfg, instance)
    the_plan = plan.make(cfg)
    scripts = render_all(the_plan)
    check(scripts)
    if mode == "install-preview" and job_key is None:
        from generator.render import render_install
        from generator.validate import check_script

        script = render_install(the_plan, "preview")
        check_script(script, wanted)
    else:
        script = next(s.text for s in scripts if s.filename == wanted)
    start = time.perf_counter()
    with Progress(f"simulating {wanted} on {instance!r} ({engine})"):
        report = run(script, engine_items(data_path), instance, script_name=wanted, user=user, engine=engine,
                     timeout_sec=timeout_sec, memory_mib=memory_mib)
    seconds = time.perf_counter() - start
    tables = report.tables
    missing = report.missing_tables()
    if as_json:
        out = report.to_json()
        out["seconds"] = round(seconds, 3)
        out["tables"] = tables
        out["missing_tables"] = [{"table": t, "steps": steps} for t, steps in missing.items()]
        click.echo(json.dumps(out, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        say(f"data: {len(tables)} tables, {sum(tables.values())} records from {data_path}: {', '.join(tables)}")
        detail("rows per table: " + ", ".join(f"{t} {n}" for t, n in tables.items()))
        say(report.to_text() + f" ({seconds:.2f}s)")
        for table, steps in missing.items():
            who = f"step {steps[0]}" if len(steps) == 1 else "steps " + ", ".join(steps)
            warn(f"the data has no {table} table, which {who} read: {who} saw an instance without it (export the "
                 "table, even empty, if the instance has it)")
    if not report.ok:
        raise CheckFailed("")
