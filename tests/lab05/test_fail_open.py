"""Lab 05, Step 2: RedisCache fails open: a dead or hanging Redis is a miss, and a cheap one."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.lab05.guide import FAIL_OPEN
from tests.lab05.stacks import start_stack
from workshop.services import Stack, StackSpec

CALLS = 100
FIRST_CALL_S = 2.0  # a short timeout: a quarter of a second is plenty on one machine
BREAKER_S = 0.5  # 100 calls while the breaker is open cost next to nothing
RECOVERY_S = 10.0


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP port that accepts connections and never answers: a Redis that hangs."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(512)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


@pytest.fixture
def closed_port() -> str:
    """A port nobody listens on: a Redis that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def every_call(cache: Any) -> list[tuple[str, Callable[[], object], object]]:
    """Each Cache call with what a dead Redis must make it answer."""
    return [
        ("get_many", lambda: cache.get_many(["v1:photo:1", "v1:photo:2"]), {}),
        ("set_many", lambda: cache.set_many({"v1:photo:1": b"x"}, 60), None),
        ("delete_many", lambda: cache.delete_many(["v1:photo:1"]), None),
        ("add", lambda: cache.add("lock:v1:photo:1", b"1", 2), True),
    ]


def test_a_dead_redis_is_a_miss_never_an_error(closed_port):
    """With nothing listening, reads miss, writes are dropped, add says "go and load"."""
    from photoapp.backends.cache_redis import RedisCache

    cache = RedisCache(closed_port)
    for name, call, expected in every_call(cache):
        try:
            got = call()
        except Exception as error:
            pytest.fail(f"expected {name} on a dead Redis to answer {expected!r}, it raised "
                        f"{type(error).__name__}: {error} ({FAIL_OPEN})")
        assert got == expected, (
            f"expected {name} on a dead Redis to answer {expected!r}, got {got!r} ({FAIL_OPEN})"
        )
    cache.close()


@pytest.mark.timeout(60)
def test_a_hanging_redis_costs_one_short_timeout_then_nothing(silent_server, caplog):
    """The first call waits a short timeout; the breaker then answers at once, logging once."""
    from photoapp.backends.cache_redis import RedisCache

    cache = RedisCache(silent_server)
    caplog.set_level(logging.INFO)
    began = time.monotonic()
    assert cache.get_many(["v1:photo:1"]) == {}
    first = time.monotonic() - began
    assert first < FIRST_CALL_S, (
        f"expected the first call to a Redis that never answers to give up within "
        f"{FIRST_CALL_S} s, it took {first:.1f} s: set short socket and connect timeouts and "
        f"no retries ({FAIL_OPEN})"
    )
    began = time.monotonic()
    for _ in range(CALLS // 4):
        for _name, call, _expected in every_call(cache):
            call()
    rest = time.monotonic() - began
    assert rest < BREAKER_S, (
        f"expected {CALLS} more calls right after the failure to cost under {BREAKER_S} s "
        f"(the circuit breaker answers without asking Redis), they took {rest:.1f} s "
        f"({FAIL_OPEN})"
    )
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert 1 <= len(lines) <= 2, (
        f"expected the failure to be logged once (when the breaker opens), got {len(lines)} "
        f"warnings for {CALLS + 1} calls: {[r.getMessage() for r in lines[:3]]} ({FAIL_OPEN})"
    )
    cache.close()


@pytest.mark.timeout(180)
def test_the_cache_comes_back_by_itself(stack_factory: Callable[..., Stack]):
    """Redis killed and restarted: within 10 s the same RedisCache stores and finds again."""
    from photoapp.backends.cache_redis import RedisCache

    stack = start_stack(stack_factory, StackSpec(redis=True, app_servers=0))
    assert stack.redis is not None
    cache = RedisCache(stack.redis.url)
    cache.set_many({"v1:user:1": b"ann"}, 60)
    assert cache.get_many(["v1:user:1"]) == {"v1:user:1": b"ann"}
    stack.redis.kill()
    assert cache.get_many(["v1:user:1"]) == {}
    stack.redis.start()
    deadline = time.monotonic() + RECOVERY_S
    while time.monotonic() < deadline:
        cache.set_many({"v1:user:2": b"bob"}, 60)
        if cache.get_many(["v1:user:2"]) == {"v1:user:2": b"bob"}:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"expected the cache to work again within {RECOVERY_S:.0f} s of Redis's "
                    f"restart, it still missed: retry after the breaker's pause, and let "
                    f"redis-py reconnect ({FAIL_OPEN})")
    cache.close()
