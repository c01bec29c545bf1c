"""Comparisons: one load scenario run on several variants of a lab's stack, back to back.

A lab that measures a change (Flask's development server against Gunicorn in lab 02, SQLite
against PostgreSQL in lab 03) lists the variants under its [lab.load] table:

    [[lab.load.compare]]
    name = "flask"
    stack = { app_server = "flask" }

    [[lab.load.compare]]
    name = "gunicorn"
    stack = { app_server = "gunicorn" }
    env = { PHOTOAPP_THREADS = "4" }

`workshop load N` then runs the scenario once per variant, in this order, each on a fresh
stack: [lab.stack] with the variant's `stack` keys changed and its `env` added to the app's
PHOTOAPP_* settings. The runs are merged into one LoadReport in which every endpoint carries
its variant's name, "GET /api/feed (gunicorn)", and each run's total is the endpoint
"Aggregated (gunicorn)", so the ratio checks of [lab.slo] compare the variants:

    min_rps_ratio = { endpoint = "Aggregated (gunicorn)", baseline = "Aggregated (flask)", min = 1 }

The merged total counts every request and failure of every run, so failure ratios are exact;
it has no throughput or percentiles (those of several runs mixed mean nothing), and a plain SLO
such as max_p95_ms judges each variant's own aggregated line.
Back to back on one machine, minutes apart, is as close as two runs can get: noisy laptops make
figures from another day useless, while the ratio of two neighbouring runs is stable.

A variant may also inject a fault during its run (see workshop/faults.py), lab 04's chaos run:

    [[lab.load.compare]]
    name = "chaos"
    fault = { kill = "app1", at = 0.33, restart_at = 0.5 }
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from workshop.faults import Fault
from workshop.manifest import Lab, ManifestError
from workshop.report import AGGREGATED, EndpointStats, LoadReport
from workshop.services import StackSpec

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,30}$")  # it becomes a folder name under reports/
VARIANT_KEYS = {"name", "stack", "env", "fault"}


@dataclass(frozen=True)
class Variant:
    """One stack to run the scenario on; a lab that compares nothing has one, named ""."""

    name: str
    spec: StackSpec
    env: dict[str, str] = field(default_factory=dict)
    fault: Fault | None = None  # a server killed (and restarted) during the run

    def label(self, what: str) -> str:
        """Name an endpoint of this variant's run: "GET /api/feed (gunicorn)"."""
        return f"{what} ({self.name})" if self.name else what


def variants(lab: Lab) -> list[Variant]:
    """Return the variants [lab.load] compare lists, or the lab's one stack when it has none."""
    entries = lab.load.get("compare")
    if entries is None:
        return [Variant("", StackSpec.from_manifest(lab.stack))]
    where = f"labs/labs.toml, lab {lab.number}, [lab.load] compare"
    if not isinstance(entries, list) or len(entries) < 2:
        raise ManifestError(f"{where}: list two or more variants to compare")
    found = [_variant(entry, lab, where) for entry in entries]
    names = [v.name for v in found]
    if len(set(names)) != len(names):
        raise ManifestError(f"{where}: two variants share a name: {names}")
    return found


def _variant(entry: Any, lab: Lab, where: str) -> Variant:
    """Build one Variant from a { name, stack, env } table, naming what is wrong."""
    if not isinstance(entry, Mapping) or "name" not in entry:
        raise ManifestError(f"{where}: each variant is a table {{ name = ..., stack = {{...}} }}")
    unknown = sorted(set(entry) - VARIANT_KEYS)
    if unknown:
        raise ManifestError(
            f"{where}: unknown key(s) {', '.join(unknown)}; use name, stack, env, fault"
        )
    name = str(entry["name"])
    if not NAME.match(name):
        raise ManifestError(f"{where}: variant name {name!r} must be a-z, 0-9, - or _")
    env = dict(entry.get("env", {}))
    bad = [k for k, v in env.items() if not k.startswith("PHOTOAPP_") or not isinstance(v, str)]
    if bad:
        raise ManifestError(f'{where}: variant {name!r}: env holds PHOTOAPP_* = "text": {bad}')
    stack = {**lab.stack, **dict(entry.get("stack", {}))}
    fault = Fault.from_table(entry["fault"], f"{where}, {name!r}") if "fault" in entry else None
    if fault is not None:
        # A run that kills a server claims "nothing lost": its database waits for the disk.
        stack.setdefault("durable", True)
    return Variant(name, StackSpec.from_manifest(stack), env, fault)


def merge(runs: Sequence[tuple[Variant, LoadReport]]) -> LoadReport:
    """Merge the reports of compared runs into one; a single unnamed run comes back as it is."""
    if len(runs) == 1 and not runs[0][0].name:
        return runs[0][1]
    endpoints: list[EndpointStats] = []
    for variant, report in runs:
        endpoints += [replace(s, name=variant.label(s.name)) for s in report.endpoints]
        endpoints.append(replace(report.total, name=variant.label(AGGREGATED)))
    totals = [report.total for _, report in runs]
    nothing = math.nan
    total = EndpointStats(
        name=AGGREGATED,
        requests=sum(t.requests for t in totals),
        failures=sum(t.failures for t in totals),
        rps=nothing, p50_ms=nothing, p95_ms=nothing, p99_ms=nothing, max_ms=nothing,
    )  # fmt: skip
    return LoadReport(endpoints=endpoints, total=total, variants=tuple(v.name for v, _ in runs))


def busy_warning() -> str | None:
    """Return a warning when other programs keep the cores busy, which skews a comparison."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0]
    if load <= (cores or 1):
        return None
    # Linux shares the CPU fairly between sessions, and every server runs in its own: while
    # others compete, a server gets its share however many processes it has, so Gunicorn's
    # workers cannot show what they gain on an idle machine.
    return (
        f"warning: the machine is busy (load average {load:.1f} on {cores} cores); the runs "
        "share the CPU with other programs, so the comparison may measure them, not the stacks"
    )
