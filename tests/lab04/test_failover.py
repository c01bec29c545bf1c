"""Failover: an app server killed under traffic costs (almost) no failed GET, and comes back."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from tests.lab04.balancer import SLOW_TEST_S, Reply, get, register, wait_for
from tests.lab04.guide import FAILOVER, UPSTREAM
from workshop.services import Stack

CLIENTS = 4
REQUESTS_BEFORE_KILL = 20  # both servers busy before the crash
REQUESTS_AFTER_KILL = 60  # enough to see that traffic carries on without app1
TRAFFIC_LIMIT_S = 60.0  # a very busy machine is slow, but never this slow
MAX_FAILED = 3  # requests in flight on the killed server when it died, if Nginx cannot retry
REQUESTS_WHILE_DOWN = 10
RECOVERY_S = 30.0  # a restarted server must get traffic again within this


class Traffic:
    """GET /api/feed from CLIENTS threads until the block ends; every reply kept in order."""

    def __init__(self, base_url: str, auth: dict[str, str]) -> None:
        self.base_url = base_url
        self.auth = auth
        self.replies: list[Reply] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(CLIENTS)]

    def client(self) -> None:
        """One client: request after request until told to stop."""
        while not self.stop.is_set():
            reply = get(self.base_url, "/api/feed", headers=self.auth)
            with self.lock:
                self.replies.append(reply)

    def count(self) -> int:
        """How many replies have come back so far."""
        with self.lock:
            return len(self.replies)

    def wait_for(self, total: int) -> None:
        """Wait until `total` replies have come back (or TRAFFIC_LIMIT_S passed)."""
        wait_for(lambda: self.count() >= total, TRAFFIC_LIMIT_S)

    def __enter__(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


@pytest.mark.timeout(SLOW_TEST_S)
def test_killed_app_server_costs_at_most_a_few_failed_gets(balanced: Callable[..., Stack]) -> None:
    """SIGKILL one of two app servers under GET traffic: nearly every GET still succeeds."""
    stack = balanced(app_servers=2)
    victim, survivor = stack.app_servers
    with Traffic(stack.base_url, register(stack.base_url)) as traffic:
        traffic.wait_for(REQUESTS_BEFORE_KILL)
        victim.kill()  # SIGKILL to the Gunicorn master and its workers: a crash
        killed_at = traffic.count()
        traffic.wait_for(killed_at + REQUESTS_AFTER_KILL)
    replies = traffic.replies
    failed = [reply.describe() for reply in replies if reply.status != 200]
    assert len(failed) <= MAX_FAILED, (
        f"expected at most {MAX_FAILED} failed GETs of {len(replies)} after killing "
        f"{victim.name}, got {len(failed)}, e.g. {failed[:3]}: Nginx must try the other "
        f"server when one refuses or drops a connection (proxy_next_upstream) — {FAILOVER}"
    )
    after = replies[killed_at:]
    served = sum(1 for reply in after if reply.served_by == survivor.name)
    assert served >= REQUESTS_AFTER_KILL - MAX_FAILED - CLIENTS, (
        f"expected {survivor.name} to answer nearly all of the {len(after)} GETs after "
        f"{victim.name} died, it answered {served} — {FAILOVER}"
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
    first = get(stack.base_url, "/healthz")
    assert first.served_by is not None, (  # nothing proxied: no use waiting for a comeback
        f"expected GET /healthz through Nginx to reach an app server, got {first.describe()}: "
        f"Nginx passes nothing on yet — {UPSTREAM}"
    )
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
