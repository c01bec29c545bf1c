"""Settings checked at start: a bad value stops Gunicorn with one clear line and exit status 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lab02.guide import SETTINGS
from tests.lab02.serving import raise_if_stub, run_gunicorn_briefly
from workshop.services.ports import free_port

# (variable, bad value); None means "not set at all".
BAD_VALUES = [
    ("PHOTOAPP_SECRET_KEY", None),
    ("PHOTOAPP_SECRET_KEY", "short"),
    ("PHOTOAPP_DATABASE_URL", "memory://"),
    ("PHOTOAPP_DATABASE_URL", "mysql://localhost/photos"),
    ("PHOTOAPP_WORKERS", "many"),
    ("PHOTOAPP_WORKERS", "-2"),
    ("PHOTOAPP_THREADS", "0"),
    ("PHOTOAPP_MAX_UPLOAD_MB", "0"),
    ("PHOTOAPP_BIND", "not-an-address"),
]


@pytest.mark.parametrize(("variable", "value"), BAD_VALUES)
def test_bad_setting_stops_the_start_with_one_clear_line(
    impl_tree: Path, good_settings: dict[str, str], variable: str, value: str | None
) -> None:
    """A bad or missing PHOTOAPP_* value stops Gunicorn with a line naming it, no traceback."""
    env = {**good_settings, "PHOTOAPP_BIND": f"127.0.0.1:{free_port()}"}
    if value is None:
        del env[variable]
    else:
        env[variable] = value
    finished = run_gunicorn_briefly(impl_tree, env)
    raise_if_stub(finished.output)
    shown = f"{variable}={value!r}" if value is not None else f"{variable} unset"
    assert finished.returncode not in (None, 0), (
        f"expected Gunicorn to stop with a non-zero exit status for {shown}, but it "
        f"{'kept running' if finished.returncode is None else 'exited with 0'} — {SETTINGS}"
    )
    assert "Traceback" not in finished.output, (
        f"expected one clear line for {shown}, got a traceback:\n{finished.output[-1500:]}\n"
        f"— {SETTINGS}"
    )
    lines = [line for line in finished.output.splitlines() if variable in line]
    assert len(lines) == 1, (
        f"expected exactly one line naming {variable} for {shown}, got {len(lines)} in:\n"
        f"{finished.output[-1500:]}\n— {SETTINGS}"
    )


@pytest.mark.parametrize(
    "url", ["postgresql://app@127.0.0.1:5432/photoapp", "postgres://app@127.0.0.1:5432/photoapp"]
)
def test_a_postgresql_url_in_either_spelling_can_serve(
    good_settings: dict[str, str], url: str
) -> None:
    """Lab 03 points every server at PostgreSQL: postgresql:// and the older postgres://."""
    from photoapp.settings_check import load_settings

    settings = load_settings({**good_settings, "PHOTOAPP_DATABASE_URL": url})
    assert settings.database_url == url, f"expected {url} to be kept — {SETTINGS}"
