"""Lab 01, Step 3: uploads are decoded with an allow-list, re-encoded clean, and thumbnailed.

These tests run the app on the memory repository, so they grade images.py alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.api import Api
from tests.helpers.images import (
    HTML_AS_JPEG,
    SVG,
    camera_exif,
    colour_at,
    draw,
    encode,
    make_jpeg,
    make_other_format,
    make_phone_jpeg,
    make_png,
    make_webp,
    metadata_left,
    open_bytes,
    png_bomb,
    truncated_jpeg,
)
from tests.lab01.guide import IMAGES

THUMBNAIL_MAX = 320


def upload_and_fetch(api: Api, data: bytes, **upload: str) -> tuple[dict, bytes, bytes, str, str]:
    """Upload image bytes; return the photo JSON, image and thumbnail bytes and their types."""
    me = api.account("uploader")
    response = api.upload(me, data, **upload)
    assert response.status_code == 201, (
        f"expected 201 for a valid image, got {response.status_code}: "
        f"{response.get_data(as_text=True)[:200]} — {IMAGES}"
    )
    photo = response.get_json()
    image = api.get(me, f"/api/photos/{photo['id']}/image")
    thumb = api.get(me, f"/api/photos/{photo['id']}/thumbnail")
    return photo, image.data, thumb.data, image.content_type, thumb.content_type


@pytest.mark.parametrize(
    ("image_format", "data", "content_type"),
    [
        ("JPEG", make_jpeg((120, 90)), "image/jpeg"),
        ("PNG", make_png((120, 90)), "image/png"),
        ("WEBP", make_webp((120, 90)), "image/webp"),
    ],
    ids=["jpeg", "png", "webp"],
)
def test_allowed_formats_are_stored_with_the_right_type(
    image_api, image_format, data, content_type
):
    """JPEG, PNG and WebP uploads are accepted and served back in their format and type."""
    photo, image, thumb, image_type, thumb_type = upload_and_fetch(image_api, data)
    assert photo["content_type"] == content_type, (
        f"expected content_type {content_type!r} for a {image_format}, got "
        f"{photo['content_type']!r} — {IMAGES}"
    )
    served_files = (("image", image, image_type), ("thumbnail", thumb, thumb_type))
    for label, served, served_type in served_files:
        decoded = open_bytes(served)
        assert decoded.format == image_format and served_type == content_type, (
            f"expected the {label} of a {image_format} upload to be {image_format} served as "
            f"{content_type}, got {decoded.format} served as {served_type} — {IMAGES}"
        )
    assert (photo["width"], photo["height"]) == (120, 90), (
        f"expected width and height (120, 90), got {(photo['width'], photo['height'])} — {IMAGES}"
    )


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("RGBA PNG", make_png(mode="RGBA")),
        ("palette PNG", make_png(mode="P")),
        ("grayscale JPEG", encode(draw(mode="L"), "JPEG")),
        ("CMYK JPEG", encode(draw(mode="CMYK"), "JPEG")),
        ("RGBA WebP", encode(draw(mode="RGBA"), "WEBP")),
    ],
    ids=["rgba-png", "palette-png", "gray-jpeg", "cmyk-jpeg", "rgba-webp"],
)
def test_unusual_but_valid_images_are_accepted(image_api, label, data):
    """Images with transparency, a palette, gray or CMYK pixels are accepted, not a 500."""
    me = image_api.account("uploader")
    response = image_api.upload(me, data)
    assert response.status_code == 201, (
        f"expected 201 for a {label}, got {response.status_code}: JPEG cannot hold every mode, "
        f"convert to RGB before saving one — {IMAGES}"
    )


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF", "ICO", "PPM"])
def test_formats_outside_the_allow_list_are_refused(image_api, image_format):
    """Real images in formats outside the allow-list (GIF, BMP, TIFF ...) get 415."""
    me = image_api.account("uploader")
    response = image_api.upload(me, make_other_format(image_format), filename="photo.jpg")
    assert response.status_code == 415, (
        f"expected 415 for a {image_format} upload, got {response.status_code}: open with "
        f"Image.open(..., formats=ALLOWED_FORMATS) — {IMAGES}"
    )
    assert "error" in (response.get_json() or {}), f"expected a JSON error body — {IMAGES}"


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("SVG with a script", SVG),
        ("HTML pretending to be a JPEG", HTML_AS_JPEG),
        ("truncated JPEG", truncated_jpeg()),
        ("plain text", b"just some text, not a picture\n" * 10),
        ("random bytes", os.urandom(4096)),
    ],
    ids=["svg", "html-as-jpeg", "truncated-jpeg", "text", "random"],
)
def test_files_pretending_to_be_images_are_refused(image_api, label, data):
    """Files that only claim to be images get 415, whatever their name and declared type."""
    me = image_api.account("uploader")
    response = image_api.upload(me, data, filename="cat.jpg", content_type="image/jpeg")
    assert response.status_code == 415, (
        f"expected 415 for {label} named cat.jpg, got {response.status_code}: never trust the "
        f"file name or the declared type; decode the pixels and turn Pillow's errors into "
        f"InvalidImage — {IMAGES}"
    )


def test_refused_uploads_leave_nothing_behind(image_api, tmp_path):
    """After refused uploads there is no photo in the feed and no file in the media folder."""
    me = image_api.account("uploader")
    for data in (SVG, HTML_AS_JPEG, truncated_jpeg(), make_other_format("GIF")):
        image_api.upload(me, data)
    feed = image_api.feed(me)
    files = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert feed["photos"] == [] and files == [], (
        f"expected no photos and no files after refused uploads, got {len(feed['photos'])} "
        f"photos and files {files[:3]}: validate before storing anything — {IMAGES}"
    )


def test_a_decompression_bomb_is_refused_with_413(image_api):
    """A tiny PNG that decodes to 400 megapixels gets 413, not a 500 or a frozen server."""
    me = image_api.account("uploader")
    response = image_api.upload(me, png_bomb(20_000, 20_000), filename="bomb.png")
    assert response.status_code == 413, (
        f"expected 413 for a 20000x20000 PNG (a decompression bomb), got "
        f"{response.status_code}: turn Image.DecompressionBombError into ImageTooLarge — {IMAGES}"
    )


def test_images_over_max_pixels_are_refused_with_413(image_api):
    """An image of 81 megapixels (over MAX_PIXELS, under Pillow's default limit) gets 413."""
    me = image_api.account("uploader")
    response = image_api.upload(me, png_bomb(9_000, 9_000), filename="big.png")
    assert response.status_code == 413, (
        f"expected 413 for a 9000x9000 PNG (81 megapixels > MAX_PIXELS = 40 million), got "
        f"{response.status_code}: set Image.MAX_IMAGE_PIXELS = MAX_PIXELS and refuse "
        f"DecompressionBombWarning too — {IMAGES}"
    )


def test_images_between_max_pixels_and_twice_that_are_refused_with_413(image_api):
    """49 megapixels (over MAX_PIXELS, under twice it, where Pillow only warns) gets 413."""
    me = image_api.account("uploader")
    response = image_api.upload(me, png_bomb(7_000, 7_000), filename="big.png")
    assert response.status_code == 413, (
        f"expected 413 for a 7000x7000 PNG (49 megapixels > MAX_PIXELS = 40 million), got "
        f"{response.status_code}: between MAX_IMAGE_PIXELS and twice it Pillow only warns; "
        f"turn DecompressionBombWarning into an error too — {IMAGES}"
    )


BOMB_SCRIPT = """
import io, json, resource, sys
from photoapp import create_app
from photoapp.settings import Settings
from tests.helpers.images import png_bomb

def peak_kib():
    # VmHWM is this process's own peak; ru_maxrss on Linux survives exec from the parent.
    try:
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak

bomb = png_bomb(20_000, 20_000)
client = create_app(Settings(database_url="memory://", media_dir="memory://", testing=True,
                             secret_key="x")).test_client()
token = client.post("/api/register", json={"username": "ann", "password": "password1"}
                    ).get_json()["token"]
before = peak_kib()
response = client.post("/api/photos", headers={"Authorization": "Bearer " + token},
                       data={"file": (io.BytesIO(bomb), "bomb.png")},
                       content_type="multipart/form-data")
print(json.dumps({"status": response.status_code, "grew_kib": peak_kib() - before}))
"""


def test_a_decompression_bomb_does_not_eat_memory(image_api, impl_tree: Path, tmp_path: Path):
    """Refusing a 400-megapixel bomb costs less than 100 MB of memory (it is never decoded)."""
    me = image_api.account("uploader")  # first in this process: a stub fails here, clearly
    image_api.upload(me, make_jpeg())
    repo_root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(impl_tree), str(repo_root)])}
    done = subprocess.run(
        [sys.executable, "-P", "-c", BOMB_SCRIPT],  # -P: not the current folder's photoapp
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, (
        f"expected the app to answer a bomb upload, but its process crashed: "
        f"{done.stderr[-800:]} — {IMAGES}"
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 413 and result["grew_kib"] < 100 * 1024, (
        f"expected 413 with under 100 MB of memory growth, got {result['status']} with "
        f"{result['grew_kib'] // 1024} MB: check the size before decoding — {IMAGES}"
    )


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_exif_and_gps_are_gone(image_api, image_format):
    """The stored image and thumbnail carry no EXIF and no GPS position."""
    data = encode(draw((80, 60)), image_format, exif=camera_exif())
    _, image, thumb, _, _ = upload_and_fetch(image_api, data)
    for label, served in (("image", image), ("thumbnail", thumb)):
        left = [item for item in metadata_left(served) if "comment" not in item]
        assert not left, (
            f"expected no EXIF or GPS in the stored {label} of a {image_format} with GPS EXIF, "
            f"found {left}: re-encode the pixels and do not pass exif= to save() — {IMAGES}"
        )


def test_jpeg_comments_are_gone(image_api):
    """A JPEG comment (which Pillow copies by default) is not in the stored files."""
    _, image, thumb, _, _ = upload_and_fetch(image_api, make_phone_jpeg())
    for label, served in (("image", image), ("thumbnail", thumb)):
        assert "JPEG comment" not in metadata_left(served), (
            f"expected no JPEG comment in the stored {label}, found one: Pillow copies "
            f"image.info['comment'] into a saved JPEG unless you pass comment=b'' — {IMAGES}"
        )


def test_orientation_is_applied(image_api):
    """A photo whose EXIF says 'rotate 90°' is stored rotated, with width and height swapped."""
    data = make_jpeg((80, 40), exif=camera_exif(orientation=6))  # left half red, right blue
    photo, image, thumb, _, _ = upload_and_fetch(image_api, data)
    decoded = open_bytes(image)
    assert decoded.size == (40, 80) and (photo["width"], photo["height"]) == (40, 80), (
        f"expected an 80x40 photo with EXIF orientation 6 to be stored 40x80, got "
        f"{decoded.size} (JSON says {photo['width']}x{photo['height']}): apply "
        f"ImageOps.exif_transpose before re-encoding — {IMAGES}"
    )
    top, bottom = colour_at(decoded, 20, 5), colour_at(decoded, 20, 75)
    assert (top, bottom) == ("red", "blue"), (
        f"expected red on top and blue below after turning 90° clockwise, got {top} and "
        f"{bottom} — {IMAGES}"
    )
    assert open_bytes(thumb).size == (40, 80), f"expected the thumbnail rotated too — {IMAGES}"


@pytest.mark.parametrize("size", [(1200, 800), (600, 1000), (2000, 2000)])
def test_thumbnails_fit_in_320_pixels(image_api, size):
    """The thumbnail fits in 320x320 and keeps the photo's proportions."""
    _, _, thumb, _, _ = upload_and_fetch(image_api, make_jpeg(size))
    width, height = open_bytes(thumb).size
    assert max(width, height) == THUMBNAIL_MAX, (
        f"expected a {size[0]}x{size[1]} photo's thumbnail to be at most {THUMBNAIL_MAX} px "
        f"on its long side (and exactly that), got {width}x{height} — {IMAGES}"
    )
    assert abs(width / height - size[0] / size[1]) < 0.02, (
        f"expected the thumbnail to keep the {size[0]}:{size[1]} shape, got {width}x{height}: "
        f"Image.thumbnail() keeps proportions, resize() does not — {IMAGES}"
    )


def test_the_declared_name_and_type_do_not_matter(image_api):
    """A PNG uploaded as evil.jpg with type image/jpeg is stored and served as a PNG."""
    me = image_api.account("uploader")
    response = image_api.upload(
        me, make_png(), filename="../../evil.jpg", content_type="image/jpeg"
    )
    assert response.status_code == 201, f"expected 201, got {response.status_code} — {IMAGES}"
    photo = response.get_json()
    served = image_api.get(me, f"/api/photos/{photo['id']}/image")
    assert photo["content_type"] == "image/png" and served.content_type == "image/png", (
        f"expected a PNG to be typed image/png whatever its name, got {photo['content_type']} "
        f"and served as {served.content_type}: the type comes from the decoded format — {IMAGES}"
    )
