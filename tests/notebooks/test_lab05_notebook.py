"""The lab 05 notebook runs from top to bottom on a small made-up report of three runs."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.load_reports import HISTORY_COLUMNS, START
from tests.helpers.notebooks import run_on_report, saved_clean
from workshop.manifest import repo_root

NOTEBOOK = repo_root() / "notebooks" / "lab05_caching.ipynb"
SECONDS = 30
KILLED, RESTARTED = 10, 15  # Redis is away from second 10 to second 15 of the chaos run
P95 = {"uncached": 120.0, "cached": 40.0, "chaos": 60.0}


def history_row(second: int, total: int, p95: float, failures: int = 0) -> list[object]:
    """One "Aggregated" line of locust_stats_history.csv with running totals."""
    figures = [p95 / 2] * 5 + [p95] + [p95 * 1.5] * 5  # 50% ... 100%
    return [START + second, 50, "", "Aggregated", 40.0, 0.0, *figures, total, failures,
            p95 / 2, p95 / 2, 1, p95 * 3, 900]


def write_run(folder: Path, run: str) -> None:
    """One run: Locust's history, and for the runs with Redis, the topology sampler's CSV."""
    folder.mkdir(parents=True)
    with open(folder / "locust_stats_history.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HISTORY_COLUMNS)
        for second in range(SECONDS):
            away = run == "chaos" and KILLED <= second < RESTARTED
            p95 = P95["uncached"] if away else P95[run]
            failures = 2 if run == "chaos" and second >= KILLED else 0
            writer.writerow(history_row(second, 40 * second, p95, failures))
    if run == "uncached":
        return
    with open(folder / "topology.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unix_time", "cache_hits", "cache_misses", "db_transactions"])
        hits = misses = 0
        for second in range(SECONDS):
            if not (run == "chaos" and KILLED <= second < RESTARTED):
                warm = min(1.0, 0.3 + second / 10) if second < RESTARTED or run != "chaos" else 0.9
                hits += int(100 * warm)
                misses += 100 - int(100 * warm)
            writer.writerow([START + second, hits, misses, 10 * second])


def write_lab05_report(folder: Path) -> Path:
    """Write summary.json and the three runs, shaped like a real `workshop load 5` report."""
    for run in P95:
        write_run(folder / run, run)
    events = [
        {"at_s": KILLED, "unix_time": START + KILLED, "event": "killed redis (SIGKILL)"},
        {"at_s": RESTARTED, "unix_time": START + RESTARTED, "event": "redis restarted"},
    ]
    (folder / "chaos" / "fault.json").write_text(json.dumps(events))
    endpoints: list[dict[str, Any]] = []
    for run, p95 in P95.items():
        for name, share in [("GET /api/feed", 0.5), ("GET /api/photos/[id]", 0.3)]:
            endpoints.append({"name": f"{name} ({run})", "requests": int(1200 * share),
                              "rps": 40 * share, "p50_ms": p95 / 2, "p95_ms": p95,
                              "failure_ratio": 0.0})
        failures = 0.05 if run == "chaos" else 0.0
        endpoints.append({"name": f"Aggregated ({run})", "requests": 1200, "rps": 40.0,
                          "p50_ms": p95 / 2, "p95_ms": p95, "failure_ratio": failures / 12})
    summary = {
        "lab": 5,
        "endpoints": endpoints,
        "slo": [{"name": "max_p95_ratio", "passed": True,
                 "explanation": "p95 of GET /api/feed (cached) / (uncached): 0.33, at most 0.50"}],
    }
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


def test_lab05_notebook_is_saved_without_outputs() -> None:
    """The notebook is committed clean, so diffs stay readable."""
    assert saved_clean(NOTEBOOK)


@pytest.mark.timeout(240)
def test_lab05_notebook_plots_the_three_runs_and_the_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hit ratio, p95 and memory plots are drawn, and the figures are printed."""
    report = write_lab05_report(tmp_path / "lab05-20261201-200000")
    images, text = run_on_report(NOTEBOOK, report, monkeypatch, timeout=180)
    assert images == 3, f"expected the hit ratio, p95 and memory plots, got {images} images"
    assert "killed redis" in text and "hit ratio over the whole cached run" in text, text
    assert "p95 GET /api/feed: 40 ms cached, 120 ms uncached, ratio 0.33" in text, text
    assert "5 failed requests in the chaos run" in text, text
    assert "(listpack)" in text and "(hashtable)" in text, text
    ratio = float(text.split("buckets as listpacks / plain keys: ")[1].split()[0])
    assert ratio < 0.25, text
