"""Lab 01: turn untrusted upload bytes into a safe, re-encoded image and a thumbnail."""

from __future__ import annotations

import io
import struct
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from photoapp.errors import ImageTooLarge, InvalidImage
from photoapp.models import ProcessedImage

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000  # 40 megapixels: bigger than any phone photo, far below a bomb
THUMBNAIL_SIZE = (320, 320)
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb check uses this limit
# Each allowed format is re-encoded to itself; what we save is what we declare.
OUTPUT = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


def process_upload(data: bytes) -> ProcessedImage:
    """Validate upload bytes and return the re-encoded image, its thumbnail and metadata."""
    image = open_image(data)
    image_format = str(image.format)
    image = _upright(image)
    content_type, extension = OUTPUT[image_format]
    full = _encode(image, image_format)
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    return ProcessedImage(
        image=full,
        thumbnail=_encode(thumb, image_format),
        content_type=content_type,
        extension=extension,
        width=image.width,
        height=image.height,
    )


def open_image(data: bytes) -> Image.Image:
    """Open bytes with Pillow restricted to the allow-list; reject bombs and fakes."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; we refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _decode(data)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"image has too many pixels: {exc}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage("not a JPEG, PNG or WebP image") from exc


def _decode(data: bytes) -> Image.Image:
    """Verify the file's structure, then decode a fresh copy of it."""
    with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
        probe.verify()  # checks structure without decoding all the pixels
    image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    image.load()  # decode now, so a truncated file fails here and not later
    return image


def _upright(image: Image.Image) -> Image.Image:
    """Turn the pixels as the camera's EXIF Orientation says; unreadable EXIF turns nothing."""
    try:
        return ImageOps.exif_transpose(image)
    except (SyntaxError, TypeError, ValueError, OSError, struct.error):
        return image  # a broken EXIF block is no reason to refuse the photo: it is dropped


def _encode(image: Image.Image, image_format: str) -> bytes:
    """Re-encode pixels only: no EXIF, GPS, XMP or comment is copied; the colour profile is."""
    icc_profile = image.info.get("icc_profile")  # colours, not secrets: keep it
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
        icc_profile = None  # it described the old colour space (CMYK, say)
    out = io.BytesIO()
    # Pillow copies a JPEG's comment into the new file unless told otherwise: comment=b"".
    image.save(out, format=image_format, quality=85, comment=b"", icc_profile=icc_profile)
    return out.getvalue()
