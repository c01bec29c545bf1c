"""What a load run did behind the app: cache hits and misses, and database transactions.

Locust sees requests and their latencies. What the servers behind the app did comes from the
servers themselves, with no help from the app:

- Redis counts every key lookup that found something and every one that did not
  (`INFO stats`: keyspace_hits, keyspace_misses), since it started;
- PostgreSQL counts the transactions committed and rolled back in each database
  (`pg_stat_database`). Each repository call is one transaction (one `with pool.connection()`
  block), so that is the number of database calls. A backend reports its counts at most once a
  second while busy, so the last second of a run may be missing from the figure.

`watched(stack, folder)` samples both once a second while a load run runs, into
`<folder>/topology.csv` (running totals since the run began, summed across a restart of Redis,
whose counters start again at zero), and writes the totals to `<folder>/topology.json` at the
end. `judge(slo, report_folder, report)` turns them into SLO verdicts:

    min_cache_hit_ratio = { run = "cached", min = 0.9 }
    max_db_calls_ratio = { run = "cached", baseline = "uncached", max = 0.2 }

where `run` names a [[lab.load.compare]] variant (its subfolder of the report) and database calls
per request divide that run's transactions by its "Aggregated (<run>)" requests.
"""

from __future__ import annotations

import csv
import json
import math
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workshop.report import LoadReport
from workshop.services import Stack
from workshop.slo import SloError, Verdict

SAMPLES_CSV = "topology.csv"
TOTALS_JSON = "topology.json"
EVERY_S = 1.0
TRANSACTIONS = """
    SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()
"""
CHECKS = ("min_cache_hit_ratio", "max_db_calls_ratio")


@dataclass(frozen=True)
class Sample:
    """The servers' own counters at one moment; None for a server that is absent or down."""

    unix_time: float
    cache_hits: int | None
    cache_misses: int | None
    db_transactions: int | None


class Sampler:
    """Read a stack's counters, keeping one connection to each server between samples."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._redis: Any = None
        self._postgres: Any = None

    def sample(self) -> Sample:
        """Read Redis's keyspace counters and PostgreSQL's transaction count, now."""
        return Sample(time.time(), *self._cache(), self._transactions())

    def _cache(self) -> tuple[int | None, int | None]:
        """keyspace_hits and keyspace_misses, or Nones when Redis is absent or down."""
        server = self.stack.redis
        if server is None or not server.is_running():
            return None, None
        import redis

        try:
            if self._redis is None:
                self._redis = redis.Redis.from_url(server.url, socket_timeout=2,
                                                   socket_connect_timeout=2)
            stats: dict[str, Any] = self._redis.info("stats")
        except (redis.RedisError, OSError):
            self._redis = None  # a restarted Redis: connect again next time
            return None, None
        return int(stats["keyspace_hits"]), int(stats["keyspace_misses"])

    def _transactions(self) -> int | None:
        """Committed and rolled-back transactions of the app's database, or None."""
        if not self.stack.postgres:
            return None
        import psycopg

        try:
            if self._postgres is None:
                self._postgres = psycopg.connect(self.stack.postgres[0].dsn(), autocommit=True,
                                                 connect_timeout=2)
            row = self._postgres.execute(TRANSACTIONS).fetchone()
        except psycopg.Error:
            self._postgres = None
            return None
        return int(row[0]) if row else None

    def close(self) -> None:
        """Close both connections."""
        for connection in (self._redis, self._postgres):
            if connection is not None:
                with suppress(Exception):
                    connection.close()


def sample(stack: Stack) -> Sample:
    """Read the stack's counters once."""
    sampler = Sampler(stack)
    try:
        return sampler.sample()
    finally:
        sampler.close()


@dataclass
class Totals:
    """Running totals since the first sample, counting across counter resets (restarts)."""

    cache_hits: int = 0
    cache_misses: int = 0
    db_transactions: int = 0
    samples: int = 0
    seconds: float = 0.0
    redis_seen: bool = False
    postgres_seen: bool = False
    _first: Sample | None = field(default=None, repr=False)
    _last: dict[str, int] = field(default_factory=dict, repr=False)

    def add(self, now: Sample) -> None:
        """Fold one sample into the totals."""
        self._first = self._first or now
        self.seconds = now.unix_time - self._first.unix_time
        self.samples += 1
        for name in ("cache_hits", "cache_misses", "db_transactions"):
            value = getattr(now, name)
            if value is None:
                continue
            previous = self._last.get(name)
            if previous is not None:
                # A counter that went down belongs to a restarted server: all of it is new.
                grew = value - previous if value >= previous else value
                setattr(self, name, getattr(self, name) + grew)
            self._last[name] = value
        self.redis_seen |= now.cache_hits is not None
        self.postgres_seen |= now.db_transactions is not None

    @property
    def hit_ratio(self) -> float:
        """Hits over lookups (NaN when Redis was never seen or nothing was looked up)."""
        lookups = self.cache_hits + self.cache_misses
        return self.cache_hits / lookups if self.redis_seen and lookups else math.nan

    @property
    def app_transactions(self) -> int:
        """The database's transactions less the one each of our own samples made."""
        return max(0, self.db_transactions - max(0, self.samples - 1))

    def as_dict(self) -> dict[str, Any]:
        """The totals as JSON-ready figures."""
        figures = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        figures["hit_ratio"] = None if math.isnan(self.hit_ratio) else round(self.hit_ratio, 4)
        figures["db_transactions"] = self.app_transactions if self.postgres_seen else None
        return figures


