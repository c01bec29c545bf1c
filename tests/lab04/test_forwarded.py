"""Forwarded headers: the app sees the client's address, not Nginx's and not a forged one."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable

from tests.lab04.balancer import app_log_lines, get, wait_for
from tests.lab04.guide import FORWARDED
from workshop.services import Stack

# Linux routes all of 127.0.0.0/8 to this machine: the test connects from 127.0.0.2, so the
# client's address differs from Nginx's own 127.0.0.1.
CLIENT = "127.0.0.2"
NGINX = "127.0.0.1"
FORGED = "203.0.113.7"  # an address a client claims in its own X-Forwarded-For


def can_send_from(address: str) -> bool:
    """Tell whether this machine lets us open connections from `address`."""
    try:
        with socket.socket() as probe:
            probe.bind((address, 0))
        return True
    except OSError:
        return False


def test_app_logs_the_clients_address_not_nginxs(balanced: Callable[..., Stack]) -> None:
    """The app's access log shows the client's address, not Nginx's and not a forged one."""
    stack = balanced()
    assert can_send_from(CLIENT), (
        f"this machine cannot send from {CLIENT}; on macOS add it once with "
        f"`sudo ifconfig lo0 alias {CLIENT} up` (Linux needs nothing)"
    )
    marker = f"who-asks-{secrets.token_hex(4)}"
    reply = get(
        stack.base_url,
        f"/healthz?{marker}",
        source_address=CLIENT,
        headers={"X-Forwarded-For": FORGED},
    )
    assert reply.status == 200, f"expected 200 from GET /healthz, got {reply.describe()}"
    wait_for(lambda: bool(app_log_lines(stack, marker)), timeout=5)
    lines = app_log_lines(stack, marker)
    assert lines, (
        f"expected the app server's access log to have a line for GET /healthz?{marker}, found "
        f"none (Gunicorn logs each request with lab 02's deploy/gunicorn.conf.py) — {FORWARDED}"
    )
    line = lines[-1]
    logged = CLIENT in line.split() and FORGED not in line
    assert logged, (
        f"expected the app to log the client's address {CLIENT}, not {NGINX} (Nginx itself) "
        f"nor {FORGED} (what the client claimed in X-Forwarded-For); it logged {line!r}: set "
        f"X-Forwarded-For to $proxy_add_x_forwarded_for or $remote_addr — {FORWARDED}"
    )
