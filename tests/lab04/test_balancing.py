"""Balancing: every app server of the upstream gets requests, and Nginx's log says which."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Callable

import pytest

from tests.lab04.balancer import SLOW_TEST_S, get, nginx_log_lines, wait_for
from tests.lab04.guide import ACCESS_LOG, UPSTREAM
from workshop.services import Stack

APP_SERVERS = 3
REQUESTS = 30
MIN_SHARE = 3  # round robin gives each of 3 servers 10 of 30; anything fair gives 3 or more
SECONDS = re.compile(r"\b\d+\.\d{3}\b")  # how Nginx writes $upstream_response_time: 0.004


@pytest.mark.timeout(SLOW_TEST_S)
def test_requests_spread_over_every_app_server(balanced: Callable[..., Stack]) -> None:
    """Nginx sends requests to every app server of its upstream, not always the same one."""
    stack = balanced(app_servers=APP_SERVERS)
    replies = [get(stack.base_url, "/healthz") for _ in range(REQUESTS)]
    failed = [reply.describe() for reply in replies if reply.status != 200]
    assert not failed, (
        f"expected 200 from all {REQUESTS} GET /healthz through Nginx, {len(failed)} failed, "
        f"e.g. {failed[0]}: pass / to an upstream of the app servers — {UPSTREAM}"
    )
    counts = Counter(reply.served_by for reply in replies)
    names = [server.name for server in stack.app_servers]
    starved = [name for name in names if counts[name] < MIN_SHARE]
    assert not starved, (
        f"expected each of {names} to answer at least {MIN_SHARE} of {REQUESTS} requests, "
        f"X-Served-By counted {dict(counts)}: list every address of app_servers in the "
        f"upstream, and balance per request (ip_hash pins all of one client to one server) "
        f"— {UPSTREAM}"
    )


def test_access_log_names_the_app_server_and_its_time(balanced: Callable[..., Stack]) -> None:
    """Nginx's access log line of a request shows the app server that answered and its time."""
    stack = balanced()
    marker = f"log-check-{secrets.token_hex(4)}"
    reply = get(stack.base_url, f"/healthz?{marker}")
    assert reply.status == 200, f"expected 200 from GET /healthz, got {reply.describe()}"
    wait_for(lambda: bool(nginx_log_lines(stack, marker)), timeout=5)
    lines = nginx_log_lines(stack, marker)
    assert lines, (
        f"expected a line for GET /healthz?{marker} in Nginx's logs/ folder, found none: "
        f"write the access log to {{{{ access_log }}}} — {ACCESS_LOG}"
    )
    answered = {server.address for server in stack.app_servers}
    line = lines[-1]
    assert any(address in line for address in answered), (
        f"expected the log line to name the app server that answered (one of "
        f"{sorted(answered)}, $upstream_addr), got {line!r} — {ACCESS_LOG}"
    )
    assert SECONDS.search(line), (
        f"expected the log line to hold the app server's response time in seconds "
        f"($upstream_response_time, like 0.004), got {line!r} — {ACCESS_LOG}"
    )
