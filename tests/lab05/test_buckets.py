"""Lab 05, Steps 1 and 6: the lab's Redis config, and photo owners in hash buckets.

Redis is started from the tree's deploy/redis.conf. A million photo -> owner pairs are stored
twice: through your RedisPhotoOwners (buckets of 1,000), then as one plain key per photo, and
Redis's own used_memory says what each cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis

from tests.lab05.guide import BUCKETS, CONFIG
from tests.lab05.stacks import start_stack
from workshop.services import Stack, StackSpec

PAIRS = 1_000_000
MAX_RATIO = 0.25
BATCH = 10_000


def owner(photo_id: int) -> int:
    """A made-up owner: a user id below 100,000."""
    return (photo_id * 7919) % 100_000 + 1


@pytest.fixture
def lab_redis(stack_factory: Callable[..., Stack]) -> Any:
    """A Redis started from the tree's deploy/redis.conf, and a client of it."""
    stack = start_stack(stack_factory, StackSpec(redis=True, app_servers=0))
    assert stack.redis is not None
    with redis.Redis.from_url(stack.redis.url, socket_timeout=30) as client:
        yield stack.redis.url, client


def used_memory(client: Any) -> int:
    """Redis's own figure for the memory its data takes, in bytes."""
    return int(client.info("memory")["used_memory"])


def test_the_config_bounds_memory_and_spares_the_owner_map(lab_redis):
    """maxmemory is set, and the eviction policy evicts only keys with a TTL (cache entries)."""
    _, client = lab_redis
    config = client.config_get("maxmemory*")
    maxmemory = int(config["maxmemory"])
    assert 0 < maxmemory <= 4 * 1024**3, (
        f"expected deploy/redis.conf to set maxmemory (a cache must not grow without bound), "
        f"got maxmemory {maxmemory} ({CONFIG})"
    )
    policy = config["maxmemory-policy"]
    assert policy.startswith("volatile-"), (
        f"expected a volatile-* maxmemory-policy, got {policy!r}: the photo -> owner buckets have "
        f"no TTL and must never be evicted, while every cache entry has one ({CONFIG})"
    )


@pytest.mark.timeout(240)
def test_a_million_owners_in_buckets_take_a_quarter_of_plain_keys(lab_redis):
    """1,000,000 pairs in hash buckets use at most 0.25x the memory of 1,000,000 plain keys."""
    from photoapp.backends.photo_owners_redis import RedisPhotoOwners

    url, client = lab_redis
    owners = RedisPhotoOwners(url, timeout=10)  # a bulk load, on a machine that may be busy
    client.flushall()
    empty = used_memory(client)
    for start in range(1, PAIRS + 1, BATCH):
        owners.set_owners({pid: owner(pid) for pid in range(start, start + BATCH)})
    buckets = used_memory(client) - empty
    samples = [1, 999, 1000, 123_456, PAIRS]
    got = {pid: owners.owner_of(pid) for pid in samples}
    assert got == {pid: owner(pid) for pid in samples}, (
        f"expected the owners stored to be read back, got {got} ({BUCKETS})"
    )
    keys = client.dbsize()
    assert 900 <= keys <= 1100, (
        f"expected about {PAIRS // 1000} bucket keys for {PAIRS} photos (1,000 photos per "
        f"hash), found {keys} keys ({BUCKETS})"
    )
    encoding = client.object("encoding", client.randomkey())
    assert encoding in (b"listpack", b"ziplist", "listpack", "ziplist"), (
        f"expected full buckets stored as listpacks, got {encoding!r}: raise "
        f"hash-max-listpack-entries in deploy/redis.conf to at least 1000 ({BUCKETS})"
    )
    owners.close()

    client.flushall()
    client.config_set("maxmemory", 0)  # the baseline, not the lab's choice: never evicted
    empty = used_memory(client)
    for start in range(1, PAIRS + 1, BATCH):
        client.mset({f"photo:{pid}": owner(pid) for pid in range(start, start + BATCH)})
    plain = used_memory(client) - empty
    ratio = buckets / plain
    assert ratio <= MAX_RATIO, (
        f"expected {PAIRS} owners in buckets to take at most {MAX_RATIO}x the memory of plain "
        f"keys, got {buckets / 2**20:.1f} MiB vs {plain / 2**20:.1f} MiB ({ratio:.2f}x) "
        f"({BUCKETS})"
    )
    print(f"buckets {buckets / 2**20:.1f} MiB, plain keys {plain / 2**20:.1f} MiB, "
          f"ratio {ratio:.3f}")
