"""A small client for the JSON API, over Flask's test client: register, upload, follow, like."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

DEFAULT_PASSWORD = "correct-horse-battery"


@dataclass
class Account:
    """A registered user and the bearer token the API gave them."""

    id: int
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header that acts as this user."""
        return {"Authorization": f"Bearer {self.token}"}


class Api:
    """Call the API like a mobile client would; every method returns the raw response."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def register(self, username: str, password: str = DEFAULT_PASSWORD) -> TestResponse:
        """POST /api/register."""
        return self.client.post("/api/register", json={"username": username, "password": password})

    def login(self, username: str, password: str = DEFAULT_PASSWORD) -> TestResponse:
        """POST /api/login."""
        return self.client.post("/api/login", json={"username": username, "password": password})

    def account(self, username: str) -> Account:
        """Register a user and return their account; fail loudly if that does not work."""
        response = self.register(username)
        assert response.status_code == 201, (
            f"expected 201 when registering {username!r}, got {response.status_code}: "
            f"{response.get_data(as_text=True)[:300]}"
        )
        body = response.get_json()
        return Account(body["user"]["id"], body["user"]["username"], body["token"])

    def upload(self, who: Account | None, data: bytes, caption: str = "",
               filename: str = "photo.jpg", content_type: str = "image/jpeg") -> TestResponse:
        """POST /api/photos with multipart fields file and caption."""
        upload = FileStorage(io.BytesIO(data), filename=filename, content_type=content_type)
        form = {"caption": caption, "file": upload}
        # Encoded here, in memory: the test client spools big bodies to a temporary file
        # that it never closes (a ResourceWarning, an error under filterwarnings=error).
        boundary, body = encode_multipart(form)
        return self.client.post("/api/photos", data=body, headers=_headers(who),
                                content_type=f"multipart/form-data; boundary={boundary}")

    def photo_id(self, who: Account, data: bytes, caption: str = "") -> int:
        """Upload a photo that must be accepted and return its id."""
        response = self.upload(who, data, caption)
        assert response.status_code == 201, (
            f"expected 201 for a valid upload, got {response.status_code}: "
            f"{response.get_data(as_text=True)[:300]}"
        )
        photo_id: int = response.get_json()["id"]
        return photo_id

    def get(self, who: Account | None, path: str, **params: Any) -> TestResponse:
        """GET an API path as a user (or anonymously)."""
        return self.client.get(path, headers=_headers(who), query_string=params)

    def post(self, who: Account | None, path: str) -> TestResponse:
        """POST to an API path with no body."""
        return self.client.post(path, headers=_headers(who))

    def delete(self, who: Account | None, path: str) -> TestResponse:
        """DELETE an API path."""
        return self.client.delete(path, headers=_headers(who))

    def feed(self, who: Account, before: int | None = None, limit: int | None = None) -> dict:
        """GET /api/feed and return its JSON, which must be a 200."""
        params = {k: v for k, v in (("before", before), ("limit", limit)) if v is not None}
        response = self.get(who, "/api/feed", **params)
        assert response.status_code == 200, (
            f"expected 200 from GET /api/feed, got {response.status_code}: "
            f"{response.get_data(as_text=True)[:300]}"
        )
        body: dict = response.get_json()
        return body

    def feed_ids(self, who: Account, before: int | None = None,
                 limit: int | None = None) -> list[int]:
        """Return the photo ids of one feed page."""
        return [photo["id"] for photo in self.feed(who, before, limit)["photos"]]

    def whole_feed(self, who: Account, limit: int) -> list[list[int]]:
        """Follow the `next` cursor to the end; return the ids page by page."""
        pages, before = [], None
        for _ in range(1000):  # a bound, so a cursor that never ends fails instead of hanging
            body = self.feed(who, before, limit)
            pages.append([photo["id"] for photo in body["photos"]])
            before = body["next"]
            if before is None:
                return pages
        raise AssertionError("the feed's `next` cursor never became null")

    def follow(self, who: Account, username: str) -> TestResponse:
        """POST /api/users/<username>/follow."""
        return self.post(who, f"/api/users/{username}/follow")

    def like(self, who: Account, photo_id: int) -> TestResponse:
        """POST /api/photos/<id>/like."""
        return self.post(who, f"/api/photos/{photo_id}/like")

    def profile(self, who: Account, username: str) -> dict:
        """GET /api/users/<username> and return its JSON, which must be a 200."""
        response = self.get(who, f"/api/users/{username}")
        assert response.status_code == 200, (
            f"expected 200 from GET /api/users/{username}, got {response.status_code}"
        )
        body: dict = response.get_json()
        return body


def _headers(who: Account | None) -> dict[str, str]:
    """Return the auth header for a user, none for anonymous calls."""
    return who.headers if who else {}
