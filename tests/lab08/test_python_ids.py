"""Lab 08, Step 1: SnowflakeIds: the layout, the edges of the clock, threads."""

from __future__ import annotations

import threading
import time

import pytest

from tests.lab08.conftest import EPOCH_MS, NOW_MS, FakeClock, split
from tests.lab08.guide import PYTHON


def test_an_id_carries_its_time_shard_and_sequence():
    """A fresh id decodes (by the documented layout) to now, its shard and a small sequence."""
    from photoapp.backends.ids_snowflake import SnowflakeIds

    before = time.time_ns() // 1_000_000
    made = SnowflakeIds().next_id(1341)
    after = time.time_ns() // 1_000_000
    ms, shard, sequence = split(made)
    assert before - 5 <= EPOCH_MS + ms <= after + 5, (
        f"expected the id's 41 high bits to be ms since {EPOCH_MS} (between {before} and"
        f" {after}), got {EPOCH_MS + ms} — {PYTHON}"
    )
    assert (shard, sequence) == (1341, 0), (
        f"expected shard 1341 and sequence 0 in bits 10-22 and 0-9, got {shard}, {sequence}"
        f" — {PYTHON}"
    )
    assert made >> 63 == 0, f"expected the sign bit to stay 0 (a positive bigint) — {PYTHON}"


def test_the_epoch_and_the_bit_widths_are_the_documented_ones(faked_ids, clock):
    """At a known time, shard and sequence, the id is exactly the one worked out by hand."""
    clock.ms = EPOCH_MS + 1_387_263_000
    first, second = faked_ids.next_id(1341), faked_ids.next_id(1341)
    expected = (1_387_263_000 << 23) | (1341 << 10)
    assert (first, second) == (expected, expected + 1), (
        f"expected {expected} then {expected + 1} (ms << 23 | shard << 10 | sequence, epoch"
        f" {EPOCH_MS}), got {first} and {second} — {PYTHON}"
    )


def test_later_ids_are_larger(faked_ids, clock):
    """Ids grow with the clock and within one millisecond."""
    made = []
    for _ in range(5):
        made += [faked_ids.next_id(3) for _ in range(3)]
        clock.ms += 2
    assert made == sorted(made) and len(set(made)) == len(made), (
        f"expected ever larger ids, got {made} — {PYTHON}"
    )


def test_a_shard_outside_13_bits_is_refused(faked_ids):
    """Shard 8192 does not fit in 13 bits: a ValueError, not an id of another shard."""
    for shard in (-1, 8192):
        with pytest.raises(ValueError):
            faked_ids.next_id(shard)
            pytest.fail(f"expected ValueError for shard {shard} — {PYTHON}")


def test_a_clock_stepping_back_5_ms_never_gives_a_smaller_id(faked_ids, clock):
    """NTP steps the clock back 5 ms: the next ids are still larger than every earlier one."""
    before = [faked_ids.next_id(1) for _ in range(10)]
    clock.ms -= 5
    after = [faked_ids.next_id(1) for _ in range(10)]
    made = before + after
    assert made == sorted(made) and len(set(made)) == len(made), (
        f"expected ids to keep growing after the clock went back 5 ms; last before {before[-1]},"
        f" after {after[:3]}... — {PYTHON} (clocks)"
    )


def test_a_big_step_back_is_refused_with_a_clear_error(faked_ids, clock):
    """The clock goes back an hour: waiting would freeze the app, so next_id refuses."""
    from photoapp.backends.ids_snowflake import ClockMovedBackwards

    faked_ids.next_id(1)
    clock.ms -= 3_600_000
    with pytest.raises(ClockMovedBackwards) as raised:
        faked_ids.next_id(1)
        pytest.fail(f"expected ClockMovedBackwards when the clock goes back an hour — {PYTHON}")
    assert "back" in str(raised.value), (
        f"expected the error to say the clock went back, got {str(raised.value)!r} — {PYTHON}"
    )


def test_5000_ids_in_one_millisecond_wait_and_stay_unique(faked_ids, clock):
    """5,000 ids asked for in one faked ms: at most 1,024 per ms, all unique, none in the future."""
    start = clock.ms
    made = [faked_ids.next_id(1) for _ in range(5000)]
    per_ms: dict[int, int] = {}
    for value in made:
        ms = split(value)[0]
        per_ms[ms] = per_ms.get(ms, 0) + 1
    assert len(set(made)) == 5000 and made == sorted(made), (
        f"expected 5,000 unique growing ids, got {len(set(made))} unique — {PYTHON} (1,024 per ms)"
    )
    assert max(per_ms.values()) <= 1024, (
        f"expected at most 1,024 ids per millisecond, got {max(per_ms.values())} — {PYTHON}"
    )
    newest = EPOCH_MS + max(per_ms)
    assert start <= newest <= clock.ms, (
        f"expected ids stamped between {start} and the clock's {clock.ms}, got {newest}: wait"
        f" for the next millisecond instead of claiming a future one — {PYTHON}"
    )


def test_threads_share_one_generator_safely():
    """8 threads on one generator: no id twice."""
    from photoapp.backends.ids_snowflake import SnowflakeIds

    ids = SnowflakeIds()
    made: list[list[int]] = [[] for _ in range(8)]

    def run(out: list[int]) -> None:
        out.extend(ids.next_id(5) for _ in range(20_000))

    threads = [threading.Thread(target=run, args=(out,)) for out in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [value for out in made for value in out]
    duplicates = len(every) - len(set(every))
    assert duplicates == 0, f"expected no id twice across threads, got {duplicates} — {PYTHON}"


def test_the_fake_clock_is_only_read_through_the_clock_argument(faked_ids, clock):
    """The generator reads time from its clock argument (so the other tests mean something)."""
    clock.ms = NOW_MS + 10_000
    assert EPOCH_MS + split(faked_ids.next_id(1))[0] == NOW_MS + 10_000, (
        f"expected the id's time to be the faked clock's — {PYTHON}"
    )
    assert isinstance(clock, FakeClock)
