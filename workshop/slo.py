"""Judge a load run against the [lab.slo] table of labs/labs.toml.

Each key of [lab.slo] names one check in CHECKS. A plain number judges all requests together
(each variant's on its own, in a compared run):

    max_failure_ratio = 0.01   # at most 1 % of requests may fail
    max_p95_ms = 1500          # 95 % of requests answered within 1.5 s
    min_rps = 5                # at least 5 requests per second over the run
    max_get_failure_ratio = 0.002  # at most 0.2 % of GET requests may fail (lab 04's failover)

Latency is better judged on the endpoints that matter than on "all requests", where one slow,
rare request type (an upload) can decide the verdict; name them:

    max_p95_ms = [
        { endpoint = "GET /api/feed", max = 500 },
        { endpoint = "GET /api/photos/[id]", max = 500 },
    ]

Comparisons measure two endpoints of the same run, because these machines are too noisy to
compare with a figure remembered from another day. The scenario names the two sides:

    max_p95_ratio = { endpoint = "GET /api/feed (cached)", baseline = "GET /api/feed", max = 0.5 }
    min_rps_ratio = { endpoint = "GET /api/feed (2 apps)", baseline = "GET /api/feed", min = 1.6 }

A list of such tables judges several comparisons of one kind, one verdict each:

    min_rps_ratio = [{ endpoint = ..., baseline = ..., min = 0.8 }, { ... }]

A throughput ratio of two runs counts only when both runs saturated their target (see
workshop/saturation.py): if the simulated users' think time set the pace, or Locust ran out of
CPU, both sides serve the same rate whatever the servers, and the verdict fails saying so.

A new kind of SLO is one small function added to CHECKS.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from workshop.report import EndpointStats, LoadReport, ReportError
from workshop.saturation import RunFacts

Facts = Mapping[str, RunFacts]  # the CPU facts of each run, by variant name ("" for one run)


class SloError(ValueError):
    """The [lab.slo] table names a check that does not exist or has a bad target."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of one SLO: what was measured against what was promised."""

    name: str  # the key in [lab.slo]
    passed: bool
    measured: float
    target: float
    explanation: str  # "p95 of all requests: 38 ms, at most 1500 ms"

    def line(self) -> str:
        """Format the verdict as one line of the terminal report."""
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}: {self.explanation}"


def _verdict(
    name: str, what: str, measured: float, target: float, *, at_most: bool, shape: str = "{:.2f}"
) -> Verdict:
    """Compare one measured figure with its limit (NaN, nothing measured, always fails)."""
    passed = measured <= target if at_most else measured >= target
    passed = passed and not math.isnan(measured)
    bound = "at most" if at_most else "at least"
    explanation = f"{what}: {shape.format(measured)}, {bound} {shape.format(target)}"
    return Verdict(name, passed, measured, target, explanation)


def _number(name: str, target: Any) -> float:
    """Return a plain-number target, or raise SloError saying what was expected."""
    if isinstance(target, bool) or not isinstance(target, int | float):
        raise SloError(f"[lab.slo] {name} must be a number, got {target!r}")
    return float(target)


def max_failure_ratio(report: LoadReport, target: Any, facts: Facts) -> list[Verdict]:
    """At most this share of all requests may fail (every run of a comparison together)."""
    limit = _number("max_failure_ratio", target)
    return [
        _verdict(
            "max_failure_ratio",
            "failed requests",
            report.total.failure_ratio,
            limit,
            at_most=True,
            shape="{:.2%}",
        )
    ]


def max_get_failure_ratio(report: LoadReport, target: Any, facts: Facts) -> list[Verdict]:
    """At most this share of GET requests may fail: a balancer retries them on another server."""
    limit = _number("max_get_failure_ratio", target)
    gets = [s for s in report.endpoints if s.name.startswith("GET ")]
    requests = sum(s.requests for s in gets)
    ratio = sum(s.failures for s in gets) / requests if requests else math.nan
    return [
        _verdict(
            "max_get_failure_ratio",
            "failed GET requests",
            ratio,
            limit,
            at_most=True,
            shape="{:.2%}",
        )
    ]


def max_p95_ms(report: LoadReport, target: Any, facts: Facts) -> list[Verdict]:
    """95 % of requests (or of one named endpoint's) answered within this many milliseconds."""
    if isinstance(target, Mapping):
        if {"endpoint", "max"} - set(target):
            raise SloError(
                '[lab.slo] max_p95_ms must be a number or { endpoint = "...", max = ... }'
            )
        endpoints = [_endpoint(report, "max_p95_ms", target["endpoint"])]
        limit = _number("max_p95_ms", target["max"])
    else:
        endpoints, limit = report.totals(), _number("max_p95_ms", target)
    return [
        _verdict(
            "max_p95_ms", f"p95 of {_label(s)}", s.p95_ms, limit, at_most=True, shape="{:.0f} ms"
        )
        for s in endpoints
    ]


