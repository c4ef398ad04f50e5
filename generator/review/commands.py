"""The readers' commands: `inspect` and `diff`, for any update set. They register on the one command
group of generator/commands.py (audit-jobs, which reads list exports, stays there)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from generator.commands import JSON_OPT, cli
from generator.console import say
from generator.errors import CheckFailed


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--extract", type=click.Path(file_okay=False, path_type=Path),
              help="Write every script field to a .js file and every record as pretty XML into this folder.")
@JSON_OPT
def inspect(file: Path, extract: Path | None, as_json: bool) -> None:
    """Show any update set XML: header, then one line per record. Exit 1 if a field holds anything but
    text (a comment, an element, ...) or is given twice."""
    from generator.review import updateset

    us = updateset.read(file)
    if extract is not None:
        written = updateset.extract(us, extract)
    if as_json:
        data = updateset.inspect_json(us)
        if extract is not None:
            data["extracted"] = [str(p) for p in written]
        click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        say(updateset.inspect_text(us))
        if extract is not None:
            say(f"extracted {len(written)} files into {extract}/")
    if us.problems:
        raise CheckFailed(f"{len(us.problems)} fields hold more than text or are given twice (see above)")


@cli.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@JSON_OPT
def diff_cmd(old: Path, new: Path, as_json: bool) -> None:
    """Semantic diff of two update sets: records added, removed, changed. Exit 1 when they differ, or
    when a field holds anything but text or is given twice."""
    from generator.review import diff, updateset

    a, b = updateset.read(old), updateset.read(new)
    changes = diff.diff(a, b)
    if as_json:
        click.echo(json.dumps(diff.diff_json(a, b, changes), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        say(diff.diff_text(a, b, changes))
    if changes or a.problems or b.problems:
        raise CheckFailed("")
