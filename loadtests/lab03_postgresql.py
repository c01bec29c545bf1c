"""Lab 03 scenario: a write-heavy evening (likes, follows, uploads), on SQLite then PostgreSQL.

`workshop load 3` runs this file twice, back to back, on two fresh stacks that differ only in
the database ([[lab.load.compare]] in labs/labs.toml): Gunicorn with several workers over one
SQLite file, then the same Gunicorn over PostgreSQL. SQLite lets one writer in at a time, so
under many concurrent writes requests queue for its lock (the latency tail) and, past its busy
timeout, fail with "database is locked"; PostgreSQL locks rows, not the whole database.

About two actions in three write, against about one in five in lab 01: the traffic of a busy
social app, and what made Instagram start on PostgreSQL rather than a single-file database.
"""

from __future__ import annotations

import random
from typing import Any

from locust import between, task

from loadtests.common import KNOWN_PHOTO_IDS, PhotoAppUser

PAGE_SIZE = 12
FOLLOWS_ON_START = 3


class EagerPhotoFan(PhotoAppUser):
    """A person in a hurry: likes, follows and posts far more than they scroll."""

    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        """Log in; a person who just signed up posts a first photo and follows a few people."""
        super().on_start()
        self.page: list[dict[str, Any]] = []
        if self.signed_up:  # seeded accounts come with a photo and follows already
            self.upload_photo()
            for _ in range(FOLLOWS_ON_START):
                self.follow_someone()

    # Weights: out of every 36 actions, 26 write (like, unlike, follow, unfollow, upload).

    @task(8)
    def open_feed(self) -> None:
        """Open the feed: the read through which every write below is seen."""
        body = self.get_json("/api/feed", name="/api/feed", limit=PAGE_SIZE)
        if body is not None:
            self.page = body["photos"]
            self.remember(self.page)

    @task(2)
    def open_profile(self) -> None:
        """Look at a profile: three counts of the rows everyone is writing."""
        username = self.someone_else()
        if username is not None:
            self.get_json(f"/api/users/{username}", name="/api/users/[username]")

    @task(12)
    def like(self) -> None:
        """Like a photo: one small write, many at once from everyone."""
        photo_id = self.pick_photo()
        if photo_id is not None:
            self.client.post(f"/api/photos/{photo_id}/like", name="/api/photos/[id]/like")

    @task(4)
    def unlike(self) -> None:
        """Take a like back: a delete racing with other people's inserts."""
        photo_id = self.pick_photo()
        if photo_id is not None:
            self.client.delete(f"/api/photos/{photo_id}/like", name="/api/photos/[id]/like")

    @task(5)
    def follow_someone(self) -> None:
        """Follow someone: a write that changes whose photos the feed shows."""
        username = self.someone_else()
        if username is not None:
            self.client.post(f"/api/users/{username}/follow", name="/api/users/[username]/follow")

    @task(3)
    def unfollow_someone(self) -> None:
        """Unfollow now and then, so the follow graph keeps changing."""
        username = self.someone_else()
        if username is not None:
            self.client.delete(
                f"/api/users/{username}/follow", name="/api/users/[username]/follow"
            )

    @task(2)
    def upload(self) -> None:
        """Post a photo: image work on the app server, then one insert."""
        self.upload_photo()

    def pick_photo(self) -> int | None:
        """Pick a photo on screen, or any photo someone has seen, so likes spread out."""
        if self.page and random.random() < 0.5:
            return int(random.choice(self.page)["id"])
        return random.choice(KNOWN_PHOTO_IDS) if KNOWN_PHOTO_IDS else None
