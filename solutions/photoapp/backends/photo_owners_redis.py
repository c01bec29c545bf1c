"""Lab 05: RedisPhotoOwners, Instagram's photo id -> user id map in Redis hash buckets.

One plain key per photo (SET photo:1234 42) costs Redis a key object, a value object and a
slot in its main hash table: about 70 bytes for 8 bytes of information. Grouping 1,000 photos
into one small hash (HSET photo_owners:1 234 42) lets Redis store each bucket as a listpack, a
flat array of short strings and small integers, at a few bytes per entry. The buckets must
stay under hash-max-listpack-entries (deploy/redis.conf): one entry more and Redis silently
converts the bucket into a real hash table, and the saving is gone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

BUCKET_SIZE = 1000
PREFIX = "photo_owners:"
TIMEOUT_S = 0.25
PIPELINE_BATCH = 10  # buckets (HSET commands of up to 1,000 fields each) per round trip


def bucket_of(photo_id: int) -> tuple[str, str]:
    """Return the hash key and field of a photo id: 1234567 -> ("photo_owners:1234", "567")."""
    bucket, field = divmod(photo_id, BUCKET_SIZE)
    return f"{PREFIX}{bucket}", str(field)


class RedisPhotoOwners:
    """photo id -> user id in Redis hashes of 1,000 photos each."""

    def __init__(self, url: str, *, timeout: float = TIMEOUT_S) -> None:
        """Prepare a client; nothing connects until the first command."""
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )

    def set_owners(self, owners: Mapping[int, int]) -> None:
        """One HSET per bucket with all its pairs, many buckets per round trip (a pipeline)."""
        buckets: defaultdict[str, dict[Any, Any]] = defaultdict(dict)
        for photo_id, user_id in owners.items():
            key, field = bucket_of(photo_id)
            buckets[key][field] = user_id
        with self.client.pipeline(transaction=False) as pipe:
            for n, (key, fields) in enumerate(buckets.items(), start=1):
                pipe.hset(key, mapping=fields)
                if n % PIPELINE_BATCH == 0:
                    pipe.execute()
            pipe.execute()

    def owner_of(self, photo_id: int) -> int | None:
        """HGET the photo's field in its bucket."""
        key, field = bucket_of(photo_id)
        value = self.client.hget(key, field)
        return int(value) if value is not None else None

    def forget(self, photo_id: int) -> None:
        """HDEL the photo's field (Redis removes a bucket when its last field goes)."""
        key, field = bucket_of(photo_id)
        self.client.hdel(key, field)

    def close(self) -> None:
        """Close the pool's connections."""
        self.client.close()
