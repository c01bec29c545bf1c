"""Lab 05: RedisPhotoOwners, Instagram's photo id -> user id map in Redis hash buckets.

Your task is in labs/05-caching/README.md, section "Step 6: the photo owners map in hash
buckets". Read the PhotoOwners port in photoapp/ports.py and the complete version in plain Python,
photoapp/backends/photo_owners_memory.py.

The rules of the road:
- Photo 1234567 lives in the hash "photo_owners:1234" under the field "567":
  HSET photo_owners:<photo_id // 1000> <photo_id % 1000> <user_id>. Buckets of 1,000.
- set_owners stores many pairs in few round trips: group the pairs by bucket, one
  HSET key mapping={field: user_id, ...} per bucket, in a pipeline (transaction=False)
  executed every ten buckets or so. The test stores a million pairs.
- owner_of is one HGET (None when the field is missing), forget one HDEL.
- Short socket timeouts, as in RedisCache (a bulk load passes a longer `timeout`). This class
  may raise on a Redis error: the service
  (photoapp/services.py) treats the map as an optimisation and asks the repository instead.
- The buckets only save memory while Redis stores them as listpacks: deploy/redis.conf's
  hash-max-listpack-entries must be at least the bucket size.
"""

from __future__ import annotations

from collections.abc import Mapping

GUIDE = "see labs/05-caching/README.md"
BUCKET_SIZE = 1000


def _todo(what: str) -> NotImplementedError:
    """Return the error every unwritten part of this lab raises."""
    return NotImplementedError(f"Lab 05: write {what} in {__name__} ({GUIDE})")


class RedisPhotoOwners:
    """photo id -> user id in Redis hashes of 1,000 photos each."""

    def __init__(self, url: str, *, timeout: float = 0.25) -> None:
        """Prepare a client; nothing connects until the first command."""
        raise _todo("RedisPhotoOwners")

    def set_owners(self, owners: Mapping[int, int]) -> None:
        """HSET each pair into its bucket, many commands per round trip."""
        raise _todo("RedisPhotoOwners.set_owners")

    def owner_of(self, photo_id: int) -> int | None:
        """HGET the photo's field in its bucket; None when it is not there."""
        raise _todo("RedisPhotoOwners.owner_of")

    def forget(self, photo_id: int) -> None:
        """HDEL the photo's field."""
        raise _todo("RedisPhotoOwners.forget")

    def close(self) -> None:
        """Close the client's connections."""
        raise _todo("RedisPhotoOwners.close")
