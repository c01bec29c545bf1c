"""Lab 01 scenario: people browse, open, like, follow and now and then upload, on one box.

This is the baseline every later lab is compared with, so the mix stays the same from lab to
lab: mostly reads (feed pages and thumbnails), a few writes (likes, follows), rare uploads.
Run it with `workshop load 1`; the SLOs it must meet are in labs/labs.toml under lab 1.
"""

from __future__ import annotations

import random
from typing import Any

from locust import task

from loadtests.common import KNOWN_PHOTO_IDS, PhotoAppUser

# Small pages, so even a short run scrolls and exercises the cursor query (`before=`).
PAGE_SIZE = 8
# A phone shows about four thumbnails of a feed page before the user scrolls on.
THUMBNAILS_PER_PAGE = 4
FOLLOWS_ON_START = 3


class PhotoBrowser(PhotoAppUser):
    """One person using the app: logs in, opens the feed, likes, follows, now and then posts."""

    def on_start(self) -> None:
        """Log in; a person who just signed up posts a first photo and follows a few people."""
        super().on_start()
        self.page: list[dict[str, Any]] = []  # the feed page on screen
        self.next_before: int | None = None  # the cursor of the page after it
        if self.signed_up:  # seeded accounts come with a photo and follows already
            self.upload_photo()
            for _ in range(FOLLOWS_ON_START):
                self.follow_someone()

    # Weights: of every 33 actions, 24 only read, and each feed page also loads thumbnails, so
    # about nine requests in ten are reads. Instagram's traffic was (and is) overwhelmingly
    # reads, which is why later labs spread and cache reads first.

    @task(10)
    def open_feed(self) -> None:
        """Open the app: the first feed page and the thumbnails on screen."""
        body = self.get_json("/api/feed", name="/api/feed", limit=PAGE_SIZE)
        self.show(body)

    @task(5)
    def scroll_feed(self) -> None:
        """Scroll on: the next page through the cursor, never an offset."""
        if self.next_before is None:
            self.open_feed()
            return
        body = self.get_json(
            "/api/feed", name="/api/feed?before=[id]", before=self.next_before, limit=PAGE_SIZE
        )
        self.show(body)

    @task(6)
    def open_photo(self) -> None:
        """Tap a photo: its details and the full-size image."""
        photo_id = self.pick_photo()
        if photo_id is None:
            return
        photo = self.get_json(f"/api/photos/{photo_id}", name="/api/photos/[id]")
        if photo is not None:
            self.client.get(photo["image_url"], name="/api/photos/[id]/image")

    @task(3)
    def open_profile(self) -> None:
        """Look at someone's profile and counts."""
        username = self.someone_else()
        if username is not None:
            self.get_json(f"/api/users/{username}", name="/api/users/[username]")

    @task(4)
    def like(self) -> None:
        """Like a photo (liking twice is allowed and changes nothing)."""
        photo_id = self.pick_photo()
        if photo_id is not None:
            self.client.post(f"/api/photos/{photo_id}/like", name="/api/photos/[id]/like")

    @task(1)
    def unlike(self) -> None:
        """Change one's mind about a like."""
        photo_id = self.pick_photo()
        if photo_id is not None:
            self.client.delete(f"/api/photos/{photo_id}/like", name="/api/photos/[id]/like")

    @task(2)
    def follow_someone(self) -> None:
        """Follow another user, so their photos show up in the feed."""
        username = self.someone_else()
        if username is not None:
            self.client.post(f"/api/users/{username}/follow", name="/api/users/[username]/follow")

    @task(1)
    def upload(self) -> None:
        """Post a new photo: the heaviest request (decode, re-encode, thumbnail)."""
        self.upload_photo()

    @task(1)
    def unfollow_someone(self) -> None:
        """Unfollow someone now and then, so the follow graph keeps changing."""
        username = self.someone_else()
        if username is not None:
            self.client.delete(
                f"/api/users/{username}/follow", name="/api/users/[username]/follow"
            )

    def show(self, body: dict[str, Any] | None) -> None:
        """Keep a feed page on screen and load the thumbnails a phone would show first."""
        if body is None:
            return
        self.page = body["photos"]
        self.next_before = body["next"]
        self.remember(self.page)
        for photo in self.page[:THUMBNAILS_PER_PAGE]:
            self.client.get(photo["thumbnail_url"], name="/api/photos/[id]/thumbnail")

    def pick_photo(self) -> int | None:
        """Pick a photo on screen, or one someone else saw when our feed is still empty."""
        if self.page:
            return int(random.choice(self.page)["id"])
        return random.choice(KNOWN_PHOTO_IDS) if KNOWN_PHOTO_IDS else None
