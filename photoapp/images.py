"""Lab 01: turn untrusted upload bytes into a safe, re-encoded image and a thumbnail.

Your task is in labs/01-single-box/README.md, section "Step 3: safe image processing".
"""

from __future__ import annotations

from photoapp.models import ProcessedImage

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000
THUMBNAIL_SIZE = (320, 320)


def process_upload(data: bytes) -> ProcessedImage:
    """Validate upload bytes and return the re-encoded image, its thumbnail and metadata."""
    raise NotImplementedError(
        "Lab 01: write process_upload() in photoapp/images.py (see labs/01-single-box/README.md)"
    )
