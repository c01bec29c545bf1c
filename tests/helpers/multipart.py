"""A multipart body for POST /api/photos, for tests that speak HTTP to a real server."""

from __future__ import annotations

import secrets


def upload_form(image: bytes, caption: str = "a test photo") -> tuple[bytes, str]:
    """Encode POST /api/photos's multipart body (file and caption) and its Content-Type."""
    boundary = "photoapp-" + secrets.token_hex(8)
    head = f"--{boundary}\r\nContent-Disposition: form-data; name"
    body = (
        f'{head}="caption"\r\n\r\n{caption}\r\n'
        f'{head}="file"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    ).encode()
    body += image + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"
