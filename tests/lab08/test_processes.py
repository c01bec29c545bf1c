"""Lab 08, Step 1: uniqueness across processes comes from the shard bits, and only from them."""

from __future__ import annotations

import multiprocessing
import time

import numpy as np

from tests.lab08.guide import PROCESSES
from tests.lab08.workers import make_ids, make_ids_for, use_tree

# The lab's figure is 250,000 ids per thread (8,000,000 in all); on a shared 2-core machine that
# took 93 s, so the test keeps the shape (4 processes x 8 threads, all at once) with 31,250 per
# thread: 1,000,000 ids. Raise PER_THREAD on a quiet machine to see the full figure.
PROCESSES_N, THREADS, PER_THREAD = 4, 8, 31_250


def _ids_of(chunks: list[bytes]) -> np.ndarray:
    """Concatenate the children's ids."""
    return np.concatenate([np.frombuffer(chunk, dtype=np.int64) for chunk in chunks])


def test_4_processes_of_8_threads_with_distinct_shards_never_repeat(impl_tree):
    """4 processes x 8 threads x 31,250 ids, each process with its own shard: 0 duplicates."""
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 2.0  # every process starts making ids at the same moment
    with context.Pool(PROCESSES_N, use_tree, (str(impl_tree),)) as pool:
        chunks = pool.starmap(
            make_ids, [(shard, THREADS, PER_THREAD, start_at) for shard in range(1, 5)]
        )
    ids = _ids_of(chunks)
    assert len(ids) == PROCESSES_N * THREADS * PER_THREAD
    duplicates = len(ids) - len(np.unique(ids))
    assert duplicates == 0, (
        f"expected 0 duplicates among {len(ids):,} ids from 4 processes with shards 1-4, got"
        f" {duplicates:,} — {PROCESSES}"
    )


def test_two_processes_sharing_a_shard_do_collide(impl_tree):
    """The warning, shown: two processes making ids for the same shard at once repeat ids."""
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 2.0
    with context.Pool(2, use_tree, (str(impl_tree),)) as pool:
        chunks = pool.starmap(make_ids_for, [(7, 1.0, start_at), (7, 1.0, start_at)])
    ids = _ids_of(chunks)
    duplicates = len(ids) - len(np.unique(ids))
    assert duplicates > 0, (
        f"expected two processes on shard 7 to make some equal ids (same ms, same sequence),"
        f" got none among {len(ids):,}: did they really run at the same time? — {PROCESSES}"
    )
