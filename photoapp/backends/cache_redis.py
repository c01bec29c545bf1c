"""Lab 05: RedisCache, the Cache port on Redis, failing open.

Your task is in labs/05-caching/README.md, section "Step 2: a cache that fails open". Read the
Cache port in photoapp/ports.py, and photoapp/backends/cache_memory.py for a complete version in
plain Python: the contract tests in tests/contracts/test_cache.py run against both.

The rules of the road:
- One redis.Redis client per cache, from the URL, with short socket_timeout and
  socket_connect_timeout (a quarter of a second: Redis on a LAN answers in well under 1 ms),
  and no automatic retries (redis-py retries a failed command three times by default).
  redis-py's pool holds one connection per thread talking at once, and refuses a 101st by
  default ("Too many connections"): the stampede test has 200 readers, so raise max_connections.
- get_many is one MGET, set_many one pipeline of SET ... EX ttl, delete_many one DEL, add one
  SET ... NX EX ttl. Nothing connects in __init__.
- Fail open: a cache is an optimisation. Any Redis error (redis.exceptions.RedisError,
  OSError) is a miss for get_many, is ignored by set_many and delete_many, and makes add return
  True (the caller then loads from the database, as if there were no cache). Never raise.
- A small circuit breaker: after a failure, do not ask Redis at all for `retry_every` seconds
  (answer "miss" at once), then let one call try again. Log "unavailable" when it opens and
  "back" when a call works again: once per change, not once per request.
"""

from __future__ import annotations

from collections.abc import Mapping

GUIDE = "see labs/05-caching/README.md"
TIMEOUT_S = 0.25
RETRY_EVERY_S = 2.0


def _todo(what: str) -> NotImplementedError:
    """Return the error every unwritten part of this lab raises."""
    return NotImplementedError(f"Lab 05: write {what} in {__name__} ({GUIDE})")


class RedisCache:
    """Cache entries in Redis with a TTL each; any Redis failure is a miss."""

    def __init__(self, url: str, *, timeout: float = TIMEOUT_S,
                 retry_every: float = RETRY_EVERY_S) -> None:
        """Prepare a client with short timeouts; nothing connects until the first command."""
        raise _todo("RedisCache")

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        """Return the values found, in one MGET; a failure finds nothing."""
        raise _todo("RedisCache.get_many")

    def set_many(self, items: Mapping[str, bytes], ttl: int) -> None:
        """Store every value with its TTL, in one round trip (a pipeline)."""
        raise _todo("RedisCache.set_many")

    def delete_many(self, keys: list[str]) -> None:
        """Remove the keys in one DEL."""
        raise _todo("RedisCache.delete_many")

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        """SET NX EX; when Redis cannot answer, return True: the caller loads, as with no cache."""
        raise _todo("RedisCache.add")

    def ping(self) -> None:
        """Raise if Redis does not answer PING."""
        raise _todo("RedisCache.ping")

    def close(self) -> None:
        """Close the client's connections."""
        raise _todo("RedisCache.close")
