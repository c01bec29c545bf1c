"""Comparisons of stack variants: [[lab.load.compare]] read from the manifest, runs merged."""

from __future__ import annotations

import math
from typing import Any

import pytest

from workshop.compare import Variant, merge, variants
from workshop.manifest import Lab, ManifestError
from workshop.report import EndpointStats, LoadReport
from workshop.services import ServiceError, StackSpec
from workshop.slo import judge

FLASK = {"name": "flask", "stack": {"app_server": "flask"}}
GUNICORN = {"name": "gunicorn", "stack": {"app_server": "gunicorn"}}


def lab(compare: Any = None, stack: dict[str, Any] | None = None) -> Lab:
    """A lab whose [lab.load] compares the given variants (none when compare is None)."""
    load: dict[str, Any] = {"scenario": "loadtests/x.py"}
    if compare is not None:
        load["compare"] = compare
    return Lab(number=2, slug="02-x", title="x", stack=stack or {"app_servers": 1}, load=load)


def stats(
    name: str, requests: int = 100, failures: int = 0, rps: float = 10.0, p95: float = 200.0
) -> EndpointStats:
    """Figures of one endpoint."""
    return EndpointStats(name, requests, failures, rps, p95 / 2, p95, p95 * 2, p95 * 3)


def report(rps: float, p95: float, failures: int = 0) -> LoadReport:
    """A run with one endpoint whose figures are its total's."""
    return LoadReport(
        [stats("GET /api/feed", 100, failures, rps, p95)],
        stats("Aggregated", 100, failures, rps, p95),
    )


def test_a_lab_without_compare_runs_its_one_stack() -> None:
    """No compare list: one unnamed variant, the lab's own [lab.stack]."""
    assert variants(lab()) == [Variant("", StackSpec(app_servers=1))]


def test_variants_change_the_lab_stack_and_add_settings() -> None:
    """Each variant is [lab.stack] with its own keys changed, and its env kept."""
    gunicorn = {**GUNICORN, "env": {"PHOTOAPP_WORKERS": "3"}}
    found = variants(lab([FLASK, gunicorn], stack={"app_servers": 1, "app_server": "flask"}))
    assert [(v.name, v.spec.app_server, v.env) for v in found] == [
        ("flask", "flask", {}),
        ("gunicorn", "gunicorn", {"PHOTOAPP_WORKERS": "3"}),
    ]


@pytest.mark.parametrize(
    ("compare", "message"),
    [
        ([FLASK], "two or more"),
        ([FLASK, {**GUNICORN, "name": "flask"}], "share a name"),
        ([FLASK, {"stack": {}}], "name = "),
        ([FLASK, {**GUNICORN, "name": "Gunicorn 2"}], "a-z"),
        ([FLASK, {**GUNICORN, "extra": 1}], "unknown key"),
        ([FLASK, {**GUNICORN, "env": {"WORKERS": "3"}}], "PHOTOAPP_"),
    ],
)
def test_bad_compare_lists_are_refused_with_the_reason(compare: Any, message: str) -> None:
    """A broken compare list is a ManifestError that says what to fix."""
    with pytest.raises(ManifestError, match=message):
        variants(lab(compare))


def test_a_bad_stack_key_in_a_variant_is_refused() -> None:
    """A variant's stack keys are checked like [lab.stack]'s."""
    with pytest.raises(ServiceError, match="app_server"):
        variants(lab([FLASK, {"name": "x", "stack": {"app_server": "uwsgi"}}]))


def test_merged_endpoints_carry_their_variant() -> None:
    """Every endpoint and each run's total appear once per variant, named after it."""
    flask, gunicorn = variants(lab([FLASK, GUNICORN]))
    merged = merge([(flask, report(100, 300)), (gunicorn, report(150, 150))])
    assert sorted(s.name for s in merged.endpoints) == [
        "Aggregated (flask)",
        "Aggregated (gunicorn)",
        "GET /api/feed (flask)",
        "GET /api/feed (gunicorn)",
    ]


def test_merged_total_counts_all_requests_and_keeps_the_worst_figures() -> None:
    """The total sums requests and failures, and takes the lowest rps and highest latencies."""
    flask, gunicorn = variants(lab([FLASK, GUNICORN]))
    total = merge([(flask, report(100, 300, failures=1)), (gunicorn, report(150, 150))]).total
    assert (total.requests, total.failures, total.rps, total.p95_ms) == (200, 1, 100, 300)


def test_a_variant_without_figures_makes_the_total_fail() -> None:
    """A run that measured nothing (NaN) leaves NaN in the total, which every SLO fails."""
    flask, gunicorn = variants(lab([FLASK, GUNICORN]))
    merged = merge([(flask, report(100, 300)), (gunicorn, report(math.nan, math.nan))])
    assert math.isnan(merged.total.rps) and math.isnan(merged.total.p95_ms)


def test_one_unnamed_run_is_returned_unchanged() -> None:
    """Without a comparison the report is the run's own."""
    (only,) = variants(lab())
    run = report(100, 300)
    assert merge([(only, run)]) is run


def test_ratio_slos_compare_the_variants() -> None:
    """Lab 02's SLO shape judges Gunicorn's run against the development server's."""
    flask, gunicorn = variants(lab([FLASK, GUNICORN]))
    merged = merge([(flask, report(100, 300)), (gunicorn, report(150, 150))])
    pair = {"endpoint": "Aggregated (gunicorn)", "baseline": "Aggregated (flask)"}
    verdicts = judge(
        {"min_rps_ratio": {**pair, "min": 1.2}, "max_p95_ratio": {**pair, "max": 0.8}}, merged
    )
    assert [(v.passed, round(v.measured, 2)) for v in verdicts] == [(True, 1.5), (True, 0.5)]
