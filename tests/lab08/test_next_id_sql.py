"""Lab 08, Step 2: next_id() in PL/pgSQL: the layout, and unique past 1,024 ids per millisecond."""

from __future__ import annotations

import threading
import time

import psycopg

from tests.lab08.conftest import EPOCH_MS, SHARD, call_next_id, split
from tests.lab08.guide import PLPGSQL

# One faked millisecond lasts this many real ones, so a handful of connections ask for far more
# than 1,024 ids in it. The clock still moves, so a next_id() that waits does finish.
SLOWDOWN = 500
SLOW_CLOCK = """
    CREATE OR REPLACE FUNCTION shard_0001.now_ms() RETURNS bigint LANGUAGE sql VOLATILE AS $$
        SELECT {start} + (floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint - {start})
                         / {slowdown}
    $$
"""


def test_next_id_has_the_layout(pg_with_next_id):
    """shard_0001.next_id() answers ids with now, shard 1 and growing sequence numbers."""
    before = time.time_ns() // 1_000_000
    made = call_next_id(pg_with_next_id, 3)
    after = time.time_ns() // 1_000_000
    for value in made:
        ms, shard, _ = split(value)
        assert before - 50 <= EPOCH_MS + ms <= after + 50 and shard == SHARD, (
            f"expected ms since {EPOCH_MS} near {before} and shard {SHARD}, got"
            f" {EPOCH_MS + ms} and {shard} — {PLPGSQL}"
        )
    assert made == sorted(made) and len(set(made)) == 3, (
        f"expected three growing ids, got {made} — {PLPGSQL}"
    )


def test_next_id_is_safe_to_install_twice(pg_with_next_id):
    """The switch is a migration you may run again: a second install keeps everything working."""
    from photoapp.backends.ids_postgres import install_next_id

    first = call_next_id(pg_with_next_id, 1)[0]
    with psycopg.connect(pg_with_next_id) as conn:
        install_next_id(conn, SHARD)
    again = call_next_id(pg_with_next_id, 1)[0]
    assert again > first, f"expected ids to keep growing after a second install — {PLPGSQL}"


def test_many_connections_past_1024_per_ms_never_repeat(pg_with_next_id):
    """6 connections on one shard ask for 6,000 ids while the clock crawls: no id twice."""
    start = time.time_ns() // 1_000_000
    with psycopg.connect(pg_with_next_id, autocommit=True) as conn:
        conn.execute(SLOW_CLOCK.format(start=start, slowdown=SLOWDOWN))
    made: list[list[int]] = [[] for _ in range(6)]
    errors: list[BaseException] = []

    def run(out: list[int]) -> None:
        try:
            for _ in range(10):
                out.extend(call_next_id(pg_with_next_id, 100))
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    connections = [threading.Thread(target=run, args=(out,)) for out in made]
    for connection in connections:
        connection.start()
    for connection in connections:
        connection.join(timeout=120)
    assert not errors, f"expected next_id() to answer, got {errors[0]!r} — {PLPGSQL}"
    every = [value for out in made for value in out]
    per_ms: dict[int, int] = {}
    for value in every:
        per_ms[split(value)[0]] = per_ms.get(split(value)[0], 0) + 1
    duplicates = len(every) - len(set(every))
    assert duplicates == 0, (
        f"expected 0 duplicates among {len(every):,} ids from 6 connections, got {duplicates:,}:"
        f" nextval() % 1024 repeats when more than 1,024 ids are asked for in one ms — {PLPGSQL}"
    )
    assert max(per_ms.values()) <= 1024, (
        f"expected at most 1,024 ids per ms, got {max(per_ms.values())} — {PLPGSQL}"
    )
    for out in made:
        assert out == sorted(out), f"expected each connection's ids to grow — {PLPGSQL}"
