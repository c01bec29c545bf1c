"""MemoryIds: the executable definition of the IdGenerator port, as simple as it can be.

One lock, the last id made for each shard. It never waits: when a shard runs out of sequence
numbers in a millisecond it borrows the next millisecond. Lab 08's SnowflakeIds is the real one.
"""

from __future__ import annotations

import threading
import time

from photoapp.id_layout import EPOCH_MS, MAX_SEQUENCE, MAX_SHARD, SHARD_SHIFT, TIME_SHIFT


class MemoryIds:
    """Snowflake-shaped ids, unique within this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[int, int] = {}

    def next_id(self, shard: int) -> int:
        """Return a new id carrying this shard's bits, larger than every id returned before."""
        if not 0 <= shard <= MAX_SHARD:
            raise ValueError(f"shard {shard} is outside 0..{MAX_SHARD}")
        with self._lock:
            now = time.time_ns() // 1_000_000 - EPOCH_MS
            candidate = (now << TIME_SHIFT) | (shard << SHARD_SHIFT)
            last = self._last.get(shard, -1)
            if candidate <= last:
                if last & MAX_SEQUENCE < MAX_SEQUENCE:
                    candidate = last + 1
                else:  # this millisecond is full: take sequence 0 of the next one
                    candidate = (((last >> TIME_SHIFT) + 1) << TIME_SHIFT) | (shard << SHARD_SHIFT)
            self._last[shard] = candidate
            return candidate
