"""PHOTOAPP_PROXY_HOPS: behind Nginx the app takes the client's address from one forwarded hop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request

CLIENT, NGINX, FORGED = "127.0.0.2", "127.0.0.1", "203.0.113.7"


def who_asks(app: Any, **headers: str) -> str:
    """Return the address and scheme the app sees for one request from Nginx's address."""
    app.add_url_rule("/whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme}")
    client = app.test_client()
    response = client.get("/whoami", headers=headers, environ_base={"REMOTE_ADDR": NGINX})
    return str(response.get_data(as_text=True))


def test_without_proxy_hops_forwarded_headers_are_ignored(make_app: Callable[..., Any]) -> None:
    """By default the app trusts no X-Forwarded-* header: anyone could send one."""
    seen = who_asks(make_app(), **{"X-Forwarded-For": FORGED, "X-Forwarded-Proto": "https"})
    assert seen == f"{NGINX} http"


def test_one_hop_trusts_the_last_forwarded_entry_only(make_app: Callable[..., Any]) -> None:
    """With one proxy, the last X-Forwarded-For entry (Nginx's) wins over a forged first one."""
    headers = {"X-Forwarded-For": f"{FORGED}, {CLIENT}", "X-Forwarded-Proto": "https"}
    assert who_asks(make_app(proxy_hops=1), **headers) == f"{CLIENT} https"


def test_proxy_hops_is_read_from_the_environment() -> None:
    """PHOTOAPP_PROXY_HOPS=1 becomes settings.proxy_hops == 1; unset is 0."""
    from photoapp.settings import Settings

    assert Settings.from_env({"PHOTOAPP_PROXY_HOPS": "1"}).proxy_hops == 1
    assert Settings.from_env({}).proxy_hops == 0
