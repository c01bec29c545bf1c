"""Lab 08: SnowflakeIds, the IdGenerator port in Python: Instagram's 41/13/10 layout.

Your task is in labs/08-snowflake-ids/README.md, section "Step 1: SnowflakeIds in Python".
The layout's constants are in photoapp/id_layout.py; photoapp/backends/ids_memory.py is a
simpler generator of the same port that never waits.

The rules of the road:
- An id is (ms since EPOCH_MS) << 23 | shard << 10 | sequence; read the time only through
  self._clock (milliseconds since 1970) and wait only through self._sleep (seconds): the tests
  fake both.
- Thread-safe: one lock around "read the clock, compare with the last millisecond, count".
- More than 1,024 ids in one millisecond: wait for the next millisecond, never wrap.
- The clock steps back: never return a smaller or repeated id. Wait out a small step; refuse a
  big one (more than about a second) with ClockMovedBackwards and a message that says why.
"""

from __future__ import annotations

import time
from collections.abc import Callable

GUIDE = "see labs/08-snowflake-ids/README.md"


def _todo(what: str) -> NotImplementedError:
    """Return the error every unwritten part of this lab raises."""
    return NotImplementedError(f"Lab 08: write {what} in {__name__} ({GUIDE})")


class ClockMovedBackwards(RuntimeError):
    """The clock went back further than we are willing to wait: ids could repeat."""


def wall_clock_ms() -> int:
    """Return the time in milliseconds since 1970 (UTC)."""
    return time.time_ns() // 1_000_000


class SnowflakeIds:
    """64-bit ids that grow with time: ms since EPOCH_MS, shard, sequence within the ms."""

    def __init__(self, clock: Callable[[], int] = wall_clock_ms,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """Read time from clock (ms since 1970) and wait with sleep(seconds); tests fake both."""
        raise _todo("SnowflakeIds")

    def next_id(self, shard: int) -> int:
        """Return a new id carrying this shard's bits, larger than every id returned before."""
        raise _todo("SnowflakeIds.next_id")
