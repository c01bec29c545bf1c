"""Seed a running app with a browsable world through its JSON API: users, photos, follows, likes.

Everything goes over HTTP, as a real client would, so the seed works against any stack (one
Flask process, or Nginx in front of Gunicorn servers on PostgreSQL).
"""

from __future__ import annotations

import io
import math
import random
import sys
from dataclasses import dataclass

import requests
from PIL import Image, ImageDraw, ImageFont

DEMO_USER = "demo"
DEMO_PASSWORD = "demo-password"
PHOTO_SIZE = (800, 600)
TIMEOUT_S = 30

NAMES = [
    "ada", "grace", "alan", "barbara", "edsger", "margaret", "linus", "guido", "ken", "dennis",
    "frances", "john", "radia", "tim", "katherine", "donald", "shafi", "leslie", "sophie",
    "hedy", "annie", "vint", "bjarne", "yukihiro", "anders", "lynn", "niklaus", "ivan", "jean",
    "mary", "evelyn", "joan", "karen", "sally", "whitfield",
]  # fmt: skip
CAPTIONS = [
    "Sunset over the bay", "Morning coffee", "First snow", "Street art downtown",
    "Weekend hike", "Tiny garden", "Lights of the city", "Lunch break", "Old bridge",
    "Rainy window", "Market day", "Harbour at dusk", "Abstract thoughts", "Fields of gold",
    "Night shift", "Autumn leaves", "Blue hour", "Road trip", "Desert colours", "Quiet lake",
]  # fmt: skip
PALETTES = [
    ((255, 94, 77), (255, 195, 113)), ((44, 62, 80), (76, 161, 175)),
    ((67, 206, 162), (24, 90, 157)), ((238, 156, 167), (255, 221, 225)),
    ((20, 30, 48), (36, 59, 85)), ((255, 175, 189), (255, 195, 160)),
    ((33, 147, 176), (109, 213, 237)), ((204, 43, 94), (117, 58, 136)),
    ((15, 32, 39), (44, 83, 100)), ((247, 151, 30), (255, 210, 0)),
    ((86, 171, 47), (168, 224, 99)), ((97, 67, 133), (81, 99, 149)),
]  # fmt: skip


@dataclass(frozen=True)
class SeedPlan:
    """How big a world to seed."""

    users: int = 30
    photos: int = 60
    seed: int = 2010  # the year Instagram launched; any fixed number makes runs repeatable


