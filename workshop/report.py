"""Read the CSV files of a Locust run and turn them into tables and summary.json.

Locust writes, for `--csv <folder>/locust`:
- locust_stats.csv          one row per endpoint and an "Aggregated" row, for the whole run;
- locust_stats_history.csv  one row per second (per endpoint too with --csv-full-history);
- locust_failures.csv       one row per distinct failure.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

PREFIX = "locust"
AGGREGATED = "Aggregated"
SUMMARY = "summary.json"


class ReportError(ValueError):
    """A report folder is missing its CSV files or they cannot be read."""


@dataclass(frozen=True)
class EndpointStats:
    """The figures of one endpoint (or of all requests together) over a whole run."""

    name: str  # "GET /api/feed", or "Aggregated" for every request together
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @property
    def failure_ratio(self) -> float:
        """Failed requests as a share of all requests (0 when nothing was sent)."""
        return self.failures / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class LoadReport:
    """Every endpoint of one run, and the aggregated line.

    A compared run (workshop/compare.py) names its variants; each has its own
    "Aggregated (<variant>)" endpoint, and `total` then only counts requests and failures of
    every run together: a throughput or percentile of several runs at once means nothing.
    """

    endpoints: list[EndpointStats]
    total: EndpointStats
    variants: tuple[str, ...] = ()

    def totals(self) -> list[EndpointStats]:
        """The aggregated line of each run: one for a plain run, one per compared variant."""
        if not self.variants:
            return [self.total]
        return [self.endpoint(f"{AGGREGATED} ({name})") for name in self.variants]

    def endpoint(self, name: str) -> EndpointStats:
        """Return one endpoint by name ("GET /api/feed"), or raise ReportError naming the rest."""
        for stats in self.endpoints:
            if stats.name == name:
                return stats
        known = ", ".join(s.name for s in self.endpoints) or "none"
        raise ReportError(f"no endpoint {name!r} in this run; endpoints: {known}")


@dataclass(frozen=True)
class Progress:
    """The latest second of a running load test, from the history CSV."""

    users: int
    rps: float
    p95_ms: float
    requests: int
    failures: int


def stats_csv(folder: Path) -> Path:
    """Return the path of a report's whole-run statistics."""
    return Path(folder) / f"{PREFIX}_stats.csv"


def history_csv(folder: Path) -> Path:
    """Return the path of a report's per-second history."""
    return Path(folder) / f"{PREFIX}_stats_history.csv"


def read_report(folder: Path) -> LoadReport:
    """Read <folder>/locust_stats.csv into a LoadReport."""
    path = stats_csv(folder)
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        raise ReportError(f"{path} is missing: Locust did not finish its run") from None
    endpoints = [_endpoint(row) for row in rows if row["Name"] != AGGREGATED]
    totals = [_endpoint(row) for row in rows if row["Name"] == AGGREGATED]
    if not totals:
        raise ReportError(f"{path} has no Aggregated row: Locust stopped before writing it")
    return LoadReport(endpoints=endpoints, total=totals[0])


def _endpoint(row: dict[str, str]) -> EndpointStats:
    """Build EndpointStats from one row of locust_stats.csv."""
    name = f"{row['Type']} {row['Name']}".strip()  # the Aggregated row has no Type
    return EndpointStats(
        name=name,
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        rps=_number(row["Requests/s"]),
        p50_ms=_number(row["50%"]),
        p95_ms=_number(row["95%"]),
        p99_ms=_number(row["99%"]),
        max_ms=_number(row["Max Response Time"]),
    )


def _number(text: str) -> float:
    """Parse a Locust figure; "N/A" (no requests yet) becomes NaN."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def latest_progress(folder: Path) -> Progress | None:
    """Return the newest Aggregated line of the history CSV, or None before the first one."""
    try:
        lines = history_csv(folder).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    if len(lines) < 2:
        return None
    header = next(csv.reader(lines[:1]))
    # Locust may be writing the last line right now: walk back to a complete Aggregated one.
    for line in reversed(lines[1:]):
        values = next(csv.reader([line]))
        if len(values) != len(header):
            continue
        row = dict(zip(header, values, strict=True))
        if row["Name"] == AGGREGATED:
            return Progress(
                users=int(row["User Count"]),
                rps=_number(row["Requests/s"]),
                p95_ms=_number(row["95%"]),
                requests=int(row["Total Request Count"]),
                failures=int(row["Total Failure Count"]),
            )
    return None


def format_table(report: LoadReport) -> str:
    """Format the run as a table: one line per endpoint, then the aggregated line.

    A compared run gets one block per variant, each closed by its own aggregated line.
    """
    width = max([len(s.name) for s in report.endpoints] + [len(AGGREGATED), len("endpoint")])
    header = (
        f"{'endpoint':<{width}}  {'requests':>8}  {'req/s':>7}  {'p50 ms':>7}  "
        f"{'p95 ms':>7}  {'p99 ms':>7}  {'failures':>8}"
    )
    rule = "-" * len(header)
    lines = [header]
    if not report.variants:
        lines += _block(report.endpoints, report.total, width, rule)
        return "\n".join(lines)
    for name, total in zip(report.variants, report.totals(), strict=True):
        mine = [s for s in report.endpoints if s.name.endswith(f" ({name})") and s is not total]
        lines += _block(mine, total, width, rule)
    everything = report.total
    lines.append(
        f"all runs together: {everything.requests} requests, {everything.failure_ratio:.2%} failed"
    )
    return "\n".join(lines)


def _block(
    endpoints: list[EndpointStats], total: EndpointStats, width: int, rule: str
) -> list[str]:
    """One run's lines: a rule, its endpoints by name, a rule, its aggregated line."""
    lines = [_table_line(s, width) for s in sorted(endpoints, key=lambda s: s.name)]
    return [rule, *lines, rule, _table_line(total, width)]


def _table_line(stats: EndpointStats, width: int) -> str:
    """Format one endpoint's figures under the table header."""
    return (
        f"{stats.name:<{width}}  {stats.requests:>8}  {stats.rps:>7.1f}  {_ms(stats.p50_ms):>7}  "
        f"{_ms(stats.p95_ms):>7}  {_ms(stats.p99_ms):>7}  {stats.failure_ratio:>8.2%}"
    )


def _ms(value: float) -> str:
    """Format milliseconds without decimals, or "-" when there is no figure."""
    return "-" if math.isnan(value) else f"{value:.0f}"


def stats_json(stats: EndpointStats) -> dict[str, Any]:
    """One endpoint as JSON, with its failure ratio spelled out."""
    data = asdict(stats)
    data["failure_ratio"] = stats.failure_ratio
    # JSON has no NaN: an endpoint without a figure gets null.
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in data.items()}


def write_summary(folder: Path, summary: dict[str, Any]) -> Path:
    """Write <folder>/summary.json and return its path."""
    path = Path(folder) / SUMMARY
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return path
