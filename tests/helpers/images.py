"""Image factories for tests: real files drawn by Pillow, files that lie, and bombs.

Everything here is test-side code: it never imports the app, so it works against any tree.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib

from PIL import ExifTags, Image, ImageDraw

SECRET_MAKE = "SpyCam-9000"  # a camera maker that must not survive an upload
SECRET_COMMENT = b"home address: 1 Secret Lane"
GPS_PARIS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (48.0, 51.0, 30.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (2.0, 17.0, 40.0),
}


def draw(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """Return a picture whose left half is red and right half blue (orientation shows)."""
    image = Image.new("RGB", size, "blue")
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2 - 1, size[1]), fill="red")
    return image if mode == "RGB" else image.convert(mode)


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    """Save an image to bytes in a format, with Pillow save options."""
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


def make_jpeg(size: tuple[int, int] = (64, 48), **options: object) -> bytes:
    """Return a plain JPEG."""
    return encode(draw(size), "JPEG", **options)


def make_png(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    """Return a plain PNG (mode RGBA gives it transparency)."""
    return encode(draw(size, mode), "PNG")


def make_webp(size: tuple[int, int] = (64, 48)) -> bytes:
    """Return a plain WebP."""
    return encode(draw(size), "WEBP")


def camera_exif(orientation: int = 1, gps: bool = True) -> Image.Exif:
    """Return EXIF as a phone writes it: maker, orientation and (by default) GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = SECRET_MAKE
    exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.IFD.GPSInfo] = GPS_PARIS
    return exif


def make_phone_jpeg(size: tuple[int, int] = (64, 48), orientation: int = 1) -> bytes:
    """Return a JPEG with a camera maker, an orientation, a GPS position and a comment."""
    return make_jpeg(size, exif=camera_exif(orientation), comment=SECRET_COMMENT)


def make_other_format(image_format: str) -> bytes:
    """Return a real image in a format the app must refuse (GIF, BMP, TIFF, ICO ...)."""
    return encode(draw(), image_format)


SVG = (
    b'<?xml version="1.0"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert("xss")</script><rect width="10" height="10"/></svg>'
)
HTML_AS_JPEG = b"\xff\xd8\xff\xe0<html><script>alert(document.cookie)</script></html>"


def truncated_jpeg() -> bytes:
    """Return the first half of a JPEG: the header is fine, the pixels are missing."""
    data = make_jpeg((256, 256))
    return data[: len(data) // 2]


@functools.cache
def png_bomb(width: int, height: int) -> bytes:
    """Return a valid grayscale PNG of width x height black pixels, built row by row.

    The file is tiny (zeros compress ~1000:1) but decoding it needs width * height bytes.
    It is written without Pillow so that making it costs no memory either.
    """
    compressor = zlib.compressobj(6)  # as small as level 9 for zeros, and faster
    row = b"\x00" * (width + 1)  # filter byte + one byte per pixel
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grayscale
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(
        b"IEND", b""
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    """Return one PNG chunk: length, type, body, CRC."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def open_bytes(data: bytes) -> Image.Image:
    """Open image bytes with Pillow, fully decoded."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def metadata_left(data: bytes) -> list[str]:
    """Name the private metadata still present in image bytes; empty means clean."""
    found = []
    image = open_bytes(data)
    exif = image.getexif()
    if exif.get_ifd(ExifTags.IFD.GPSInfo) or ExifTags.IFD.GPSInfo in exif:
        found.append("GPS position")
    if exif:
        found.append(f"EXIF tags {sorted(exif)}")
    if SECRET_MAKE.encode() in data:
        found.append(f"camera maker {SECRET_MAKE!r} in the bytes")
    if SECRET_COMMENT in data:
        found.append("JPEG comment")
    return found


def colour_at(image: Image.Image, x: int, y: int) -> str:
    """Return 'red', 'blue' or 'other' for the pixel at (x, y)."""
    r, g, b = image.convert("RGB").getpixel((x, y))[:3]
    if r > 180 and b < 80:
        return "red"
    if b > 180 and r < 80:
        return "blue"
    return "other"
