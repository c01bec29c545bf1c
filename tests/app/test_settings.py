"""Settings from PHOTOAPP_* variables, and the composition root that uses them."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_defaults_run_one_box_without_servers():
    """With no variables, the app uses SQLite in instance/ and a local media folder."""
    from photoapp.settings import Settings

    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.max_upload_bytes == 10 * 1024 * 1024
    assert settings.testing is False


def test_variables_are_parsed_to_their_types():
    """PHOTOAPP_* strings become ints and booleans; other variables are ignored."""
    from photoapp.settings import Settings

    settings = Settings.from_env({
        "PHOTOAPP_DATABASE_URL": "memory://",
        "PHOTOAPP_MAX_UPLOAD_MB": "3",
        "PHOTOAPP_TESTING": "yes",
        "PHOTOAPP_INSTANCE_NAME": "app-2",
        "DATABASE_URL": "ignored",
    })
    assert (settings.database_url, settings.max_upload_mb, settings.testing,
            settings.instance_name) == ("memory://", 3, True, "app-2")
    assert settings.max_upload_bytes == 3 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "value"), [("PHOTOAPP_MAX_UPLOAD_MB", "ten"), ("PHOTOAPP_TESTING", "maybe")]
)
def test_bad_values_name_the_variable(name, value):
    """A value of the wrong type raises SettingsError naming the variable."""
    from photoapp.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_with_overrides_copies():
    """with_overrides returns a changed copy and leaves the original alone."""
    from photoapp.settings import Settings

    base = Settings(database_url="memory://")
    changed = base.with_overrides(max_upload_mb=1)
    assert (base.max_upload_mb, changed.max_upload_mb) == (10, 1)


def test_media_path_is_absolute(tmp_path, monkeypatch):
    """A relative media folder is resolved to an absolute path."""
    from photoapp.settings import Settings

    monkeypatch.chdir(tmp_path)
    path = Settings(media_dir="instance/media").media_path()
    assert path.is_absolute() and path == Path(tmp_path, "instance", "media").resolve()


def test_an_unknown_database_url_is_a_clear_error(make_app):
    """A database URL of an unknown kind stops create_app with SettingsError."""
    from photoapp.settings import SettingsError

    with pytest.raises(SettingsError, match="PHOTOAPP_DATABASE_URL"):
        make_app(database_url="mysql://localhost/photos")


def test_the_upload_limit_follows_the_setting(make_app):
    """max_upload_mb sets the request body limit: 2 MB refuses a 3 MB upload with 413."""
    from tests.helpers.api import Api

    api = Api(make_app(max_upload_mb=2).test_client())
    ann = api.account("ann")
    assert api.upload(ann, b"\0" * (3 * 1024 * 1024)).status_code == 413


def test_testing_turns_csrf_off_and_production_on(make_app):
    """Testing apps skip CSRF; others enforce it."""
    assert make_app(testing=True).config["WTF_CSRF_ENABLED"] is False
    assert make_app(testing=False).config["WTF_CSRF_ENABLED"] is True
