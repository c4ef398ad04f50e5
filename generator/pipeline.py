"""The pipeline, in order: config -> plan -> render -> validate -> package, in memory (write is last).

Each step is its own module and never imports a later one; this module runs them. `assemble`
returns a `Build` (files and manifest as text) that generator/write.py puts on disk.
"""

from __future__ import annotations

import hashlib
import json

from generator import __version__, plan
from generator.config import Config
from generator.package import Build, build_epoch, package
from generator.render import render
from generator.validate import Cache, validate


def assemble(cfg: Config, epoch: int | None = None, previous: dict | None = None,
             cache: Cache | None = None, inputs: str = "") -> Build:
    """plan -> render -> validate -> package. `previous` is an earlier release's manifest; `cache`
    lets validation skip texts this same validator has already accepted."""
    epoch = build_epoch() if epoch is None else epoch
    the_plan = plan.make(cfg, previous)
    scripts = render(the_plan)
    stats = validate(scripts, cache)
    return package(the_plan, scripts, epoch, inputs or inputs_digest(the_plan, str(epoch)), stats)


def inputs_digest(the_plan: plan.Plan, epoch_env: str | None) -> str:
    """Everything a build's output depends on: tool version, config and job files, the records an
    earlier release shipped that this one deletes, and SOURCE_DATE_EPOCH when set."""
    h = hashlib.sha256()
    for part in (__version__, the_plan.config.digest, epoch_env or ""):
        h.update(part.encode("utf-8") + b"\0")
    h.update(json.dumps([p.entry() for p in the_plan.deletions], sort_keys=True).encode())
    return h.hexdigest()
