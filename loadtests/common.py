"""Shared pieces of every scenario: a user that logs in (or signs up), test photos, names.

Locust imports this module in its own process (never in the workshop CLI or in pytest, because
Locust monkey-patches the standard library with gevent).

`workshop load` makes the accounts before the timed window starts (workshop/accounts.py) and
names their file in WORKSHOP_LOAD_ACCOUNTS: each simulated person then logs in as one of them,
so the run measures the lab's traffic, not password hashing. Run by hand without that file,
each person signs up instead (POST /api/register, a row of its own in the report).
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import secrets
from collections import deque
from collections.abc import Iterator
from typing import Any

from locust import HttpUser, between
from locust.exception import StopUser
from PIL import Image, ImageDraw

PASSWORD = "load-test-password"

# How many ready-made JPEGs each uploader picks from. Drawing them once at import keeps the
# load generator's CPU for sending requests: on a laptop it shares the cores with the server.
PHOTO_COUNT = 8
PHOTO_SIZE = (640, 480)

# What every simulated user has seen so far, shared by all users of this Locust process, so a
# new user can find people to follow and photos to open before its own feed has anything in it.
# deque(maxlen=...) forgets the oldest entries and keeps memory flat in long runs.
KNOWN_USERNAMES: deque[str] = deque(maxlen=500)
KNOWN_PHOTO_IDS: deque[int] = deque(maxlen=2000)


def draw_photo(seed: int) -> bytes:
    """Draw a small, colourful JPEG that differs with the seed."""
    rng = random.Random(seed)
    background = tuple(rng.randrange(256) for _ in range(3))
    image = Image.new("RGB", PHOTO_SIZE, background)
    pen = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(PHOTO_SIZE[0]), rng.randrange(PHOTO_SIZE[1])
        size = rng.randrange(30, 200)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = pen.ellipse if rng.random() < 0.5 else pen.rectangle
        shape((x, y, x + size, y + size), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


PHOTOS: list[bytes] = [draw_photo(seed) for seed in range(PHOTO_COUNT)]


def _seeded_accounts() -> tuple[str, Iterator[str]] | None:
    """Read the accounts `workshop load` made: (password, an endless cycle of usernames)."""
    path = os.environ.get("WORKSHOP_LOAD_ACCOUNTS")
    if not path:
        return None
    with open(path, encoding="utf-8") as handle:
        accounts = json.load(handle)
    KNOWN_USERNAMES.extend(accounts["usernames"])
    KNOWN_PHOTO_IDS.extend(accounts["photo_ids"])
    return accounts["password"], itertools.cycle(accounts["usernames"])


SEEDED = _seeded_accounts()


def random_photo() -> bytes:
    """Return one of the pre-drawn JPEGs."""
    return random.choice(PHOTOS)


def new_username() -> str:
    """Return a username unlikely to clash with any other run (a-z, 0-9 and _, max 30)."""
    return f"load_{secrets.token_hex(6)}"


class PhotoAppUser(HttpUser):
    """A user that logs in (or signs up) on start and sends its bearer token with every request.

    Scenarios subclass it and add @task methods. Every request passes `name=` so Locust groups
    statistics by endpoint ("/api/photos/[id]") instead of one row per photo id.
    """

    abstract = True  # Locust runs only the scenario's subclasses
    wait_time = between(0.5, 2.0)  # think time between two actions of one person

    username: str = ""
    signed_up: bool = False  # True when this person made a fresh, empty account

    def on_start(self) -> None:
        """Log in as a seeded account, or sign up; keep the token for every later request."""
        if SEEDED is not None:
            password, usernames = SEEDED
            self.username = next(usernames)
            token = self._token("/api/login", password, expected=200)
        else:
            self.username = new_username()
            token = self._token("/api/register", PASSWORD, expected=201)
            self.signed_up = True
            KNOWN_USERNAMES.append(self.username)
        self.client.headers["Authorization"] = f"Bearer {token}"

    def _token(self, path: str, password: str, expected: int) -> str:
        """POST the credentials to /api/login or /api/register and return the token."""
        with self.client.post(
            path,
            json={"username": self.username, "password": password},
            name=path,
            catch_response=True,
        ) as response:
            if response.status_code != expected:
                response.failure(f"{path} answered {response.status_code}: {response.text[:200]}")
                raise StopUser()  # without an account every later request would fail
            token: str = response.json()["token"]
        return token

    def get_json(self, path: str, name: str, **params: Any) -> dict[str, Any] | None:
        """GET a JSON endpoint; return its body, or None when the request failed."""
        with self.client.get(path, params=params, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            body: dict[str, Any] = response.json()
            return body

    def upload_photo(self) -> int | None:
        """Upload one of the pre-drawn photos; return its id."""
        files = {"file": ("photo.jpg", random_photo(), "image/jpeg")}
        caption = f"load test photo by {self.username}"
        with self.client.post(
            "/api/photos",
            files=files,
            data={"caption": caption},
            name="/api/photos",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"upload answered {response.status_code}: {response.text[:200]}")
                return None
            photo_id: int = response.json()["id"]
        KNOWN_PHOTO_IDS.append(photo_id)
        return photo_id

    def someone_else(self) -> str | None:
        """Return the name of another known user, or None while we are alone."""
        others = [name for name in KNOWN_USERNAMES if name != self.username]
        return random.choice(others) if others else None

    def remember(self, photos: list[dict[str, Any]]) -> None:
        """Note the ids and owners of photos we saw, for later clicks and follows."""
        for photo in photos:
            KNOWN_PHOTO_IDS.append(photo["id"])
            if photo["username"] not in KNOWN_USERNAMES:
                KNOWN_USERNAMES.append(photo["username"])
