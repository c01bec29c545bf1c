"""The upload limit: Nginx refuses oversized bodies itself and lets photos under it through."""

from __future__ import annotations

import io
import os
from collections.abc import Callable

from PIL import Image

from tests.lab04.balancer import register, upload
from tests.lab04.guide import BODY_LIMIT
from workshop.services import Stack

DEFAULT_LIMIT_MB = 10  # the app's PHOTOAPP_MAX_UPLOAD_MB when the stack sets none
MIB = 1024 * 1024
NGINX_DEFAULT_MB = 1  # what client_max_body_size is when a config does not say


def noisy_jpeg(min_bytes: int) -> bytes:
    """Return a valid JPEG of at least `min_bytes`: random pixels barely compress."""
    width = 1000
    while True:
        height = width * 3 // 4
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=95)
        if out.tell() >= min_bytes:
            return out.getvalue()
        width += 400


def limit_mb(stack: Stack) -> int:
    """The upload limit the app servers of this stack run with, in MiB."""
    return int(stack.env.get("PHOTOAPP_MAX_UPLOAD_MB", DEFAULT_LIMIT_MB))


def test_upload_over_the_limit_gets_413_from_nginx(balanced: Callable[..., Stack]) -> None:
    """A body over the upload limit gets 413 from Nginx, without reaching an app server."""
    stack = balanced()
    auth = register(stack.base_url)
    size = (limit_mb(stack) + 1) * MIB
    reply = upload(stack.base_url, auth, b"\xff" * size)
    assert reply.status == 413, (
        f"expected 413 for a {size // MIB} MiB upload (limit {limit_mb(stack)} MiB), got "
        f"{reply.describe()} — {BODY_LIMIT}"
    )
    assert reply.served_by is None, (
        f"expected Nginx itself to refuse the {size // MIB} MiB body, but app server "
        f"{reply.served_by} answered 413 after receiving it all: set client_max_body_size "
        f"from max_body_size — {BODY_LIMIT}"
    )


def test_upload_under_the_limit_goes_through(balanced: Callable[..., Stack]) -> None:
    """A photo of a few MB, over Nginx's 1 MB default but under the app's limit, is stored."""
    stack = balanced()
    auth = register(stack.base_url)
    photo = noisy_jpeg(min_bytes=(NGINX_DEFAULT_MB + 2) * MIB)
    reply = upload(stack.base_url, auth, photo)
    assert reply.status == 201, (
        f"expected 201 for a {len(photo) / MIB:.1f} MiB photo (limit {limit_mb(stack)} MiB), "
        f"got {reply.describe()}: Nginx refuses bodies over 1 MB unless client_max_body_size "
        f"says otherwise — {BODY_LIMIT}"
    )
