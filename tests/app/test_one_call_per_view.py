"""Each view makes one service call per request, so that a page is one use case (lab 05).

A counting proxy replaces the app's PhotoService and records which of its methods each request
called. Pages behind login_required may also call find_user (the session's user); that lookup
is the decorator's, not the view's.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from tests.app.test_pages import sign_up
from tests.helpers.api import Api
from tests.helpers.images import make_jpeg


class CountingService:
    """Pass attribute access to the real service, recording every method called."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.called: list[str] = []

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.inner, name)
        if not callable(value):
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.called.append(name)
            return value(*args, **kwargs)

        return counted

    def calls_of(self, send: Any) -> list[str]:
        """Send one request and return the service methods it called (find_user left out)."""
        self.called.clear()
        send()
        return [name for name in self.called if name != "find_user"]


@pytest.fixture
def counted(app: Any) -> Iterator[CountingService]:
    """The app's service, counted."""
    service = CountingService(app.extensions["photoapp"])
    app.extensions["photoapp"] = service
    yield service
    app.extensions["photoapp"] = service.inner


def test_every_api_request_is_one_use_case(app, client, counted):
    """Every API endpoint calls exactly one service method."""
    api = Api(client)
    ann, bob = api.account("ann"), api.account("bob")
    photo = api.photo_id(ann, make_jpeg())
    requests = {
        "POST /api/login": lambda: api.login("ann"),
        "POST /api/photos": lambda: api.upload(ann, make_jpeg()),
        "GET /api/photos/<id>": lambda: api.get(bob, f"/api/photos/{photo}"),
        "GET /api/photos/<id>/image": lambda: api.get(bob, f"/api/photos/{photo}/image"),
        "GET /api/photos/<id>/thumbnail": lambda: api.get(bob, f"/api/photos/{photo}/thumbnail"),
        "GET /api/feed": lambda: api.get(bob, "/api/feed"),
        "GET /api/users/<name>": lambda: api.get(bob, "/api/users/ann"),
        "GET /api/users/<name>/photos": lambda: api.get(bob, "/api/users/ann/photos"),
        "POST /api/users/<name>/follow": lambda: api.follow(bob, "ann"),
        "DELETE /api/users/<name>/follow": lambda: api.delete(bob, "/api/users/ann/follow"),
        "POST /api/photos/<id>/like": lambda: api.like(bob, photo),
        "DELETE /api/photos/<id>/like": lambda: api.delete(bob, f"/api/photos/{photo}/like"),
        "DELETE /api/photos/<id>": lambda: api.delete(ann, f"/api/photos/{photo}"),
    }
    many = {what: calls for what, send in requests.items()
            if len(calls := counted.calls_of(send)) != 1}
    assert not many, f"expected one service call per request, got {many}"


def test_every_page_is_one_use_case(app, client, counted):
    """Every HTML page calls at most one service method besides the session's user."""
    sign_up(client, "ann")
    upload = counted.calls_of(lambda: client.post(
        "/upload", data={"caption": "", "file": (io.BytesIO(make_jpeg()), "a.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    ))
    assert upload == ["upload"]
    photo = counted.inner.feed(1).photos[0].id
    pages = {
        "GET /": lambda: client.get("/"),
        "GET /photos/<id>": lambda: client.get(f"/photos/{photo}"),
        "GET /users/<name>": lambda: client.get("/users/ann"),
        "GET /upload": lambda: client.get("/upload"),
        "POST /photos/<id>/like": lambda: client.post(f"/photos/{photo}/like",
                                                      data={"action": "like"}),
    }
    calls = {what: counted.calls_of(send) for what, send in pages.items()}
    assert {what: c for what, c in calls.items() if len(c) > 1} == {}, calls
    assert calls["GET /"] == ["feed_view"] and calls["GET /users/<name>"] == ["profile_page"]
    assert calls["GET /photos/<id>"] == ["photo_view"]
