"""Lab 05 scenario: many readers of a few popular people and photos, through Nginx.

`workshop load 5` runs this file three times, back to back, each on a fresh stack
([[lab.load.compare]] in labs/labs.toml): without a cache (`uncached`), with Redis in front of
PostgreSQL (`cached`), and with Redis killed with SIGKILL a third of the way in and restarted at
half time (`chaos`). Endpoints are named "... (uncached)", "... (cached)" and "... (chaos)".

Photo traffic is read-heavy and skewed: a few accounts and photos get most of the views (a
Zipf-like popularity, as measured for Instagram, Flickr and YouTube alike). The first users to
arrive are the authors, who post a few photos each; everyone follows a handful of authors
picked by popularity, and opens photos and profiles picked the same way, so the hot keys are
hot for real and a cache has something to keep. Nineteen requests in twenty are reads, and the
one write (a like) deletes a popular photo's cache entry now and then.
"""

from __future__ import annotations

import random
from typing import Any

from locust import between, task

from loadtests.common import PhotoAppUser

PAGE_SIZE = 12
AUTHORS = 10  # the first users to arrive post photos; the others only read and like
PHOTOS_PER_AUTHOR = 3
FOLLOWS_ON_START = 4
ZIPF_EXPONENT = 1.1  # rank r is chosen with weight 1 / r**1.1: the first ranks get most views
MAX_RANKS = 2000
ZIPF_WEIGHTS = [1 / (rank**ZIPF_EXPONENT) for rank in range(1, MAX_RANKS + 1)]

# Popularity by order of arrival, shared by every user of this Locust process: the first
# authors and photos are the celebrities. Lists, not sets, so that rank 1 stays rank 1.
PEOPLE: list[str] = []  # the authors
PHOTOS: list[int] = []


def popular(items: list[Any]) -> Any | None:
    """Pick an item by Zipf-like popularity of its rank, or None while there is none."""
    ranked = items[:MAX_RANKS]
    if not ranked:
        return None
    return random.choices(ranked, weights=ZIPF_WEIGHTS[: len(ranked)])[0]


class PopularityReader(PhotoAppUser):
    """Someone who mostly scrolls, opens popular photos and profiles, and now and then likes."""

    # Few people, each busy: a sign-up (a slow password hash) and its follows are the cold start
    # of every user, and the comparison is about the reads that come after.
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        """Sign up; post photos if among the first; follow a few authors, likely popular ones."""
        super().on_start()
        if len(PEOPLE) < AUTHORS:
            PEOPLE.append(self.username)
            for _ in range(PHOTOS_PER_AUTHOR):
                photo_id = self.upload_photo()
                if photo_id is not None:
                    PHOTOS.append(photo_id)
        for _ in range(FOLLOWS_ON_START):
            username = popular(PEOPLE)
            if username is not None and username != self.username:
                self.client.post(f"/api/users/{username}/follow",
                                 name="/api/users/[username]/follow")

    @task(10)
    def open_feed(self) -> None:
        """Open the app: the first feed page, the page every visit starts with."""
        self.get_json("/api/feed", name="/api/feed", limit=PAGE_SIZE)

    @task(6)
    def open_photo(self) -> None:
        """Open a photo someone shared: popular ones far more often."""
        photo_id = popular(PHOTOS)
        if photo_id is not None:
            self.get_json(f"/api/photos/{photo_id}", name="/api/photos/[id]")

    @task(3)
    def open_profile(self) -> None:
        """Look at a profile and its counts: celebrities far more often."""
        username = popular(PEOPLE)
        if username is not None:
            self.get_json(f"/api/users/{username}", name="/api/users/[username]")

    @task(1)
    def like(self) -> None:
        """Like a popular photo (a write that invalidates it in the cache)."""
        photo_id = popular(PHOTOS)
        if photo_id is not None:
            self.client.post(f"/api/photos/{photo_id}/like", name="/api/photos/[id]/like")
