"""Lab 01: turn untrusted upload bytes into a safe, re-encoded image and a thumbnail.

Your task is in labs/01-single-box/README.md, section "Step 3: safe image processing".

What process_upload must do, in order:
1. Open the bytes with Pillow restricted to ALLOWED_FORMATS (Image.open(..., formats=...)),
   verify() one copy and load() a fresh one. Anything Pillow cannot read that way raises
   InvalidImage (415). Never trust the file name or the declared content type.
2. Refuse more than MAX_PIXELS pixels with ImageTooLarge (413): set Image.MAX_IMAGE_PIXELS and
   turn both Image.DecompressionBombError and Image.DecompressionBombWarning into ImageTooLarge.
3. Apply the EXIF orientation (ImageOps.exif_transpose), then re-encode the pixels in the same
   format without exif= and with comment=b"", so no EXIF, GPS or comment survives.
4. Make a thumbnail that fits in THUMBNAIL_SIZE (Image.thumbnail keeps the proportions).
5. Return a ProcessedImage: both encodings, the content type, the file extension
   ("jpg", "png" or "webp") and the size of the (rotated) full image.
"""

from __future__ import annotations

from photoapp.errors import ImageTooLarge, InvalidImage  # noqa: F401 - the errors you raise
from photoapp.models import ProcessedImage

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000  # 40 megapixels: bigger than any phone photo, far below a bomb
THUMBNAIL_SIZE = (320, 320)
OUTPUT = {  # each allowed format is re-encoded to itself: (content type, file extension)
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


def process_upload(data: bytes) -> ProcessedImage:
    """Validate upload bytes and return the re-encoded image, its thumbnail and metadata."""
    raise NotImplementedError(
        "Lab 01: write process_upload() in photoapp/images.py (see labs/01-single-box/README.md)"
    )
