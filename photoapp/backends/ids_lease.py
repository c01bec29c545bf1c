"""Lab 08: shard bits leased per process on one machine, with file locks.

Two processes must never make ids with the same shard bits at the same time. On the SQLite
path every process runs on the machine that holds the database file, and Gunicorn starts
several worker processes with the very same settings. So each process leases a shard: the
first one, counting up from PHOTOAPP_ID_SHARD, whose lock file no other process holds. The
operating system drops the lock when the process ends, so the lease can never leak.
"""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from pathlib import Path

from photoapp.id_layout import MAX_SHARD

LEASES = 64  # shards tried from the first one: more worker processes than one machine runs


class NoShardFree(RuntimeError):
    """Every shard this machine may use is leased by another process."""


class ShardLease:
    """The shard this process makes ids for, taken on first use (and again after a fork)."""

    def __init__(self, folder: Path, first: int, count: int = LEASES) -> None:
        self.folder = Path(folder)
        self.first = first
        self.count = min(count, MAX_SHARD + 1 - first)
        self._lock = threading.Lock()
        self._pid = -1
        self._shard = -1
        self._release: weakref.finalize | None = None

    def shard(self) -> int:
        """Return this process's shard, leasing one if it has none yet."""
        if self._pid == os.getpid():
            return self._shard
        with self._lock:
            if self._pid != os.getpid():  # first use, or a forked child holding a copy
                self._shard, fd = self._take()
                # The lock lasts while the file is open: until close(), the lease is dropped,
                # or the process ends.
                self._release = weakref.finalize(self, os.close, fd)
                self._pid = os.getpid()
            return self._shard

    def close(self) -> None:
        """Give the shard back (the next shard() leases one again)."""
        with self._lock:
            if self._release is not None and self._pid == os.getpid():
                self._release()
            self._pid, self._release = -1, None

    def _take(self) -> tuple[int, int]:
        """Lock the first free shard's file; return the shard and the open file's descriptor."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for shard in range(self.first, self.first + self.count):
            fd = os.open(self.folder / f"shard-{shard:04d}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                # flock, not lockf: its locks belong to this open file, so two leases in one
                # process also exclude each other.
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return shard, fd
        raise NoShardFree(
            f"shards {self.first}..{self.first + self.count - 1} are all leased by other"
            f" processes (lock files in {self.folder}): set PHOTOAPP_ID_SHARD to another range"
        )
