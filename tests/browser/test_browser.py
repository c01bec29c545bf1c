"""A real browser (headless Chromium driven by Playwright) clicks through the app."""

from __future__ import annotations

import gc
import io
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium keeps dialling Google's hosts, which this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def live_url(tmp_path: Path) -> Iterator[str]:
    """Serve the app under test on SQLite in a thread; yield its URL."""
    from photoapp import create_app
    from photoapp.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'browser.db'}",
        media_dir=str(tmp_path / "media"),
        secret_key="browser-test-secret",
        instance_name="browser-test",
    )
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def page() -> Iterator[Page]:
    """A fresh headless Chromium page."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: sudo apt-get install chromium (make install does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()
    # Playwright's driver pipes can outlive its event loop and be freed by a later garbage
    # collection, inside some unrelated test; free them here, where they belong.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def sunset_jpeg(path: Path) -> Path:
    """Draw a small, non-blank photo and save it as a JPEG."""
    image = Image.new("RGB", (640, 480), "#1d3557")
    draw = ImageDraw.Draw(image)
    for y in range(0, 480, 8):
        draw.rectangle([0, y, 640, y + 8], fill=(230, 57 + y // 4, 70))
    draw.ellipse([240, 160, 400, 320], fill="#ffd166")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_register_upload_see_thumbnail_and_like(live_url: str, page: Page, tmp_path: Path) -> None:
    """Register, upload a photo, see its thumbnail in the feed and like it."""
    page.goto(f"{live_url}/register")
    page.fill("input[name=username]", "browser_user")
    page.fill("input[name=password]", "a-long-password")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Your feed")

    page.click("text=Upload")
    page.set_input_files("input[name=file]", str(sunset_jpeg(tmp_path / "sunset.jpg")))
    page.fill("input[name=caption]", "Sunset from the browser")
    page.click("form.panel button[type=submit]")
    expect(page.locator("p.caption")).to_have_text("Sunset from the browser")

    page.click("text=Feed")
    thumbnail = page.locator("article.card img.thumb").first
    expect(thumbnail).to_be_visible()
    natural_width = thumbnail.evaluate("img => img.complete ? img.naturalWidth : 0")
    assert 0 < natural_width <= 320, f"expected a thumbnail ≤ 320 px wide, got {natural_width}"

    page.click("article.card button.like")
    expect(page.locator("article.card .like-count").first).to_have_text("1 like")
    expect(page.locator("article.card button.like").first).to_have_text("♥ Liked")
    page.screenshot(path=str(tmp_path / "feed.png"), full_page=True)
