"""Accounts for a load run, made before its timed window: python -m workshop.accounts N FILE

A real app has users before a busy evening begins, and signing up is its most expensive
request by far (a deliberately slow password hash: scrypt takes ~70 ms of CPU, and ten at
once on two cores take seconds). A load run that starts with every simulated person signing
up measures the hash, not the lab. So `workshop load` runs this module first, in the app's own
environment (the tree under test on PYTHONPATH, the stack's PHOTOAPP_* settings): it makes N
accounts straight through the app's repository, each with one photo and a few follows, and
writes their names to FILE. The scenario's users then log in as them (loadtests/common.py).

The seeded password hashes are cheap (PBKDF2 with one iteration): fine for throwaway load-test
accounts, and exactly why no real account may ever be made this way.
"""

from __future__ import annotations

import io
import json
import random
import secrets
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

PASSWORD = "load-test-password"
CHEAP_HASH = "pbkdf2:sha256:1"  # werkzeug's method string: PBKDF2, one iteration
FOLLOWS = 3


def main(argv: list[str] | None = None) -> int:
    """Make the accounts and write {password, usernames, photo_ids} to FILE."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or not args[0].isdigit():
        print("usage: python -m workshop.accounts COUNT FILE", file=sys.stderr)
        return 2
    count, out = int(args[0]), Path(args[1])
    began = time.monotonic()
    accounts = make_accounts(count)
    out.write_text(json.dumps(accounts) + "\n", encoding="utf-8")
    took = time.monotonic() - began
    print(f"seeded {count} accounts with a photo each in {took:.1f} s", file=sys.stderr)
    return 0


def make_accounts(count: int) -> dict[str, object]:
    """Create `count` users through the app's repository; return what the scenario needs."""
    from werkzeug.security import generate_password_hash

    from photoapp.settings import Settings
    from photoapp.wiring import build_service

    service = build_service(Settings.from_env())
    rng = random.Random(count)
    run = secrets.token_hex(3)  # several runs may share a database (a detached stack)
    try:
        password_hash = generate_password_hash(PASSWORD, method=CHEAP_HASH)
        users = [service.repo.create_user(f"load_{run}_{n}", password_hash) for n in range(count)]
        photo_ids = [service.upload(user.id, _photo(rng), "first photo").id for user in users]
        for user in users:
            others = [u for u in users if u.id != user.id]
            for followee in rng.sample(others, min(FOLLOWS, len(others))):
                service.repo.follow(user.id, followee.id)
    finally:
        service.repo.close()
    return {
        "password": PASSWORD,
        "usernames": [user.username for user in users],
        "photo_ids": photo_ids,
    }


def _photo(rng: random.Random) -> bytes:
    """Draw a small JPEG that differs per account."""
    image = Image.new("RGB", (320, 240), tuple(rng.randrange(256) for _ in range(3)))
    pen = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(320), rng.randrange(240)
        pen.ellipse((x, y, x + 60, y + 60), fill=tuple(rng.randrange(256) for _ in range(3)))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


if __name__ == "__main__":
    sys.exit(main())
