"""`workshop ids bench`: ids per second from lab 08's generators, as a ratio of the layout's limit.

Four figures, measured in one run so they compare: SnowflakeIds in one thread and in four
processes (one shard each), shard 1's next_id() in one and in four PostgreSQL connections, beside
a plain nextval() in the same connections as the baseline. The layout's limit is 1,024 ids per
millisecond per shard: 1,024,000 ids/s. SLOs (labs/labs.toml, lab 8's [lab.bench]): Python in one
thread at least 0.35 of the limit, next_id() in one connection at least 100,000 ids/s.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LIMIT = 1_024_000  # ids/s per shard: 1,024 per ms
PY_SLO_RATIO = 0.35
SQL_SLO_PER_SECOND = 100_000


@dataclass(frozen=True)
class Figure:
    """One measurement: what made the ids, how many, how fast."""

    name: str
    ids: int
    seconds: float

    @property
    def per_second(self) -> float:
        """Ids per second."""
        return self.ids / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        """One line of the report."""
        return (f"  {self.name:<34} {self.per_second:>12,.0f} ids/s"
                f"  {self.per_second / LIMIT:5.2f} of the limit")


def _python_ids(count: int) -> float:
    """Make count ids in this process's one thread; return the seconds it took."""
    from photoapp.backends.ids_snowflake import SnowflakeIds

    ids = SnowflakeIds()
    make = ids.next_id
    started = time.perf_counter()
    for _ in range(count):
        make(1)
    return time.perf_counter() - started


def _python_process(shard: int, count: int) -> float:
    """Make count ids for one shard (a child process); return the seconds it took."""
    from photoapp.backends.ids_snowflake import SnowflakeIds

    make = SnowflakeIds().next_id
    started = time.perf_counter()
    for _ in range(count):
        make(shard)
    return time.perf_counter() - started


def _sql_connection(url: str, query: str, count: int) -> float:
    """Run query `count` times in one connection, as one statement; return the seconds."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(query, (1,))  # warm up: plan, sequence cached
        started = time.perf_counter()
        conn.execute(query, (count,))
        return time.perf_counter() - started


def _parallel(work: Callable[..., float], jobs: list[tuple[Any, ...]], name: str,
              count: int) -> Figure:
    """Run the jobs in processes at once; the figure is all their ids over the slowest."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(jobs)) as pool:
        # Each child times its own loop, so starting processes and imports are not counted.
        seconds = max(pool.starmap(work, jobs))
    return Figure(name, count * len(jobs), seconds)


def bench(url: str | None, count: int = 300_000, sql_count: int = 100_000) -> int:
    """Measure and print the figures and the SLO verdicts; 1 when an SLO is missed."""
    figures = [Figure("python, 1 thread", count, _python_ids(count))]
    figures.append(_parallel(_python_process, [(s, count) for s in range(1, 5)],
                             "python, 4 processes (shards 1-4)", count))
    verdicts = [("python 1 thread >= 0.35 of the limit",
                 figures[0].per_second >= PY_SLO_RATIO * LIMIT)]
    if url:
        from photoapp.backends.ids_postgres import switch_to_snowflake_ids

        switch_to_snowflake_ids(url, 1)
        baseline = "SELECT count(nextval('shard_0001.id_seq')) FROM generate_series(1, %s)"
        next_id = "SELECT count(shard_0001.next_id()) FROM generate_series(1, %s)"
        for n in (1, 4):
            for name, query in (("nextval() baseline", baseline), ("next_id()", next_id)):
                label = f"{name}, {n} connection{'s' if n > 1 else ''}"
                if n == 1:
                    seconds = _sql_connection(url, query, sql_count)
                    figures.append(Figure(label, sql_count, seconds))
                else:
                    jobs = [(url, query, sql_count)] * n
                    figures.append(_parallel(_sql_connection, jobs, label, sql_count))
        one_connection = next(f for f in figures if f.name == "next_id(), 1 connection")
        verdicts.append(("next_id() 1 connection >= 100,000 ids/s",
                         one_connection.per_second >= SQL_SLO_PER_SECOND))
        # nextval() ran first on the sequence next_id() uses: move it back under the clock.
        switch_to_snowflake_ids(url, 1)
    print(f"ids per second (the layout's limit: {LIMIT:,} per shard)")
    for figure in figures:
        print(figure.line())
    for text, ok in verdicts:
        print(f"  SLO {text}: {'met' if ok else 'MISSED'}")
    if not url:
        print("  (next_id() not measured: no PostgreSQL given with --database-url)")
    return 0 if all(ok for _, ok in verdicts) else 1


def bench_on_own_postgres(tree: Path, count: int, sql_count: int) -> int:
    """Start a scratch PostgreSQL, create the app's tables, bench, and stop it."""
    from workshop.services import Stack, StackSpec

    with Stack(StackSpec(postgres=1, app_servers=0), tree) as stack:
        url = stack.postgres[0].url
        from photoapp.backends.repository_postgres import PostgresRepository

        repo = PostgresRepository(url)
        repo.ping()  # creates the tables the switch needs
        repo.close()
        return bench(url, count, sql_count)


if __name__ == "__main__":
    sys.exit(bench(sys.argv[1] if len(sys.argv) > 1 else None))
