"""The pipeline, in order: config -> plan -> render -> validate -> package, in memory (write is last).

Each step is its own module and never imports a later one; this module runs them. `assemble`
returns a `Build` (files and manifest as text) that generator/write.py puts on disk.
"""

from __future__ import annotations

from generator import plan
from generator.config import Config
from generator.package import Build, build_epoch, package
from generator.render import render
from generator.validate import Cache, validate


def assemble(cfg: Config, epoch: int | None = None, previous: dict | None = None,
             cache: Cache | None = None, inputs: str = "") -> Build:
    """plan -> render -> validate -> package. `previous` is an earlier release's manifest; `cache`
    lets validation skip texts this same validator has already accepted."""
    return assemble_plan(plan.make(cfg, previous), epoch, cache, inputs)


def assemble_plan(the_plan: plan.Plan, epoch: int | None = None, cache: Cache | None = None,
                  inputs: str = "") -> Build:
    """render -> validate -> package of a plan already made."""
    epoch = build_epoch() if epoch is None else epoch
    scripts = render(the_plan)
    stats = validate(scripts, cache)
    return package(the_plan, scripts, epoch, inputs or the_plan.inputs_digest(str(epoch)), stats)
