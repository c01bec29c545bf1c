"""MemcachedCache: the Cache port on Memcached, the other cache Instagram ran beside Redis.

Memcached is a cache and nothing else: values by key with an expiry, in memory, evicted least
recently used when full, no persistence, no data types, no replication. That is all the Cache
port asks for, so it is a second adapter of the same port (lab 05's guide compares the two).
Like RedisCache it fails open: an error is a miss, and after one it stops asking for a while.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import TypeVar
from urllib.parse import urlsplit

from pymemcache.client.base import PooledClient
from pymemcache.exceptions import MemcacheError

log = logging.getLogger(__name__)
T = TypeVar("T")

TIMEOUT_S = 0.25
RETRY_EVERY_S = 2.0
DEFAULT_PORT = 11211
# Memcached keys are at most 250 bytes of printable ASCII without spaces; others are hashed.
SAFE_KEY = re.compile(r"^[!-~]{1,200}$")


def _address(url: str) -> tuple[str, int]:
    """memcache://host:port -> (host, port)."""
    parts = urlsplit(url)
    if parts.scheme not in ("memcache", "memcached") or not parts.hostname:
        raise ValueError(f"PHOTOAPP_MEMCACHED_URL={url!r}: use memcache://host:port")
    return parts.hostname, parts.port or DEFAULT_PORT


def _safe(key: str) -> str:
    """Return the key itself when Memcached accepts it, else a digest of it."""
    if SAFE_KEY.match(key):
        return key
    return "sha1:" + hashlib.sha1(key.encode()).hexdigest()


class MemcachedCache:
    """Cache entries in one Memcached server through a thread-safe pool of connections."""

    def __init__(self, url: str, *, timeout: float = TIMEOUT_S,
                 retry_every: float = RETRY_EVERY_S) -> None:
        """Prepare a pool; nothing connects until the first command."""
        self.client = PooledClient(
            _address(url), connect_timeout=timeout, timeout=timeout, no_delay=True,
            default_noreply=False,  # wait for the answer: a write then read must see the write
        )
        self.retry_every = retry_every
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._down = False

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        """Return the values found, in one multi-key get."""
        if not keys:
            return {}
        safe = {_safe(k): k for k in keys}
        empty: dict[str | bytes, bytes] = {}
        found = self._call(lambda: self.client.get_many(list(safe)), empty)
        return {safe[_text(k)]: v for k, v in found.items()}

    def set_many(self, items: Mapping[str, bytes], ttl: int) -> None:
        """Store every value with its TTL."""
        if items:
            values = {_safe(k): v for k, v in items.items()}
            self._call(lambda: self.client.set_many(values, expire=ttl), [])

    def delete_many(self, keys: list[str]) -> None:
        """Remove the keys."""
        if keys:
            self._call(lambda: self.client.delete_many([_safe(k) for k in keys]), True)

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        """Memcached's own add; when it cannot answer, say True (the caller loads)."""
        return bool(self._call(lambda: self.client.add(_safe(key), value, expire=ttl), True))

    def ping(self) -> None:
        """Raise if Memcached does not answer `version`."""
        self.client.version()

    def close(self) -> None:
        """Close the pool's connections."""
        self.client.close()

    def _call(self, command: Callable[[], T], fallback: T) -> T:
        """Run a command unless the breaker is open; any failure returns `fallback`."""
        if time.monotonic() < self._open_until:
            return fallback
        try:
            result = command()
        except (MemcacheError, OSError) as error:
            with self._lock:
                self._open_until = time.monotonic() + self.retry_every
                first, self._down = not self._down, True
            if first:
                log.warning("memcached unavailable (%s): serving without cache", error)
            return fallback
        if self._down:
            with self._lock:
                self._down = False
            log.warning("memcached is back")
        return result


def _text(key: str | bytes) -> str:
    """pymemcache may hand keys back as bytes."""
    return key.decode() if isinstance(key, bytes) else key
