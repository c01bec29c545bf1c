"""Request ids: every response and access-log line carries one, and a sane incoming one is kept."""

from __future__ import annotations

from collections.abc import Callable

from tests.lab02.guide import REQUEST_IDS
from tests.lab02.serving import fetch, wait_for
from workshop.services import Stack

LOG_SECONDS = 5


def test_every_response_carries_a_fresh_request_id(gunicorn: Callable[..., Stack]) -> None:
    """Responses without an incoming id get X-Request-ID, a different one for each request."""
    server = gunicorn().app_servers[0]
    replies = [
        fetch(server, "GET", "/healthz"),
        fetch(server, "GET", "/healthz"),
        fetch(server, "GET", "/no-such-page"),
    ]
    ids = [reply.header("X-Request-ID") for reply in replies]
    assert all(ids) and len(set(ids)) == 3, (
        f"expected a different X-Request-ID on each of three responses (a 404 included), "
        f"got {ids} — {REQUEST_IDS}"
    )


def test_sane_incoming_request_id_is_kept(gunicorn: Callable[..., Stack]) -> None:
    """An incoming X-Request-ID such as Nginx's is echoed back and written to the access log."""
    server = gunicorn().app_servers[0]
    incoming = "lab02-trace-4f9a2c"
    reply = fetch(server, "GET", "/healthz", headers={"X-Request-ID": incoming})
    assert reply.header("X-Request-ID") == incoming, (
        f"expected the incoming X-Request-ID {incoming!r} back, got "
        f"{reply.header('X-Request-ID')!r} — {REQUEST_IDS}"
    )
    logged = wait_for(lambda: incoming in server.log_tail(100), LOG_SECONDS)
    assert logged, (
        f"expected the access log line of that request to show {incoming!r}; last log lines:\n"
        f"{server.log_tail(5)}\n— {REQUEST_IDS}"
    )


def test_unsafe_incoming_request_id_is_replaced(gunicorn: Callable[..., Stack]) -> None:
    """An incoming id with spaces or quotes, or far too long, is replaced by a fresh one."""
    server = gunicorn().app_servers[0]
    for bad in ['x" forged=1', "a" * 500]:
        got = fetch(server, "GET", "/healthz", headers={"X-Request-ID": bad}).header("X-Request-ID")
        assert got and got != bad, (
            f"expected a fresh X-Request-ID instead of the unsafe {bad[:40]!r}, got "
            f"{(got or '')[:40]!r}: ids end up in log lines — {REQUEST_IDS}"
        )


def test_the_app_sees_the_id_the_response_carries() -> None:
    """Behind the middleware, the app reads the very id of the response in its environ."""
    from photoapp.request_ids import RequestIdMiddleware

    seen: dict[str, object] = {}

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        seen["app"] = environ.get("HTTP_X_REQUEST_ID")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    def start_response(status, headers, exc_info=None):  # type: ignore[no-untyped-def]
        seen["response"] = dict(headers).get("X-Request-ID")
        return lambda data: None

    for incoming in (None, "not a sane id\nforged", "sane-id-42"):
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz"}
        if incoming is not None:
            environ["HTTP_X_REQUEST_ID"] = incoming
        list(RequestIdMiddleware(app)(environ, start_response))
        assert seen["response"] and seen["app"] == seen["response"], (
            f"expected the app to see the id of the response ({seen['response']!r}) in "
            f"environ['HTTP_X_REQUEST_ID'] for incoming {incoming!r}, it saw {seen['app']!r}: "
            f"store the id back in the environ before calling the app — {REQUEST_IDS}"
        )
