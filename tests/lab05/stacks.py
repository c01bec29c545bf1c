"""Helpers for lab 05's stack tests: start servers, talk HTTP to the app, read Redis's figures.

When deploy/redis.conf is still the starter, starting Redis raises its NotImplementedError
("Lab 05: ..."); when the app's lab 05 code is still a stub, the app servers cannot start and
start_stack raises that stub's NotImplementedError, found in the server's log.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
import requests

from tests.helpers.images import make_jpeg
from workshop.services import ServiceError, Stack, StackSpec

HTTP_TIMEOUT = 15.0
SLOW_TEST_S = 240  # a stack of Redis and two Gunicorn servers boots in 5-30 s
STUB_ERROR = re.compile(r"NotImplementedError: (Lab \d\d: .*)")
# Small Gunicorn servers: they share the machine's cores with Redis and the test itself.
APP_SETTINGS = {"PHOTOAPP_WORKERS": "2", "PHOTOAPP_THREADS": "4"}


def start_stack(stack_factory: Callable[..., Stack], spec: StackSpec) -> Stack:
    """Start a stack on the tree under test, turning a stub's crash into its NotImplementedError."""
    try:
        return stack_factory(spec, extra_env=APP_SETTINGS)
    except ServiceError as error:
        found = STUB_ERROR.search(str(error))
        if found:
            raise NotImplementedError(found.group(1).strip()) from None
        raise


@dataclass
class Client:
    """One user of the JSON API on one app server."""

    base_url: str
    token: str = ""
    username: str = ""

    def on(self, base_url: str) -> Client:
        """The same user, talking to another app server."""
        return Client(base_url, self.token, self.username)

    def call(self, method: str, path: str, **options: Any) -> requests.Response:
        """Send one request with the user's token."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return requests.request(method, self.base_url + path, headers=headers,
                                timeout=HTTP_TIMEOUT, **options)

    def json(self, method: str, path: str, **options: Any) -> Any:
        """Send one request and return its JSON body, failing on any status but 2xx."""
        response = self.call(method, path, **options)
        assert response.ok, (
            f"expected 2xx from {method} {path} on {self.base_url}, got {response.status_code}: "
            f"{response.text[:200]}"
        )
        return response.json()

    def upload(self, caption: str = "lab 05") -> dict[str, Any]:
        """Upload a small JPEG and return the photo."""
        files = {"file": ("photo.jpg", make_jpeg(), "image/jpeg")}
        body: dict[str, Any] = self.json("POST", "/api/photos", files=files,
                                         data={"caption": caption})
        return body


def register(base_url: str, prefix: str = "c") -> Client:
    """Register a fresh user on an app server and return it, logged in."""
    username = f"{prefix}_{secrets.token_hex(5)}"
    client = Client(base_url, username=username)
    body = client.json("POST", "/api/register",
                       json={"username": username, "password": "correct-horse-battery"})
    client.token = body["token"]
    return client


def keyspace(stack: Stack) -> tuple[int, int]:
    """Redis's own count of lookups that hit and that missed, since it started."""
    assert stack.redis is not None
    with redis.Redis.from_url(stack.redis.url, socket_timeout=5) as client:
        stats: dict[str, Any] = client.info("stats")
    return int(stats["keyspace_hits"]), int(stats["keyspace_misses"])
