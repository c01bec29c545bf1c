"""Lab 05: RedisCache, the Cache port on Redis, failing open.

A cache is an optimisation: when Redis is slow or gone, the app must get slower, not broken.
So every Redis error is a miss (reads) or is dropped (writes), never an exception for the
request. Two more things keep a dead Redis cheap:

- short timeouts: a request waits a quarter of a second for Redis at most, not the default
  of forever;
- a circuit breaker: after a failure, the cache stops asking Redis for `retry_every` seconds
  and answers "miss" at once; then one request tries again. The change of state is logged once,
  not once per request (a dead Redis under load would write thousands of lines a second).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

log = logging.getLogger(__name__)

TIMEOUT_S = 0.25  # for connecting and for each answer: Redis on a LAN answers in < 1 ms
RETRY_EVERY_S = 2.0  # how long the breaker stays open after a failure
# One connection per thread that talks to Redis at the same moment. redis-py's pool refuses a
# 101st by default ("Too many connections"), which would count as Redis being down.
MAX_CONNECTIONS = 1000


class RedisCache:
    """Cache entries in Redis with a TTL each; any Redis failure is a miss."""

    def __init__(self, url: str, *, timeout: float = TIMEOUT_S,
                 retry_every: float = RETRY_EVERY_S) -> None:
        """Prepare a client; nothing connects until the first command."""
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            max_connections=MAX_CONNECTIONS,
            # redis-py retries a failed command three times by default: four waits, not one.
            retry=Retry(NoBackoff(), 0),
        )
        self.retry_every = retry_every
        self._lock = threading.Lock()
        self._open_until = 0.0  # the breaker: until then, do not ask Redis at all
        self._down = False

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        """Return the values found, in one MGET; a failure finds nothing."""
        if not keys:
            return {}
        values = self._call(lambda: self.client.mget(keys), [None] * len(keys))
        return {key: value for key, value in zip(keys, values, strict=True) if value is not None}

    def set_many(self, items: Mapping[str, bytes], ttl: int) -> None:
        """Store every value with its TTL, in one round trip (a pipeline)."""
        if not items:
            return

        def store() -> None:
            with self.client.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    pipe.set(key, value, ex=ttl)
                pipe.execute()

        self._call(store, None)

    def delete_many(self, keys: list[str]) -> None:
        """Remove the keys in one DEL."""
        if keys:
            self._call(lambda: self.client.delete(*keys), None)

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        """SET NX EX; when Redis cannot answer, say True: the caller loads, as with no cache."""
        return bool(self._call(lambda: self.client.set(key, value, ex=ttl, nx=True), True))

    def ping(self) -> None:
        """Raise if Redis does not answer PING."""
        self.client.ping()

    def close(self) -> None:
        """Close the pool's connections."""
        self.client.close()

    def _call(self, command: Callable[[], Any], fallback: Any) -> Any:
        """Run a Redis command through the breaker; on any failure return `fallback`."""
        if time.monotonic() < self._open_until:
            return fallback
        try:
            result = command()
        except (RedisError, OSError) as error:
            self._failed(error)
            return fallback
        if self._down:
            self._recovered()
        return result

    def _failed(self, error: Exception) -> None:
        """Open the breaker; log only when the state changes."""
        with self._lock:
            self._open_until = time.monotonic() + self.retry_every
            if self._down:
                return
            self._down = True
        log.warning("redis cache unavailable (%s): serving without cache, retrying every %.0f s",
                    error, self.retry_every)

    def _recovered(self) -> None:
        """Close the breaker after a command worked again."""
        with self._lock:
            if not self._down:
                return
            self._down = False
        log.warning("redis cache is back")
