"""Build a lab 01 SQLite database through SqliteRepository's port; print what it holds as JSON.

    PYTHONPATH=<reference tree> python tests/lab03/seed_sqlite.py photoapp.db

The migration test runs this with the reference tree, so the database is what a finished
lab 01 writes, whatever state the lab 01 files under test are in.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from photoapp.backends.repository_sqlite import SqliteRepository
from photoapp.models import NewPhoto

# Small on purpose: every SQLite commit waits for the disk (~150 writes here).
USERS = 12
PHOTOS = 48
DELETED = (5, 17, 30)  # photo numbers deleted again, so the ids have gaps to keep


def seed(path: Path) -> dict[str, object]:
    """Create users, photos (some deleted), follows and likes; return them all."""
    repo = SqliteRepository(path)
    users = [repo.create_user(f"user{n:02d}", f"hash-of-user{n:02d}") for n in range(USERS)]
    photos = [
        repo.add_photo(NewPhoto(
            user_id=users[n % USERS].id, caption=f"photo number {n} ✓",
            image_key=f"photos/seed{n:04d}.jpg", thumbnail_key=f"thumbs/seed{n:04d}.jpg",
            content_type="image/png" if n % 3 else "image/jpeg",
            width=320 + n, height=240 + n,
        ))
        for n in range(PHOTOS)
    ]
    for n in DELETED:
        repo.delete_photo(photos[n].id)
    kept = [photo for n, photo in enumerate(photos) if n not in DELETED]
    follows = []
    for n, user in enumerate(users):
        for step in range(1, 1 + n % 4):
            other = users[(n + step * 5) % USERS]
            if other.id != user.id and repo.follow(user.id, other.id):
                follows.append([user.id, other.id])
    likes = []
    for n, user in enumerate(users):
        for photo in kept[n % 5::7]:
            if repo.like(user.id, photo.id):
                likes.append([user.id, photo.id])
    stored = [repo.get_photo(photo.id) for photo in kept]
    repo.close()
    return {
        "users": [asdict(user) for user in users],
        "photos": [asdict(photo) for photo in stored if photo is not None],
        "deleted_photo_ids": [photos[n].id for n in DELETED],
        "follows": follows,
        "likes": likes,
    }


if __name__ == "__main__":
    print(json.dumps(seed(Path(sys.argv[1])), default=str))
