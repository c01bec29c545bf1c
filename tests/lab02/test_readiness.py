"""/healthz says the process is alive; /readyz says its database and media store answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.lab02.guide import READINESS
from tests.lab02.serving import fetch, wait_for
from workshop.services import Stack

RECOVERY_SECONDS = 10


def test_readyz_follows_the_database(gunicorn: Callable[..., Stack], tmp_path: Path) -> None:
    """/readyz is 503 naming the database while it is unreachable, 200 again when it returns."""
    folder = tmp_path / "db"
    folder.mkdir()
    # One worker: when it answers, it has opened the database; a second one still booting
    # would create the file anew while the test has moved it away.
    url = f"sqlite:///{folder / 'photoapp.db'}"
    server = gunicorn(workers="1", database_url=url).app_servers[0]
    ready = fetch(server, "GET", "/readyz")
    assert ready.status == 200, (
        f"expected 200 from /readyz with the database in place, got {ready.status}: "
        f"{ready.text[:300]} — {READINESS}"
    )
    folder.rename(tmp_path / "db-away")  # the file is gone from where the app looks for it
    down = fetch(server, "GET", "/readyz")
    assert down.status == 503, (
        f"expected 503 from /readyz while the database is unreachable, got {down.status}: "
        f"{down.text[:300]} — {READINESS}"
    )
    checks = (down.body or {}).get("checks", {})
    assert checks.get("database", "ok") != "ok" and checks.get("media") == "ok", (
        f"expected the 503 body to say the database failed and the media store is ok, "
        f"got {down.text[:300]} — {READINESS}"
    )
    alive = fetch(server, "GET", "/healthz")
    assert alive.status == 200, (
        f"expected /healthz to stay 200 while the database is away (the process is fine), "
        f"got {alive.status} — {READINESS}"
    )
    (tmp_path / "db-away").rename(folder)
    back = wait_for(lambda: fetch(server, "GET", "/readyz").status == 200, RECOVERY_SECONDS)
    assert back, (
        f"expected /readyz to return to 200 within {RECOVERY_SECONDS} s of the database coming "
        f"back, without a restart — {READINESS}"
    )


def test_readyz_follows_the_media_store(gunicorn: Callable[..., Stack], tmp_path: Path) -> None:
    """/readyz is 503 naming the media store while it cannot be written, 200 when it can."""
    media = tmp_path / "media"
    server = gunicorn(workers="1", media_dir=str(media)).app_servers[0]
    assert fetch(server, "GET", "/readyz").status == 200, (
        f"expected 200 from /readyz with a writable media folder — {READINESS}"
    )
    media.rename(tmp_path / "media-away")
    media.write_text("a file where the media folder should be")
    down = fetch(server, "GET", "/readyz")
    checks = (down.body or {}).get("checks", {})
    assert down.status == 503 and checks.get("media", "ok") != "ok", (
        f"expected 503 naming the media store while it cannot be written, got {down.status}: "
        f"{down.text[:300]} — {READINESS}"
    )
    media.unlink()
    (tmp_path / "media-away").rename(media)
    back = wait_for(lambda: fetch(server, "GET", "/readyz").status == 200, RECOVERY_SECONDS)
    assert back, f"expected /readyz back to 200 once the media folder returned — {READINESS}"