def min_rps(report: LoadReport, target: Any, facts: Facts) -> list[Verdict]:
    """The run (each run of a comparison) must average at least this many requests per second."""
    limit = _number("min_rps", target)
    return [
        _verdict(
            "min_rps",
            f"throughput of {_label(s)}",
            s.rps,
            limit,
            at_most=False,
            shape="{:.1f} req/s",
        )
        for s in report.totals()
    ]


def _label(stats: EndpointStats) -> str:
    """Name an endpoint in a verdict; the Aggregated line reads "all requests"."""
    return "all requests" if stats.name == "Aggregated" else stats.name


def _endpoint(report: LoadReport, name: str, endpoint: str) -> EndpointStats:
    """Find an endpoint an SLO names, or raise SloError listing the ones the run has."""
    try:
        return report.endpoint(endpoint)
    except ReportError as error:
        raise SloError(f"[lab.slo] {name}: {error}") from None


def _ratio(
    name: str,
    label: str,
    metric: Callable[[EndpointStats], float],
    bound: str,
    report: LoadReport,
    target: Any,
) -> tuple[Verdict, EndpointStats, EndpointStats]:
    """Compare metric(endpoint) / metric(baseline) with a max or min, both from this run."""
    if not isinstance(target, Mapping) or {"endpoint", "baseline", bound} - set(target):
        expected = f"{{ endpoint = ..., baseline = ..., {bound} = ... }}"
        raise SloError(f"[lab.slo] {name} must be {expected}")
    endpoint = _endpoint(report, name, target["endpoint"])
    baseline = _endpoint(report, name, target["baseline"])
    below = metric(baseline)
    ratio = metric(endpoint) / below if below else math.nan
    what = f"{label} of {endpoint.name} / {label} of {baseline.name}"
    verdict = _verdict(name, what, ratio, _number(name, target[bound]), at_most=bound == "max")
    return verdict, endpoint, baseline


def max_p95_ratio(report: LoadReport, target: Any, facts: Facts) -> list[Verdict]:
    """p95 of one endpoint divided by p95 of a baseline endpoint must stay under `max`."""
    verdict, _, _ = _ratio("max_p95_ratio", "p95", lambda s: s.p95_ms, "max", report, target)
    return [verdict]


def min_rps_ratio(report: LoadReport, target: Any, facts: Facts) -> list[Verdict]:
    """Throughput of one endpoint divided by a baseline's must reach `min`, both saturated."""
    verdict, endpoint, baseline = _ratio(
        "min_rps_ratio", "req/s", lambda s: s.rps, "min", report, target
    )
    problems = []
    for stats in dict.fromkeys([endpoint, baseline]):
        run = facts.get(_variant_of(stats.name, report))
        if run is None:
            continue
        if run.locust_bound:
            problems.append(
                f"Locust was CPU-bound in {run.variant or 'the run'} "
                f"({run.locust_cpu:.2f} CPU): its figure is Locust's limit"
            )
        elif not run.saturated:
            problems.append(
                f"{run.variant or 'the run'} did not saturate its servers "
                "(the users' pace set its throughput)"
            )
    unbudgeted = [run for run in facts.values() if not run.budgeted]
    if problems:
        return [
            replace(
                verdict,
                passed=False,
                explanation=f"{verdict.explanation}; not a capacity figure: " + "; ".join(problems),
            )
        ]
    if unbudgeted:
        return [
            replace(
                verdict,
                explanation=f"{verdict.explanation} (no CPU budgets: not "
                "comparable with runs on budgeted machines)",
            )
        ]
    return [verdict]


def _variant_of(endpoint: str, report: LoadReport) -> str:
    """Return the variant an endpoint belongs to ("GET /x (cached)" -> "cached"), or ""."""
    for name in report.variants:
        if endpoint.endswith(f" ({name})"):
            return name
    return ""


# Every SLO a lab may name in [lab.slo], by key.
CHECKS: dict[str, Callable[[LoadReport, Any, Facts], list[Verdict]]] = {
    "max_failure_ratio": max_failure_ratio,
    "max_get_failure_ratio": max_get_failure_ratio,
    "max_p95_ms": max_p95_ms,
    "min_rps": min_rps,
    "max_p95_ratio": max_p95_ratio,
    "min_rps_ratio": min_rps_ratio,
}


def judge(slo: Mapping[str, Any], report: LoadReport, facts: Facts | None = None) -> list[Verdict]:
    """Run every check the [lab.slo] table names, in the table's order."""
    unknown = sorted(set(slo) - set(CHECKS))
    if unknown:
        raise SloError(
            f"[lab.slo] has unknown key(s) {', '.join(unknown)}; known: {', '.join(CHECKS)}"
        )
    verdicts = []
    for name, target in slo.items():
        for one in target if isinstance(target, list) else [target]:
            verdicts.extend(CHECKS[name](report, one, facts or {}))
    return verdicts
