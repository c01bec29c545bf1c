"""`workshop load`: reading Locust's CSVs, judging SLOs, and one real quick run end to end."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.load_reports import ROWS, TOTAL, Row, write_report
from workshop.load import LoadError, LoadPlan, parse_duration
from workshop.manifest import Lab, repo_root
from workshop.report import ReportError, format_table, latest_progress, read_report
from workshop.saturation import RunFacts
from workshop.slo import SloError, judge

ROOT = repo_root()

# --- reading a report ---------------------------------------------------------------------------


def test_read_report_gives_each_endpoint_and_the_total(tmp_path: Path) -> None:
    report = read_report(write_report(tmp_path))

    assert [s.name for s in report.endpoints] == [
        "GET /api/feed",
        "GET /api/photos/[id]/thumbnail",
        "POST /api/photos",
    ]
    upload = report.endpoint("POST /api/photos")
    assert (upload.requests, upload.failures, upload.p95_ms) == (60, 3, 900)
    assert upload.failure_ratio == pytest.approx(0.05)
    assert report.total.name == "Aggregated"
    assert (report.total.requests, report.total.rps) == (2460, 41.0)


def test_unknown_endpoint_names_the_known_ones(tmp_path: Path) -> None:
    report = read_report(write_report(tmp_path))
    with pytest.raises(ReportError, match="GET /api/feed"):
        report.endpoint("GET /nowhere")


def test_missing_stats_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="did not finish"):
        read_report(tmp_path)


def test_no_figure_yet_reads_as_nan(tmp_path: Path) -> None:
    write_report(tmp_path)
    path = tmp_path / "locust_stats.csv"
    lines = path.read_text().splitlines()
    cells = lines[1].split(",")
    cells[16] = "N/A"  # the 95% column of the first endpoint
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    assert math.isnan(read_report(tmp_path).endpoints[0].p95_ms)


def test_latest_progress_skips_a_half_written_line(tmp_path: Path) -> None:
    write_report(tmp_path, seconds=5)
    history = tmp_path / "locust_stats_history.csv"
    history.write_text(history.read_text() + "1795000099,10,GET,/api/fe")  # being written

    progress = latest_progress(tmp_path)

    assert progress is not None
    assert (progress.users, progress.requests) == (10, TOTAL.requests)


def test_latest_progress_is_none_before_locust_writes(tmp_path: Path) -> None:
    assert latest_progress(tmp_path) is None


def test_table_has_a_line_per_endpoint_and_the_total(tmp_path: Path) -> None:
    table = format_table(read_report(write_report(tmp_path)))
    lines = table.splitlines()
    assert any(line.startswith("POST /api/photos ") and "5.00%" in line for line in lines)
    assert lines[-1].startswith("Aggregated")
    assert len(lines) == 2 + len(ROWS) + 2  # header, rule, endpoints, rule, total


# --- judging SLOs -------------------------------------------------------------------------------


def test_slos_within_targets_pass(tmp_path: Path) -> None:
    report = read_report(write_report(tmp_path))
    verdicts = judge({"max_failure_ratio": 0.01, "max_p95_ms": 1500, "min_rps": 5}, report)
    assert [(v.name, v.passed) for v in verdicts] == [
        ("max_failure_ratio", True),
        ("max_p95_ms", True),
        ("min_rps", True),
    ]


@pytest.mark.parametrize(
    ("slo", "measured"),
    [
        ({"max_p95_ms": 150}, 200.0),  # the synthetic run's p95 is 200 ms
        ({"max_failure_ratio": 0.001}, 6 / 2460),
        ({"min_rps": 50}, 41.0),
    ],
)
def test_a_breach_fails_and_says_what_was_measured(
    tmp_path: Path, slo: dict[str, float], measured: float
) -> None:
    [verdict] = judge(slo, read_report(write_report(tmp_path)))
    assert not verdict.passed
    assert verdict.measured == pytest.approx(measured)
    assert verdict.line().startswith("FAIL")


def test_a_run_without_requests_fails_latency_and_throughput(tmp_path: Path) -> None:
    empty = Row("", "Aggregated", 0, 0, 0.0, math.nan, math.nan, math.nan)
    report = read_report(write_report(tmp_path, rows=[], total=empty))
    verdicts = judge({"max_p95_ms": 1500, "min_rps": 1}, report)
    assert [v.passed for v in verdicts] == [False, False]


def test_ratio_slo_compares_two_endpoints_of_one_run(tmp_path: Path) -> None:
    report = read_report(write_report(tmp_path))
    thumbnails_vs_feed = {"endpoint": "GET /api/photos/[id]/thumbnail", "baseline": "GET /api/feed"}
    # p95 30 ms / 80 ms = 0.375; throughput 30 / 10 = 3.
    [ok, too_slow] = judge({"max_p95_ratio": {**thumbnails_vs_feed, "max": 0.5}}, report) + judge(
        {"max_p95_ratio": {**thumbnails_vs_feed, "max": 0.3}}, report
    )
    assert ok.passed and ok.measured == pytest.approx(0.375)
    assert not too_slow.passed
    [rps] = judge({"min_rps_ratio": {**thumbnails_vs_feed, "min": 4}}, report)
    assert not rps.passed and rps.measured == pytest.approx(3.0)


def test_bad_slo_tables_are_refused(tmp_path: Path) -> None:
    report = read_report(write_report(tmp_path))
    with pytest.raises(SloError, match="max_p95_ms"):
        judge({"max_p59_ms": 100}, report)
    with pytest.raises(SloError, match="must be a number"):
        judge({"max_p95_ms": "fast"}, report)
    with pytest.raises(SloError, match="no endpoint"):
        judge(
            {"max_p95_ratio": {"endpoint": "GET /x", "baseline": "GET /api/feed", "max": 1}}, report
        )


def test_p95_slos_may_name_the_endpoints_they_judge(tmp_path: Path) -> None:
    """A rare slow upload (p95 900 ms) must not decide a verdict about the feed (80 ms)."""
    report = read_report(write_report(tmp_path))
    slo = {
        "max_p95_ms": [
            {"endpoint": "GET /api/feed", "max": 100},
            {"endpoint": "POST /api/photos", "max": 500},
        ]
    }
    feed, upload = judge(slo, report)
    assert (feed.passed, feed.measured) == (True, 80)
    assert (upload.passed, upload.measured) == (False, 900)
    assert "POST /api/photos" in upload.explanation
    with pytest.raises(SloError, match="endpoint"):
        judge({"max_p95_ms": {"max": 100}}, report)


def lab_with_load(**load: object) -> Lab:
    """A lab whose [lab.load] table is `load` (the scenario must exist)."""
    table = {"scenario": "loadtests/lab01_single_box.py", **load}
    return Lab(number=1, slug="01-x", title="x", load=table)


def test_quick_runs_shorten_the_run_but_keep_the_users() -> None:
    plan = LoadPlan.from_lab(lab_with_load(users=40, run_time="60s"), ROOT, quick=True)
    assert (plan.users, plan.run_time_s) == (40, 15)
    assert plan.describe() == "40 users for 15 s"
    fewer = LoadPlan.from_lab(lab_with_load(users=40, quick_users=8), ROOT, quick=True)
    assert fewer.users == 8  # only when the manifest says so
    assert LoadPlan.from_lab(lab_with_load(users=40), ROOT, quick=False).run_time_s == 60


@pytest.mark.parametrize(
    ("figures", "bottleneck"),
    [
        (
            {"machine_busy": {"postgres1": 0.3, "app1": 0.96}, "budget_cpu": 0.4},
            "app1 at 96% of its 0.4 CPU",
        ),
        ({"machine_busy": {"app1": 0.5}, "budget_cpu": 0.4, "box_busy": 0.5}, ""),
        ({"machine_busy": {"app1": 0.8}, "budget_cpu": 1.5, "box_busy": 0.97}, "the whole"),
        ({"app_cpu": {"app1": 0.97}, "single_process": True}, "app1 at 0.97 CPU"),
        ({"app_cpu": {"app1": 0.97}, "single_process": False, "box_busy": 0.6}, ""),
        ({"app_cpu": {"app1": 1.2}, "box_busy": 0.95}, "the whole machine (95%"),
    ],
)
def test_run_facts_name_what_limited_a_run(figures: dict[str, object], bottleneck: str) -> None:
    values: dict[str, object] = {"seconds": 60, "budget_cpu": 0.0, "budgets": "", **figures}
    facts = RunFacts(variant="x", **values)  # type: ignore[arg-type]
    assert facts.bottleneck().startswith(bottleneck) if bottleneck else facts.bottleneck() == ""
    assert facts.saturated is bool(bottleneck)
    assert ("saturated by" in facts.summary()) is bool(bottleneck)
    assert facts.as_json()["saturated"] is bool(bottleneck)


@pytest.mark.parametrize(
    ("text", "seconds"), [("60s", 60), ("15", 15), ("2m", 120), ("1m30s", 90), ("1h", 3600)]
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


def test_parse_duration_refuses_nonsense() -> None:
    with pytest.raises(LoadError, match="bad run time"):
        parse_duration("soon")


# --- end to end: a real quick run against the reference ------------------------------------------


def _workshop_load(*args: str, root: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run `workshop load ...` as a child process, as a student would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOAPP_")}
    env["WORKSHOP_ROOT"] = str(root)
    command = [sys.executable, "-m", "workshop", "load", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)


def _report_folder(output: str, root: Path) -> Path:
    """Find the report folder the run printed ("report: reports/lab01-...")."""
    for line in output.splitlines():
        if line.startswith("report: "):
            return root / line.split()[1]
    raise AssertionError(f"no 'report:' line in the output:\n{output}")


@pytest.mark.timeout(300)
def test_quick_load_run_of_lab_1_meets_its_slos(tmp_path: Path) -> None:
    result = _workshop_load("1", "--quick", "--impl", "reference")
    output = result.stdout + result.stderr
    folder = _report_folder(result.stdout, ROOT)
    try:
        assert result.returncode == 0, output
        summary = json.loads((folder / "summary.json").read_text())
        assert (folder / "report.html").is_file()
        assert (folder / "locust_stats_history.csv").is_file()
        assert "Running on" in (folder / "logs" / "app1.log").read_text()  # the server's log kept
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # keep reports/ for the student's own runs

    assert summary["lab"] == 1 and summary["quick"] is True
    assert summary["total"]["requests"] > 0, output
    assert summary["total"]["failure_ratio"] <= 0.01, output
    endpoints = {e["name"]: e for e in summary["endpoints"]}
    # Everyone logs in as an account made before the timed window: nobody signs up.
    assert "POST /api/register" not in endpoints
    assert endpoints["POST /api/login"]["requests"] == summary["users"] == 20
    assert {"GET /api/feed", "POST /api/photos"} <= set(endpoints)
    assert summary["passed"] is True and all(v["passed"] for v in summary["slo"])
    assert "PASS  max_p95_ms: p95 of GET /api/feed" in result.stdout
    assert "20 users for 15 s" in output  # --quick shortens the run, not the load
    [machine] = summary["machines"]
    assert machine["locust_cpu"] > 0 and machine["app_cpu"]["app1"] > 0


@pytest.mark.timeout(300)
def test_an_impossible_slo_makes_the_run_fail(tmp_path: Path) -> None:
    # A copy of the repository whose lab 1 promises a 1 ms p95, which no real run meets.
    root = tmp_path / "repo"
    for part in ("labs", "loadtests", "photoapp", "solutions"):
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = root / "labs" / "labs.toml"
    text = manifest.read_text()
    feed = '{ endpoint = "GET /api/feed", max = 1500 }'
    assert feed in text and 'quick_run_time = "15s"' in text
    text = text.replace(feed, feed.replace("1500", "1"), 1)
    manifest.write_text(text.replace('quick_run_time = "15s"', 'quick_run_time = "6s"', 1))

    result = _workshop_load("1", "--quick", "--impl", "reference", root=root)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL  max_p95_ms: p95 of GET /api/feed" in result.stdout
    summary = json.loads((_report_folder(result.stdout, root) / "summary.json").read_text())
    assert summary["passed"] is False


@pytest.mark.timeout(420)
def test_quick_compared_run_of_lab_4_shows_the_horizontal_step(tmp_path: Path) -> None:
    """Two app machines against one, each under its CPU budget: the verdicts match the data."""
    result = _workshop_load("4", "--quick", "--impl", "reference")
    output = result.stdout + result.stderr
    folder = _report_folder(result.stdout, ROOT)
    try:
        summary = json.loads((folder / "summary.json").read_text())
        for run in ("1-app", "2-apps", "chaos"):
            assert (folder / run / "report.html").is_file(), run
            assert (folder / run / "logs" / "nginx.log").is_file(), run
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    machines = {m["variant"]: m for m in summary["machines"]}
    assert set(machines) == {"1-app", "2-apps", "chaos"}
    for run in machines.values():
        assert run["budget_cpu"] == 0.4, output  # every run names the budget it ran under
        assert run["saturated"], f"{run['variant']} was not at its limit:\n{output}"
    assert set(machines["2-apps"]["machine_busy"]) == {"app1", "app2", "postgres1"}
    rps = {e["name"]: e["rps"] for e in summary["endpoints"]}
    step = rps["Aggregated (2-apps)"] / rps["Aggregated (1-app)"]
    [verdict] = [v for v in summary["slo"] if "Aggregated (2-apps)" in v["explanation"]
                 and v["name"] == "min_rps_ratio"]
    assert verdict["measured"] == pytest.approx(step)
    assert verdict["passed"] is (step >= verdict["target"]), output
    assert result.returncode == 0, output  # the manifest's margins hold: at least 1.6x
