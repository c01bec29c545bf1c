"""Static and media files: answered by Nginx from disk, with their type and cache headers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from tests.helpers.images import make_jpeg
from tests.lab04.balancer import Reply, get, register, upload
from tests.lab04.guide import FILES
from workshop.services import Stack

CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
A_DAY = 24 * 3600


def max_age(reply: Reply) -> int:
    """The max-age of the Cache-Control header, 0 when there is none."""
    found = re.search(r"max-age=(\d+)", reply.header("Cache-Control") or "")
    return int(found.group(1)) if found else 0


def check_from_nginx(reply: Reply, path: str, expected: bytes, content_type: str) -> None:
    """Assert that Nginx answered `path` from disk with these bytes, type and nosniff."""
    assert reply.status == 200, f"expected 200 for GET {path}, got {reply.describe()} — {FILES}"
    assert reply.served_by is None, (
        f"expected Nginx to answer GET {path} from disk, but app server {reply.served_by} "
        f"did (Python read the file): add a location with alias to the folder — {FILES}"
    )
    assert reply.body == expected, f"expected GET {path} to return the file's bytes — {FILES}"
    got_type = reply.header("Content-Type") or ""
    assert got_type.startswith(content_type), (
        f"expected Content-Type {content_type} for {path}, got {got_type!r}: Nginx picks it "
        f"from the types block by extension — {FILES}"
    )
    assert reply.header("X-Content-Type-Options") == "nosniff", (
        f"expected X-Content-Type-Options: nosniff on {path}, got "
        f"{reply.header('X-Content-Type-Options')!r}: add_header in a location replaces the "
        f"server's add_header lines, so repeat it there — {FILES}"
    )


def test_static_files_are_served_by_nginx(balanced: Callable[..., Stack], impl_tree: Path) -> None:
    """GET /static/style.css comes from Nginx: CSS, nosniff and a cache lifetime."""
    stack = balanced()
    path = "/static/style.css"
    reply = get(stack.base_url, path)
    expected = (impl_tree / "photoapp" / "web" / "static" / "style.css").read_bytes()
    check_from_nginx(reply, path, expected, "text/css")
    assert max_age(reply) > 0, (
        f"expected a Cache-Control max-age on {path}, got "
        f"{reply.header('Cache-Control')!r}: `expires` sets it — {FILES}"
    )


def test_media_files_are_served_by_nginx(balanced: Callable[..., Stack]) -> None:
    """An uploaded photo and its thumbnail come from Nginx, cacheable for a long time."""
    stack = balanced()
    reply = upload(stack.base_url, register(stack.base_url), make_jpeg((320, 240)))
    assert reply.status == 201, f"expected 201 for a small upload, got {reply.describe()}"
    media = Path(stack.env["PHOTOAPP_MEDIA_DIR"])
    stored = sorted(p for p in media.rglob("*") if p.is_file() and p.suffix in CONTENT_TYPES)
    assert len(stored) >= 2, f"expected a photo and its thumbnail under {media}, got {stored}"
    for file in stored:
        path = f"/media/{file.relative_to(media).as_posix()}"
        reply = get(stack.base_url, path)
        check_from_nginx(reply, path, file.read_bytes(), CONTENT_TYPES[file.suffix])
        assert max_age(reply) >= A_DAY, (
            f"expected {path} to be cacheable for at least a day (its key is never reused), "
            f"got Cache-Control {reply.header('Cache-Control')!r} — {FILES}"
        )
