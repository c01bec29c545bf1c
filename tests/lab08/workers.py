"""Code that runs in child processes of the uniqueness tests (imported by multiprocessing)."""

from __future__ import annotations

import sys
import threading
import time
from array import array


def use_tree(tree: str) -> None:
    """Import photoapp from the tree under test (the Pool's initializer in every child)."""
    sys.path.insert(0, tree)
    for name in [n for n in sys.modules if n == "photoapp" or n.startswith("photoapp.")]:
        del sys.modules[name]


def make_ids(shard: int, threads: int, per_thread: int, start_at: float) -> bytes:
    """Make ids on `threads` threads of one SnowflakeIds, all starting at start_at (unix time)."""
    from photoapp.backends.ids_snowflake import SnowflakeIds

    ids = SnowflakeIds()
    results: list[array[int]] = [array("q") for _ in range(threads)]

    def run(out: array[int]) -> None:
        make = ids.next_id
        out.extend(make(shard) for _ in range(per_thread))

    workers = [threading.Thread(target=run, args=(out,)) for out in results]
    time.sleep(max(0.0, start_at - time.time()))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    merged = array("q")
    for out in results:
        merged.extend(out)
    return merged.tobytes()


def make_ids_for(shard: int, seconds: float, start_at: float) -> bytes:
    """Make ids as fast as one thread can for `seconds`, starting at start_at (unix time)."""
    from photoapp.backends.ids_snowflake import SnowflakeIds

    ids = SnowflakeIds()
    out = array("q")
    time.sleep(max(0.0, start_at - time.time()))
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        out.extend(ids.next_id(shard) for _ in range(1000))
    return out.tobytes()