def draw_photo(rng: random.Random, username: str, caption: str) -> bytes:
    """Draw a colourful JPEG: a gradient, a few shapes, and the caption and author as text."""
    width, height = PHOTO_SIZE
    top, bottom = rng.choice(PALETTES)
    image = Image.new("RGB", PHOTO_SIZE)
    pen = ImageDraw.Draw(image, "RGBA")
    for y in range(height):  # a vertical gradient, one line at a time
        t = y / (height - 1)
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        pen.line([(0, y), (width, y)], fill=colour)
    for _ in range(rng.randint(4, 9)):
        _shape(pen, rng, width, height)
    _caption(pen, caption, f"@{username}", width, height)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _shape(pen: ImageDraw.ImageDraw, rng: random.Random, width: int, height: int) -> None:
    """Draw one translucent circle, rectangle, star-like polygon or sun."""
    colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256), rng.randint(90, 200))
    x, y = rng.randrange(width), rng.randrange(height)
    size = rng.randint(30, 180)
    kind = rng.choice(["circle", "rectangle", "polygon", "rings"])
    if kind == "circle":
        pen.ellipse([x - size, y - size, x + size, y + size], fill=colour)
    elif kind == "rectangle":
        pen.rounded_rectangle([x, y, x + size * 2, y + size], radius=size // 5, fill=colour)
    elif kind == "polygon":
        corners = rng.randint(3, 7)
        angles = [2 * math.pi * i / corners for i in range(corners)]
        pen.polygon([(x + size * math.cos(a), y + size * math.sin(a)) for a in angles], fill=colour)
    else:
        for ring in range(4):
            r = size - ring * size // 4
            pen.ellipse([x - r, y - r, x + r, y + r], outline=colour, width=6)


def _caption(pen: ImageDraw.ImageDraw, caption: str, author: str, width: int, height: int) -> None:
    """Write the caption and the author on a dark band at the bottom."""
    big, small = _font(44), _font(28)
    pen.rectangle([0, height - 120, width, height], fill=(0, 0, 0, 120))
    pen.text((28, height - 110), caption, font=big, fill=(255, 255, 255, 255))
    pen.text((28, height - 54), author, font=small, fill=(230, 230, 230, 255))


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Return Pillow's built-in font at a size (an older Pillow only has the small bitmap one)."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):
        return ImageFont.load_default()


class ApiClient:
    """The few calls of the JSON API the seed needs."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()

    def account(self, username: str, password: str) -> str:
        """Register (or log in, if the user exists) and return a bearer token."""
        body = {"username": username, "password": password}
        reply = self.http.post(f"{self.base_url}/api/register", json=body, timeout=TIMEOUT_S)
        if reply.status_code == 409:
            reply = self.http.post(f"{self.base_url}/api/login", json=body, timeout=TIMEOUT_S)
        _ok(reply, f"register {username}")
        token: str = reply.json()["token"]
        return token

    def upload(self, token: str, jpeg: bytes, caption: str) -> int:
        """Upload one photo and return its id."""
        reply = self.http.post(
            f"{self.base_url}/api/photos",
            headers=_auth(token),
            files={"file": ("photo.jpg", jpeg, "image/jpeg")},
            data={"caption": caption},
            timeout=TIMEOUT_S,
        )
        _ok(reply, "upload a photo")
        photo_id: int = reply.json()["id"]
        return photo_id

    def follow(self, token: str, username: str) -> None:
        """Follow a user."""
        url = f"{self.base_url}/api/users/{username}/follow"
        _ok(self.http.post(url, headers=_auth(token), timeout=TIMEOUT_S), f"follow {username}")

    def like(self, token: str, photo_id: int) -> None:
        """Like a photo."""
        url = f"{self.base_url}/api/photos/{photo_id}/like"
        _ok(self.http.post(url, headers=_auth(token), timeout=TIMEOUT_S), f"like {photo_id}")


def seed(base_url: str, plan: SeedPlan | None = None, quiet: bool = False) -> dict[str, int]:
    """Create users, photos, follows and likes through the API; return how many of each."""
    plan = plan or SeedPlan()
    rng = random.Random(plan.seed)
    api = ApiClient(base_url)
    names = [DEMO_USER, *NAMES][: plan.users]
    steps = len(names) + plan.photos + 2
    done = 0

    live = sys.stderr.isatty()

    def tick(what: str) -> None:
        nonlocal done
        done += 1
        if quiet:
            return
        if live:  # one line that updates in place
            end = "\n" if done == steps else ""
            line = f"\r  seeding {done:3d}/{steps}: {what:<40}"
            print(line, end=end, flush=True, file=sys.stderr)
        elif done % 20 == 0 or done == steps:  # a log file: a line now and then
            print(f"  seeding {done:3d}/{steps}: {what}", flush=True, file=sys.stderr)

    tokens: dict[str, str] = {}
    for name in names:
        tokens[name] = api.account(name, DEMO_PASSWORD)
        tick(f"user {name}")
    photo_ids: list[int] = []
    authors = [n for n in names if n != DEMO_USER] or names
    for index in range(plan.photos):
        # The demo user posts a few photos of their own; everyone else shares the rest.
        author = DEMO_USER if index % 10 == 0 else rng.choice(authors)
        caption = rng.choice(CAPTIONS)
        photo_ids.append(api.upload(tokens[author], draw_photo(rng, author, caption), caption))
        tick(f"photo {index + 1} by {author}")
    follows = 0
    for name in names:
        others = [n for n in names if n != name]
        count = min(len(others), 12 if name == DEMO_USER else rng.randint(3, 8))
        for other in rng.sample(others, count):
            api.follow(tokens[name], other)
            follows += 1
    tick("follows")
    likes = 0
    for name in names:
        for photo_id in rng.sample(photo_ids, min(len(photo_ids), rng.randint(2, 10))):
            api.like(tokens[name], photo_id)
            likes += 1
    tick("likes")
    return {"users": len(names), "photos": len(photo_ids), "follows": follows, "likes": likes}


def _auth(token: str) -> dict[str, str]:
    """Return the header of an API call."""
    return {"Authorization": f"Bearer {token}"}


def _ok(reply: requests.Response, what: str) -> None:
    """Raise SeedError with the server's own message when a call failed."""
    if reply.status_code >= 400:
        try:
            detail = reply.json().get("error", reply.text)
        except ValueError:
            detail = reply.text[:200]
        raise SeedError(f"seeding failed to {what}: HTTP {reply.status_code} {detail}")


class SeedError(RuntimeError):
    """The app refused a seeding call."""
