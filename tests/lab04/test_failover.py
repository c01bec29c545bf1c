"""Failover: an app server killed under traffic costs (almost) no failed GET, and comes back."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from tests.lab04.balancer import SLOW_TEST_S, Reply, get, register, wait_for
from tests.lab04.guide import FAILOVER
from workshop.services import Stack

CLIENTS = 4
WARM_UP_S = 1.0
AFTER_KILL_S = 3.0
MAX_FAILED = 3  # requests in flight on the killed server when it died, if Nginx cannot retry
MIN_REQUESTS_AFTER_KILL = 20
REQUESTS_WHILE_DOWN = 10
RECOVERY_S = 30.0  # a restarted server must get traffic again within this


def run_traffic(stack: Stack, auth: dict[str, str], during: Callable[[], None]) -> list[Reply]:
    """Send GET /api/feed from CLIENTS threads while `during()` runs; return every reply."""
    replies: list[Reply] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            reply = get(stack.base_url, "/api/feed", headers=auth)
            with lock:
                replies.append(reply)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        during()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return replies


@pytest.mark.timeout(SLOW_TEST_S)
def test_killed_app_server_costs_at_most_a_few_failed_gets(balanced: Callable[..., Stack]) -> None:
    """SIGKILL one of two app servers under GET traffic: nearly every GET still succeeds."""
    stack = balanced(app_servers=2)
    auth = register(stack.base_url)
    victim = stack.app_servers[0]

    def kill_one() -> None:
        time.sleep(WARM_UP_S)
        victim.kill()  # SIGKILL to the Gunicorn master and its workers: a crash
        time.sleep(AFTER_KILL_S)

    replies = run_traffic(stack, auth, kill_one)
    failed = [reply.describe() for reply in replies if reply.status != 200]
    assert len(failed) <= MAX_FAILED, (
        f"expected at most {MAX_FAILED} failed GETs of {len(replies)} after killing "
        f"{victim.name}, got {len(failed)}, e.g. {failed[:3]}: Nginx must try the other "
        f"server when one refuses or drops a connection (proxy_next_upstream) — {FAILOVER}"
    )
    survivor = stack.app_servers[1].name
    served = sum(1 for reply in replies if reply.served_by == survivor)
    assert served >= MIN_REQUESTS_AFTER_KILL, (
        f"expected {survivor} to keep answering after {victim.name} died, it answered "
        f"{served} of {len(replies)} GETs — {FAILOVER}"
    )


@pytest.mark.timeout(SLOW_TEST_S)
def test_gets_to_a_dead_app_server_are_retried_on_another(
    balanced: Callable[..., Stack],
) -> None:
    """With app1 dead, every GET succeeds: a refused connection is retried on app2."""
    stack = balanced(app_servers=2)
    victim = stack.app_servers[0]
    victim.kill()
    replies = [get(stack.base_url, "/healthz") for _ in range(REQUESTS_WHILE_DOWN)]
    failed = [reply.describe() for reply in replies if reply.status != 200]
    assert not failed, (
        f"expected all {REQUESTS_WHILE_DOWN} GETs to succeed with {victim.name} dead, "
        f"{len(failed)} failed, e.g. {failed[0] if failed else ''}: a GET whose connection was "
        f"refused never reached {victim.name}, so Nginx may send it to the other server "
        f"(proxy_next_upstream error) — {FAILOVER}"
    )


@pytest.mark.timeout(SLOW_TEST_S)
def test_restarted_app_server_gets_traffic_again(balanced: Callable[..., Stack]) -> None:
    """An app server that comes back after a crash gets requests again within seconds."""
    stack = balanced(app_servers=2)
    victim = stack.app_servers[0]
    victim.kill()
    for _ in range(REQUESTS_WHILE_DOWN):
        get(stack.base_url, "/healthz")  # Nginx notices that app1 is gone
    victim.start()  # same port as before, so the upstream still lists it
    came_back = wait_for(
        lambda: get(stack.base_url, "/healthz").served_by == victim.name, RECOVERY_S, 0.2
    )
    assert came_back, (
        f"expected {victim.name}, restarted on {victim.address}, to answer requests again "
        f"within {RECOVERY_S:.0f} s, it answered none: a server marked failed is retried after "
        f"fail_timeout; keep it to seconds — {FAILOVER}"
    )
