"""The `postclone` commands (click). Each parses options, makes one call into the pipeline and
reports; errors propagate to the one boundary in generator/cli.py."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import click

from generator import __version__
from generator.console import detail, say, warn
from generator.errors import CheckFailed, InputError
from generator.shortcut import BUILD_OPTIONS

CONFIG_ARG = click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
JSON_OPT = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


def _emit(data: dict, as_json: bool, human: str) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        say(human)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="postclone")
# The global flags are taken out of the arguments by cli.py (anywhere on the line, see console.py);
# they are declared here so that --help lists them.
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors (also after the command).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and warnings (also after the command).")
@click.option("-v", "--verbose", is_flag=True, help="Print more detail on stderr (also after the command).")
def cli(debug: bool, quiet: bool, verbose: bool) -> None:
    """Guarded ServiceNow post-clone automation from one TOML file.

    The pipeline is config -> plan -> render -> validate -> package -> write. Start with
    `postclone init my-company.toml`, then `postclone build my-company.toml`.
    """


@cli.command()
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(config: Path, force: bool) -> None:
    """Write a commented starter CONFIG that builds as written."""
    from generator.render import templates_dir

    if config.exists() and not force:
        raise InputError(f"{config}: already exists (use --force to overwrite)")
    from generator.config import slug

    # An explicit update_set.id, from the file's name: renaming the update set later keeps every sys_id.
    text = (templates_dir() / "starter.toml").read_text(encoding="utf-8").replace(
        'id = "post-clone-automation"', f'id = "{slug(config.stem)}"', 1)
    try:
        config.write_text(text, encoding="utf-8")
    except OSError as err:
        raise InputError(f"{config}: cannot write: {err.strerror}") from None
    say(f"wrote {config}: edit the instance names, then run: postclone build {config}")


@cli.command()
@CONFIG_ARG
@JSON_OPT
def validate(config: Path, as_json: bool) -> None:
    """Check CONFIG and every script it generates; write nothing."""
    from generator import config as cfgmod
    from generator.pipeline import assemble
    from generator.validate import Cache

    start = time.perf_counter()
    cfg = cfgmod.load(config)
    build = assemble(cfg, epoch=0, cache=Cache.default())
    scripts = [name for name in build.files if name.endswith(".js")]
    seconds = time.perf_counter() - start
    _emit(
        {"ok": True, "config": str(config), "scripts": scripts, "seconds": round(seconds, 3)},
        as_json,
        f"ok: {config}: configuration and {len(scripts)} scripts checked ({seconds:.2f}s)",
    )


def _build_option(name: str):
    """A `build` option as generator/shortcut.py declares it (the shortcut parses the same names)."""
    o = BUILD_OPTIONS[name]
    if not o.takes_value:
        return click.option(*o.flags, name, is_flag=True, help=o.help)
    default = Path(o.default) if o.default is not None else None
    return click.option(*o.flags, name, type=click.Path(path_type=Path), default=default,
                        show_default=default is not None, help=o.help)


@cli.command()
@CONFIG_ARG
@_build_option("out")
@_build_option("previous")
@_build_option("check")
@_build_option("force")
@_build_option("as_json")
def build(config: Path, out: Path, previous: Path | None, check: bool, force: bool, as_json: bool) -> None:
    """Build CONFIG into OUT/<id>-<version>/: update set XML, scripts, manifest."""

    from generator import config as cfgmod
    from generator.buildfolder import (
        compare,
        read_manifest,
        record_changes,
        target,
        unchanged,
        up_to_date_text,
        written_by_postclone,
    )
    from generator.pipeline import assemble_plan
    from generator.plan import MANIFEST_FILE
    from generator.validate import Cache
    from generator.write import write

    start = time.perf_counter()
    cfg = cfgmod.load(config)
    the_plan, folder, inputs = target(cfg, out, previous)
    if check:
        if not (folder / MANIFEST_FILE).is_file():
            _emit({"folder": str(folder), "up_to_date": False, "differences": ["missing: the whole build"]},
                  as_json, f"{folder}/: no build here; run: postclone build {config}")
            raise CheckFailed("")
        existing = read_manifest(folder)
        epoch = None if os.environ.get("SOURCE_DATE_EPOCH") else int(existing.get("source_date_epoch", 0))
        # The build may have run with or without SOURCE_DATE_EPOCH: accept the digest of either.
        candidates = {inputs, the_plan.inputs_digest(str(existing.get("source_date_epoch")))}
        found = str(existing.get("inputs_digest", ""))
        want = found if found in candidates else inputs
        expected = assemble_plan(the_plan, epoch=epoch, cache=Cache.default(), inputs=want)
        differences = compare(expected, folder)
        records = record_changes(expected, folder) if differences else []
        human = (f"{folder}/ is up to date" if not differences else
                 f"{folder}/ is stale; run: postclone build {config}\n"
                 + "".join(f"record {line}\n" for line in records) + "\n".join(differences))
        _emit({"folder": str(folder), "up_to_date": not differences, "records_changed": records,
               "differences": differences}, as_json, human)
        if differences:
            raise CheckFailed("")
        return
    if not force and unchanged(folder, inputs):
        seconds = time.perf_counter() - start
        _emit({"folder": str(folder), "unchanged": True, "seconds": round(seconds, 3)}, as_json,
              up_to_date_text(folder, seconds))
        return
    cache = Cache.default()
    detail(f"inputs digest {inputs}; validation cache {cache.path if cache else 'off (POSTCLONE_NO_CACHE=1)'}")
    result = assemble_plan(the_plan, cache=cache, inputs=inputs)
    if written_by_postclone(folder):
        changed = record_changes(result, folder)
        if changed:
            warn(f"{folder}/ held version {cfg.update_set.version} built from other inputs; this build replaces it and "
                 f"changes {len(changed)} records ({'; '.join(changed)}). If the earlier build was imported anywhere, "
                 "bump update_set.version: two different update sets would have the same name and version")
    folder = write(result, out)
    seconds = time.perf_counter() - start
    files = sorted([*result.files, "manifest.json"])
    deleted = result.manifest.get("deleted", [])
    st = result.stats
    assert st is not None  # assemble always validates
    lines = [f"built {folder}/ ({len(files)} files, {len(result.manifest['records'])} records"
             + (f", {len(deleted)} deletions" if deleted else "") + f", {seconds:.2f}s)",
             f"checked {st.checked} scripts with esprima ({st.parsed} parsed, {st.cached} unchanged since "
             f"an earlier check, {st.derived} proven from a parsed template)"]
    lines += [f"  {name}" for name in files]
    profiles = ", ".join(repr(p) for p in cfg.clone_profiles) or "none listed in instances.clone_profiles"
    lines += [
        "next, on production:",
        f"  1. import {folder / result.update_set_file}: System Update Sets > Retrieved Update Sets > Import Update "
        "Set from XML, then preview and commit it",
        f"  2. run the fix script \"postclone install {cfg.update_set.id}\" (System Definition > Fix Scripts): it "
        f"schedules the shipped jobs and adds the cleanup script to the clone profiles ({profiles})",
        f"  3. check that every clone profile you clone with (System Clone > Clone Profiles) lists the cleanup script "
        f"\"{the_plan.scripts['cleanup'].name}\"",
    ]
    _emit(
        {"folder": str(folder), "files": files, "records": result.manifest["records"], "deleted": deleted,
         "unchanged": False, "seconds": round(seconds, 3),
         "checked": {"parsed": st.parsed, "cached": st.cached, "derived": st.derived}},
        as_json,
        "\n".join(lines),
    )


def wanted_script(mode: str, job_key: str | None) -> str:
    """The generated file `render` and `simulate` use: a job's script or the --mode's (not both)."""
    if job_key is None:
        return f"postclone-{mode}.js"
    source = click.get_current_context().get_parameter_source("mode")
    if source is not None and source.name == "COMMANDLINE":
        raise click.UsageError(f"--mode {mode} and --job cannot be used together: --job runs that job's own script")
    return f"jobs/{job_key}.js"


def check_job_key(cfg, job_key: str | None) -> None:
    keys = [j.key for j in cfg.jobs]
    if job_key is not None and job_key not in keys:
        raise InputError(f"--job: no job with key {job_key!r} (jobs: {', '.join(keys) or 'none'})")


@cli.command()
@CONFIG_ARG
@click.option("--mode", type=click.Choice(["cleanup", "apply", "preview", "install"]), default="apply",
              show_default=True, help="Which script: one of the three post-clone scripts, or the install fix script.")
@click.option("--job", "job_key", metavar="KEY", help="Print the guarded script of this job instead.")
def render(config: Path, mode: str, job_key: str | None) -> None:
    """Print a generated script to stdout, for review (checked first)."""
    from generator import config as cfgmod
    from generator import plan
    from generator.render import render as render_all
    from generator.validate import validate as check

    wanted = wanted_script(mode, job_key)
    cfg = cfgmod.load(config)
    check_job_key(cfg, job_key)
    scripts = render_all(plan.make(cfg))
    check(scripts)
    text = next(s.text for s in scripts if s.filename == wanted)
    click.echo(text, nl=False)


@cli.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--from", "from_url", metavar="URL", help="Read this instance through its REST Table API (read-only; "
              "credentials from SN_USER and SN_PASSWORD, or SN_TOKEN) instead of writing a synthetic instance.")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              help="With --from: the configuration whose scripts decide which tables and fields are read.")
@click.option("--table", "extra_tables", multiple=True, metavar="NAME[:QUERY]",
              help="With --from: read this table too (all fields), optionally only the rows of an encoded query.")
@click.option("--timeout", "timeout_sec", type=click.FloatRange(0.1, 3600), default=60.0, show_default=True,
              metavar="SECONDS", help="With --from: how long to wait for each answer of the instance.")
@click.option("--users", default=100_000, show_default=True, type=click.IntRange(2, 2_000_000),
              help="Synthetic: how many users.")
@click.option("--jobs", default=5_000, show_default=True, type=click.IntRange(0, 1_000_000),
              help="Synthetic: how many scheduled jobs.")
@click.option("--force", is_flag=True, help="Synthetic: write into OUT even when it is not empty (replacing "
              "same-named exports).")
def snapshot(out: Path, from_url: str | None, config: Path | None, extra_tables: tuple[str, ...],
             timeout_sec: float, users: int, jobs: int, force: bool) -> None:
    """Write an instance as list exports into OUT, for simulate: read from a live instance (--from), or
    synthetic (for benchmarks)."""
    if from_url is not None:
        return _snapshot_from(out, from_url, config, extra_tables, timeout_sec)
    if config is not None or extra_tables:
        raise click.UsageError("--config and --table apply only with --from URL")
    from generator.simulator.exports import write_exports
    from generator.simulator.synthetic import large

    if out.is_dir() and any(out.iterdir()) and not force:
        raise InputError(f"{out}: is not empty; snapshot writes only into a new or empty folder (--force writes "
                         "into it anyway, replacing exports of the same name)")
    if os.path.lexists(out) and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    data = large(users=users, jobs=jobs)
    try:
        write_exports(data, out)
    except OSError as err:
        raise InputError(f"{out}: cannot write: {err.strerror}") from None
    say(f"wrote {len(data)} tables ({sum(map(len, data.values()))} records) to {out}/")


def _snapshot_from(out: Path, url: str, config: Path | None, extra: tuple[str, ...], timeout_sec: float) -> None:
    from generator import config as cfgmod
    from generator.instance import snapshot as live
    from generator.instance.client import TableClient, credentials_from_env
    from generator.simulator.reads import tables_read

    if config is None:
        raise click.UsageError("--from needs --config: the configuration's scripts decide what is read")
    source = click.get_current_context().get_parameter_source
    if any(source(name).name == "COMMANDLINE" for name in ("users", "jobs", "force")):  # type: ignore[union-attr]
        raise click.UsageError("--users, --jobs and --force apply only to a synthetic snapshot (without --from)")
    client = TableClient(url, credentials_from_env(), timeout=timeout_sec)
    # sys_user first: every instance has it, so bad credentials or a wrong URL show before anything else
    reads = sorted((live.TableRead(t, "", tuple(fields) if t == "sys_user" else ()) for t, fields in
                    tables_read(cfgmod.load(config)).items()), key=lambda r: (r.table != "sys_user", r.table))
    for spec in extra:
        name, _, query = spec.partition(":")
        if not name.strip() or not all(c.isalnum() or c in "_$" for c in name.strip()):
            raise InputError(f"--table {spec!r}: give a table name, optionally followed by :encoded-query")
        reads = [r for r in reads if r.table != name.strip()] + [live.TableRead(name.strip(), query, (), True)]
    manifest = live.write(client, reads, out)
    tables = manifest["tables"]
    absent = sorted(t for t, e in tables.items() if e.get("absent"))
    say(f"read {len(tables) - len(absent)} tables ({sum(e['rows'] for e in tables.values())} records) from "
        f"{client.base} into {out}/" + (f"; not on this instance: {', '.join(absent)}" if absent else ""))


@cli.command()
def schema() -> None:
    """Print the configuration's JSON Schema (the same text as the wheel's postclone.schema.json)."""
    from generator.schema import schema_text

    click.echo(schema_text(), nl=False)



@cli.command("audit-jobs")
@click.option("--data", "data_path", required=True, type=click.Path(path_type=Path),
              help="Scheduled jobs export(s): the list XML of sysauto_script (or a folder of exports).")
@JSON_OPT
def audit_jobs(data_path: Path, as_json: bool) -> None:
    """List active scripted jobs with no instance check (they run again on every clone). Exit 1 if any."""
    from generator.review.audit import audit_jobs as run_audit
    from generator.review.audit import to_json, to_text
    from generator.simulator.exports import load_data

    findings, examined = run_audit(load_data(data_path), str(data_path))
    if as_json:
        click.echo(json.dumps(to_json(findings, examined), indent=2, sort_keys=True))
    else:
        say(to_text(findings, examined))
    if findings:
        raise CheckFailed("")


# The readers' and the simulator's commands live in their wings; importing them registers them.
from generator.review import commands as _review_commands  # noqa: E402, F401
from generator.simulator import commands as _simulator_commands  # noqa: E402, F401
