"""Comparisons of stack variants: [[lab.load.compare]] read from the manifest, runs merged."""

from __future__ import annotations

import math
from typing import Any

import pytest

from workshop.compare import Variant, merge, variants
from workshop.manifest import Lab, ManifestError
from workshop.report import EndpointStats, LoadReport, format_table
from workshop.saturation import RunFacts
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


def test_merged_total_counts_requests_but_mixes_no_rates_or_percentiles() -> None:
    """The total sums requests and failures; a rate or p95 of two runs at once means nothing."""
    flask, gunicorn = variants(lab([FLASK, GUNICORN]))
    merged = merge([(flask, report(100, 300, failures=1)), (gunicorn, report(150, 150))])
    total = merged.total
    assert (total.requests, total.failures) == (200, 1)
    assert math.isnan(total.rps) and math.isnan(total.p95_ms)
    assert [(t.name, t.rps, t.p95_ms) for t in merged.totals()] == [
        ("Aggregated (flask)", 100, 300),
        ("Aggregated (gunicorn)", 150, 150),
    ]


def test_plain_slos_judge_each_variant_on_its_own() -> None:
    """max_p95_ms = 200 on a comparison: one verdict per run, each on its own aggregated line."""
    flask, gunicorn = variants(lab([FLASK, GUNICORN]))
    merged = merge([(flask, report(100, 300)), (gunicorn, report(150, 150))])
    verdicts = judge({"max_p95_ms": 200, "max_failure_ratio": 0.0}, merged)
    assert [(v.passed, v.measured) for v in verdicts] == [(False, 300), (True, 150), (True, 0.0)]
    assert "Aggregated (flask)" in verdicts[0].explanation


def test_a_variant_without_figures_fails_its_slos() -> None:
    """A run that measured nothing (NaN) fails every SLO that reads its figures."""
    flask, gunicorn = variants(lab([FLASK, GUNICORN]))
    merged = merge([(flask, report(100, 300)), (gunicorn, report(math.nan, math.nan))])
    verdicts = judge({"max_p95_ms": 1000, "min_rps": 1}, merged)
    assert [v.passed for v in verdicts] == [True, False, True, False]


def test_the_table_closes_each_variant_with_its_own_aggregated_line() -> None:
    """A compared table never shows one line mixing the runs' figures."""
    flask, gunicorn = variants(lab([FLASK, GUNICORN]))
    merged = merge([(flask, report(100, 300)), (gunicorn, report(150, 150))])
    lines = format_table(merged).splitlines()
    aggregated = [line.split()[0:2] for line in lines if line.startswith("Aggregated")]
    assert aggregated == [["Aggregated", "(flask)"], ["Aggregated", "(gunicorn)"]]
    assert lines[-1] == "all runs together: 200 requests, 0.00% failed"


def test_a_variant_with_a_fault_runs_a_durable_database_unless_told_otherwise() -> None:
    """Killing a server is a claim that nothing is lost: PostgreSQL then waits for the disk."""
    chaos = {"name": "chaos", "fault": {"kill": "app1", "at": 0.3}}
    fast = {"name": "fast", "fault": {"kill": "app1", "at": 0.3}, "stack": {"durable": False}}
    found = variants(lab([FLASK, chaos, fast]))
    assert [v.spec.durable for v in found] == [False, True, False]


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


def facts(variant: str, **figures: Any) -> RunFacts:
    """CPU facts of one run; budgeted unless machine_busy is empty."""
    values: dict[str, Any] = {"seconds": 60.0, "budget_cpu": 0.5, "budgets": "test"}
    values.update(figures)
    return RunFacts(variant=variant, **values)


SATURATED = {"machine_busy": {"app1": 0.97}, "locust_cpu": 0.3}


@pytest.mark.parametrize(
    ("flask_facts", "passed", "says"),
    [
        (SATURATED, True, ""),
        ({"machine_busy": {"app1": 0.40}, "locust_cpu": 0.3}, False, "did not saturate"),
        ({"machine_busy": {"app1": 0.97}, "locust_cpu": 0.95}, False, "Locust was CPU-bound"),
        (
            {"budget_cpu": 0.0, "app_cpu": {"app1": 0.98}, "single_process": True},
            True,
            "no CPU budgets",
        ),
        (
            {"budget_cpu": 0.0, "app_cpu": {"app1": 0.40}, "box_busy": 0.5},
            False,
            "did not saturate",
        ),
    ],
)
def test_a_throughput_ratio_counts_only_between_saturated_runs(
    flask_facts: dict[str, Any], passed: bool, says: str
) -> None:
    """1.5x means nothing when the users' pace (or Locust) set one side's throughput."""
    flask, gunicorn = variants(lab([FLASK, GUNICORN]))
    merged = merge([(flask, report(100, 300)), (gunicorn, report(150, 150))])
    slo = {
        "min_rps_ratio": {
            "endpoint": "Aggregated (gunicorn)",
            "baseline": "Aggregated (flask)",
            "min": 1.2,
        }
    }
    run_facts = {"flask": facts("flask", **flask_facts), "gunicorn": facts("gunicorn", **SATURATED)}
    [verdict] = judge(slo, merged, run_facts)
    assert verdict.passed is passed
    assert says in verdict.explanation
