"""Failover: an app server killed under traffic costs (almost) no failed GET, and comes back."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.images import make_jpeg
from tests.lab04.balancer import (
    HTTP_TIMEOUT,
    SLOW_TEST_S,
    Reply,
    get,
    register,
    upload,
    wait_for,
)
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


def test_failover_is_set_explicitly_not_left_to_the_defaults(
    impl_tree: Path, tmp_path: Path
) -> None:
    """Nginx's defaults already fail over a dead server, so the behaviour tests above pass on them;
    Step 3 asks for the lines that decide the slow cases: each server's max_fails and a
    fail_timeout of seconds, a bounded number of retries, and a short connect timeout."""
    import re

    from tests.lab04.balancer import render_config

    config = render_config(impl_tree, tmp_path)
    upstream = re.search(r"upstream\s+\S+\s*\{(.*?)\}", config, re.DOTALL)
    assert upstream, f"expected an upstream block in the rendered config — {UPSTREAM}"
    servers = re.findall(r"^\s*server\s+(\S+)([^;]*);", upstream.group(1), re.MULTILINE)
    missing = [addr for addr, options in servers
               if "max_fails=" not in options or "fail_timeout=" not in options]
    assert servers and not missing, (
        f"expected max_fails=... fail_timeout=... on every server line, not on {missing}: "
        f"the defaults (1 and 10s) are someone else's choice — {FAILOVER}"
    )
    timeouts = [int(t) for t in re.findall(r"fail_timeout=(\d+)s?\b", upstream.group(1))]
    assert max(timeouts) <= 10, (
        f"expected fail_timeout of seconds (at most 10s), got {max(timeouts)}s: a restarted "
        f"server waits that long for traffic — {FAILOVER}"
    )
    for directive, limit in (("proxy_next_upstream_tries", 3), ("proxy_connect_timeout", 5)):
        found = re.search(rf"^\s*{directive}\s+(\d+)s?\s*;", config, re.MULTILINE)
        assert found and int(found.group(1)) <= limit, (
            f"expected {directive} of at most {limit} in location /, got "
            f"{found.group(0).strip() if found else 'none'}: without it a hung server or a big "
            f"fleet holds a request for a minute — {FAILOVER}"
        )


@pytest.mark.timeout(SLOW_TEST_S)
def test_a_post_in_flight_at_a_crash_is_not_sent_again(balanced: Callable[..., Stack]) -> None:
    """A POST that reached a server that then died gets an error, not a second run elsewhere.

    The server had the request: it may have stored the photo before it died. Sending it to the
    other server too (proxy_next_upstream non_idempotent) would upload it twice.
    """
    stack = balanced(app_servers=2)
    victim = stack.app_servers[0]
    auth = register(stack.base_url)
    assert victim.process is not None
    os.killpg(victim.process.pid, signal.SIGSTOP)  # it accepts connections, answers nothing
    try:
        stuck: list[Reply] = []
        replies: list[Reply] = []
        for _n in range(4):  # round robin: one of the first two lands on the frozen server
            done = threading.Event()
            box: list[Reply] = []

            def send(box: list[Reply] = box, done: threading.Event = done) -> None:
                box.append(upload(stack.base_url, auth, make_jpeg((40, 30))))
                done.set()

            thread = threading.Thread(target=send, daemon=True)
            thread.start()
            if not done.wait(3.0):
                break  # this one reached the frozen server and waits for its answer
            replies.extend(box)
        else:
            pytest.fail(f"expected a POST to reach {victim.name}, all went elsewhere: {replies}")
        victim.kill()  # the crash, with the request inside
        thread.join(HTTP_TIMEOUT + 30)
        stuck.extend(box)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(victim.process.pid, signal.SIGCONT)
    assert stuck and stuck[0].status >= 500, (
        f"expected an error (502) for the POST {victim.name} had when it crashed, got "
        f"{stuck[0].describe() if stuck else 'no reply'}: Nginx sent it again to another server, "
        f"which may store the photo twice; never retry POSTs (no non_idempotent in "
        f"proxy_next_upstream) — {FAILOVER}"
    )
