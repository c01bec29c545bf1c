"""The lab 04 notebook runs from top to bottom on a small made-up chaos report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.helpers.load_reports import HISTORY_COLUMNS, START
from tests.helpers.notebooks import run_on_report, saved_clean
from workshop.manifest import repo_root

NOTEBOOK = repo_root() / "notebooks" / "lab04_failover.ipynb"
SECONDS = 30
KILLED, RESTARTED = 10, 15  # app1 is away from second 10 to second 15


def history_row(second: int, name: str, total: int, failures: int = 0) -> list[object]:
    """One line of locust_stats_history.csv with running totals."""
    figures = [5.0] * 11  # the percentile columns
    return [START + second, 10, "GET", name, 4.0, 0.0, *figures, total, failures, 5, 5, 1, 9, 16]


def write_lab04_report(folder: Path) -> Path:
    """Write summary.json and a chaos run (history and fault.json) shaped like a real one."""
    chaos = folder / "chaos"
    chaos.mkdir(parents=True)
    with open(chaos / "locust_stats_history.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HISTORY_COLUMNS)
        app1 = app2 = 0
        for second in range(SECONDS):
            away = KILLED <= second < RESTARTED
            app1 += 0 if away else 2
            app2 += 4 if away else 2
            writer.writerow(history_row(second, "/healthz [app1]", app1))
            writer.writerow(history_row(second, "/healthz [app2]", app2))
            failures = 3 if second >= KILLED else 0  # three POSTs lost at the kill
            writer.writerow(history_row(second, "Aggregated", 40 * second, failures))
    events = [
        {"at_s": KILLED, "unix_time": START + KILLED, "event": "killed app1 (SIGKILL)"},
        {"at_s": RESTARTED, "unix_time": START + RESTARTED, "event": "app1 restarted"},
    ]
    (chaos / "fault.json").write_text(json.dumps(events))
    runs = {"1-app": 50.0, "2-apps": 48.0, "chaos": 45.0}
    summary = {
        "lab": 4,
        "endpoints": [
            {
                "name": f"Aggregated ({name})",
                "requests": int(rps * SECONDS),
                "rps": rps,
                "p50_ms": 20.0,
                "p95_ms": 200.0,
                "failure_ratio": 0.0,
            }
            for name, rps in runs.items()
        ],
        "slo": [
            {
                "name": "max_failure_ratio",
                "passed": True,
                "explanation": "failed requests: 0.10%, at most 1.00%",
            }
        ],
    }
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


def test_lab04_notebook_is_saved_without_outputs() -> None:
    """The notebook is committed clean, so diffs stay readable."""
    assert saved_clean(NOTEBOOK)


@pytest.mark.timeout(180)
def test_lab04_notebook_plots_the_chaos_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both plots are drawn, the fault events are read and the runs are compared."""
    report = write_lab04_report(tmp_path / "lab04-20261121-220000")
    images, text = run_on_report(NOTEBOOK, report, monkeypatch, timeout=120)
    assert images == 2, f"expected the spread and the failures plots, got {images} images"
    assert "killed app1" in text and "throughput 2-apps / 1-app: 0.96" in text, text
    assert "3 failed requests in the chaos run" in text, text