@contextmanager
def watched(stack: Stack, folder: Path, every_s: float = EVERY_S) -> Iterator[Totals]:
    """Sample `stack` every `every_s` seconds while the body runs; write the CSV and totals."""
    totals = Totals()
    sampler = Sampler(stack)
    done = threading.Event()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / SAMPLES_CSV, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unix_time", "cache_hits", "cache_misses", "db_transactions"])

        def record() -> None:
            totals.add(sampler.sample())
            writer.writerow([round(time.time(), 3), totals.cache_hits, totals.cache_misses,
                             totals.app_transactions if totals.postgres_seen else ""])
            handle.flush()

        def loop() -> None:
            while not done.wait(every_s):
                record()

        record()
        thread = threading.Thread(target=loop, name="topology", daemon=True)
        thread.start()
        try:
            yield totals
        finally:
            done.set()
            thread.join(timeout=10)
            record()
            sampler.close()
    (folder / TOTALS_JSON).write_text(json.dumps(totals.as_dict(), indent=2) + "\n")


def read(folder: Path) -> dict[str, Any] | None:
    """Return a run's totals from its topology.json, or None when it has none."""
    path = folder / TOTALS_JSON
    if not path.is_file():
        return None
    figures: dict[str, Any] = json.loads(path.read_text())
    return figures


def db_calls_per_request(report_folder: Path, report: LoadReport, run: str) -> float:
    """A run's database transactions per request served (NaN when either is unknown)."""
    figures = read(report_folder / run) or {}
    transactions = figures.get("db_transactions")
    requests = next((e.requests for e in report.endpoints if e.name == f"Aggregated ({run})"), 0)
    if transactions is None or not requests:
        return math.nan
    return float(transactions) / requests


def judge(slo: Mapping[str, Any], report_folder: Path, report: LoadReport) -> list[Verdict]:
    """Judge the topology checks of [lab.slo] that are present (CHECKS); others are ignored."""
    verdicts = []
    if "min_cache_hit_ratio" in slo:
        target = _table(slo, "min_cache_hit_ratio", ("run", "min"))
        run = str(target["run"])
        figures = read(report_folder / run) or {}
        measured = figures.get("hit_ratio")
        ratio = math.nan if measured is None else float(measured)
        verdicts.append(_verdict(
            "min_cache_hit_ratio", f"cache hit ratio of the {run} run (Redis keyspace)",
            ratio, float(target["min"]), at_most=False,
        ))
    if "max_db_calls_ratio" in slo:
        target = _table(slo, "max_db_calls_ratio", ("run", "baseline", "max"))
        run, baseline = str(target["run"]), str(target["baseline"])
        ours = db_calls_per_request(report_folder, report, run)
        theirs = db_calls_per_request(report_folder, report, baseline)
        ratio = ours / theirs if theirs else math.nan
        verdicts.append(_verdict(
            "max_db_calls_ratio",
            f"database calls per request, {run} / {baseline} ({ours:.2f} / {theirs:.2f})",
            ratio, float(target["max"]), at_most=True,
        ))
    return verdicts


def _table(slo: Mapping[str, Any], name: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    """Return the check's table, or raise SloError naming what it must hold."""
    table = slo[name]
    if not isinstance(table, Mapping) or any(k not in table for k in keys):
        raise SloError(f"[lab.slo] {name} must be a table with {', '.join(keys)}")
    return table


def _verdict(name: str, what: str, measured: float, target: float, *, at_most: bool) -> Verdict:
    """One verdict, worded like workshop/slo.py's (NaN, nothing measured, always fails)."""
    passed = (measured <= target if at_most else measured >= target) and not math.isnan(measured)
    bound = "at most" if at_most else "at least"
    return Verdict(name, passed, measured, target,
                   f"{what}: {measured:.2f}, {bound} {target:.2f}")
