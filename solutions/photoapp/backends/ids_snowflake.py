"""Lab 08: SnowflakeIds, the IdGenerator port in Python: Instagram's 41/13/10 layout.

One lock guards the last millisecond and its sequence, shared by every shard this process
makes ids for: at most 1,024 ids per millisecond in all, each unique within the process.
Uniqueness across processes comes from the shard bits: two processes must never make ids for
the same shard at the same time (the guide, "Step 1", shows what happens when they do).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from photoapp.id_layout import (
    EPOCH_MS,
    MAX_SEQUENCE,
    MAX_SHARD,
    MAX_TIME,
    SHARD_SHIFT,
    TIME_SHIFT,
)

# How far back the clock may step before we refuse to make ids: a small step (NTP correcting
# a few ms) is waited out; a big one is a broken clock, and waiting would freeze the app.
MAX_BACKWARDS_MS = 1000


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
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last_ms = -1  # the millisecond of the last id (since EPOCH_MS)
        self._sequence = 0  # how many ids that millisecond has given, minus one

    def next_id(self, shard: int) -> int:
        """Return a new id carrying this shard's bits, larger than every id returned before."""
        if not 0 <= shard <= MAX_SHARD:
            raise ValueError(f"shard {shard} is outside 0..{MAX_SHARD} (13 bits)")
        with self._lock:
            now = self._clock() - EPOCH_MS
            if now > self._last_ms:  # a new millisecond: the usual case, kept short
                if now > MAX_TIME:
                    raise ClockMovedBackwards(f"the clock reads {now} ms: past the 41 bits")
                self._sequence = 0
            else:
                if now < self._last_ms:  # the clock stepped back: wait until it is past us again
                    self._wait_for(self._last_ms, behind=self._last_ms - now)
                self._sequence += 1
                if self._sequence > MAX_SEQUENCE:  # 1,024 ids this ms: wait for the next one
                    now = self._wait_for(self._last_ms + 1, behind=0)
                    self._sequence = 0
                else:
                    now = self._last_ms
            self._last_ms = now
            return (now << TIME_SHIFT) | (shard << SHARD_SHIFT) | self._sequence

    def _now(self) -> int:
        """Return milliseconds since EPOCH_MS, refusing a time the 41 bits cannot hold."""
        now = self._clock() - EPOCH_MS
        if not 0 <= now <= MAX_TIME:
            raise ClockMovedBackwards(f"the clock reads {now} ms from the epoch: outside 41 bits")
        return now

    def _wait_for(self, target: int, behind: int) -> int:
        """Sleep until the clock reaches target (ms since EPOCH_MS); return the time then."""
        if behind > MAX_BACKWARDS_MS:
            raise ClockMovedBackwards(
                f"the clock went back {behind} ms (more than {MAX_BACKWARDS_MS} ms): refusing to"
                " make ids that could repeat; fix the clock, or wait for it to catch up"
            )
        now = self._now()
        while now < target:
            self._sleep((target - now) / 1000)
            now = self._now()
        return now
