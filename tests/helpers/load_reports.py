"""A small, made-up Locust report folder, shaped like the one `workshop load` writes.

Unit tests of the report parsing and the notebook test use it, so neither needs a real run.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

from workshop.report import read_report, stats_json
from workshop.slo import Verdict, judge

STATS_COLUMNS = [
    "Type", "Name", "Request Count", "Failure Count", "Median Response Time",
    "Average Response Time", "Min Response Time", "Max Response Time", "Average Content Size",
    "Requests/s", "Failures/s", "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%",
    "99.9%", "99.99%", "100%",
]
HISTORY_COLUMNS = [
    "Timestamp", "User Count", "Type", "Name", "Requests/s", "Failures/s", "50%", "66%", "75%",
    "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%", "Total Request Count",
    "Total Failure Count", "Total Median Response Time", "Total Average Response Time",
    "Total Min Response Time", "Total Max Response Time", "Total Average Content Size",
]
START = 1_795_000_000  # a Unix time; the value does not matter
SLO = {"max_failure_ratio": 0.01, "max_p95_ms": 1500, "min_rps": 5}


@dataclass(frozen=True)
class Row:
    """One endpoint of the made-up run."""

    method: str
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


ROWS = [
    Row("GET", "/api/feed", 600, 0, 10.0, 20, 80, 120),
    Row("GET", "/api/photos/[id]/thumbnail", 1800, 3, 30.0, 5, 30, 60),
    Row("POST", "/api/photos", 60, 3, 1.0, 150, 900, 1400),
]
TOTAL = Row("", "Aggregated", 2460, 6, 41.0, 8, 200, 900)


def write_report(folder: Path, rows: list[Row] = ROWS, total: Row = TOTAL,
                 seconds: int = 20) -> Path:
    """Write locust_stats.csv, locust_stats_history.csv and summary.json into `folder`."""
    _write_locust_files(folder, rows, total, seconds)
    report = read_report(folder)
    summary = _summary(seconds, stats_json(report.total), [stats_json(s) for s in report.endpoints],
                       judge(SLO, report))
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    return folder


def write_compared_report(folder: Path, names: tuple[str, ...] = ("flask", "gunicorn"),
                          seconds: int = 20) -> Path:
    """Write a report that compares setups: one subfolder of Locust files per setup."""
    endpoints: list[dict[str, object]] = []
    for n, name in enumerate(names, 1):
        faster = [replace(row, rps=row.rps * n) for row in ROWS]  # each setup a bit faster
        _write_locust_files(folder / name, faster, replace(TOTAL, rps=TOTAL.rps * n), seconds)
        report = read_report(folder / name)
        endpoints += [{**stats_json(s), "name": f"{s.name} ({name})"} for s in report.endpoints]
        endpoints.append({**stats_json(report.total), "name": f"Aggregated ({name})"})
    summary = _summary(seconds, stats_json(read_report(folder / names[0]).total), endpoints,
                       judge(SLO, read_report(folder / names[0])))
    summary["compared"] = [{"name": name, "stack": {}, "env": {}} for name in names]
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    return folder


def _write_locust_files(folder: Path, rows: list[Row], total: Row, seconds: int) -> None:
    """Write the two CSV files Locust writes with --csv and --csv-full-history."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "locust_stats.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(STATS_COLUMNS)
        for row in [*rows, total]:
            writer.writerow([_cell(v) for v in _stats_line(row)])
    with open(folder / "locust_stats_history.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HISTORY_COLUMNS)
        writer.writerow([START, 0, "", "Aggregated", 0, 0] + ["N/A"] * 11 + [0] * 7)
        for second in range(1, seconds + 1):
            share = second / seconds  # totals grow through the run, like a real one
            for row in [*rows, total]:
                writer.writerow([_cell(v) for v in _history_line(row, second, share)])


def _summary(seconds: int, total: dict[str, object], endpoints: list[dict[str, object]],
             verdicts: list[Verdict]) -> dict[str, object]:
    """A summary.json shaped like the one `workshop load` writes."""
    return {
        "lab": 1, "title": "Single box", "impl": "reference", "quick": True,
        "started": "2026-11-21T21:00:00+00:00", "duration_s": seconds, "users": 10,
        "total": total,
        "endpoints": endpoints,
        "slo": [
            {"name": v.name, "passed": v.passed, "measured": v.measured, "target": v.target,
             "explanation": v.explanation}
            for v in verdicts
        ],
        "passed": all(v.passed for v in verdicts),
    }


def _cell(value: object) -> object:
    """Write a missing figure as Locust does: "N/A"."""
    return "N/A" if isinstance(value, float) and math.isnan(value) else value


def _stats_line(row: Row) -> list[object]:
    """One line of locust_stats.csv."""
    return [
        row.method, row.name, row.requests, row.failures, row.p50, row.p50 * 1.5, 1.0,
        row.p99 * 1.2, 1000.0, row.rps, row.failures / 60, row.p50, row.p50, row.p50, row.p95,
        row.p95, row.p95, row.p99, row.p99, row.p99, row.p99, row.p99 * 1.2,
    ]


def _history_line(row: Row, second: int, share: float) -> list[object]:
    """One line of locust_stats_history.csv, for one endpoint at one second."""
    wobble = 1 + 0.2 * ((second % 5) - 2) / 2  # some movement, so the plots are not flat
    return [
        START + second, 10, row.method, row.name, round(row.rps * wobble, 2), 0.0,
        row.p50, row.p50, row.p50, row.p95, row.p95, row.p95 * wobble, row.p99, row.p99,
        row.p99, row.p99, row.p99, int(row.requests * share), int(row.failures * share),
        row.p50, row.p50 * 1.5, 1.0, row.p99, 1000.0,
    ]
