"""Settings from PHOTOAPP_* variables, and the composition root that uses them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def test_an_unknown_variable_is_refused_naming_it():
    """A mistyped PHOTOAPP_* variable stops the start with one line naming it and a guess."""
    from photoapp.settings import Settings, SettingsError

    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"PHOTOAPP_REDIS_ULR": "redis://127.0.0.1:6379/0"})
    message = str(caught.value)
    assert message.startswith("unknown variable PHOTOAPP_REDIS_ULR")
    assert "did you mean PHOTOAPP_REDIS_URL?" in message and "\n" not in message
    with pytest.raises(SettingsError, match="unknown variables PHOTOAPP_A, PHOTOAPP_B"):
        Settings.from_env({"PHOTOAPP_B": "1", "PHOTOAPP_A": "1"})


def test_the_harness_and_later_labs_variables_are_not_refused():
    """PHOTOAPP_IMPL and PHOTOAPP_TEST_* (the tests') and later labs' settings pass."""
    from photoapp.settings import Settings

    settings = Settings.from_env({
        "PHOTOAPP_IMPL": "/tmp/tree",
        "PHOTOAPP_TEST_REDIS_URL": "redis://127.0.0.1:6379/15",
        "PHOTOAPP_DATABASE_URLS": "postgresql://a/b,postgresql://c/d",
        "PHOTOAPP_S3_URL": "http://127.0.0.1:9000",
        "PHOTOAPP_DATABASE_URL": "memory://",
    })
    assert settings.database_url == "memory://"


def test_cache_settings_default_to_no_cache():
    """Without PHOTOAPP_REDIS_URL there is no cache; the TTLs are whole seconds."""
    from photoapp.settings import Settings, SettingsError

    settings = Settings.from_env({"PHOTOAPP_CACHE_TTL": "60"})
    assert (settings.redis_url, settings.memcached_url, settings.cache_ttl) == ("", "", 60)
    assert settings.feed_cache_ttl == 30
    with pytest.raises(SettingsError, match="PHOTOAPP_FEED_CACHE_TTL"):
        Settings.from_env({"PHOTOAPP_FEED_CACHE_TTL": "soon"})


def test_every_stack_setting_is_a_setting():
    """Every PHOTOAPP_* variable the workshop's stacks pass to app servers is accepted."""
    import re

    from photoapp.settings import LATER_LABS, setting_names

    stack = Path(__file__).resolve().parents[2] / "workshop" / "services" / "stack.py"
    passed = set(re.findall(r"PHOTOAPP_[A-Z0-9_]+", stack.read_text())) - {"PHOTOAPP_"}
    assert passed <= set(setting_names()) | LATER_LABS, passed - set(setting_names())


def test_a_cache_url_wraps_the_repository(make_app, monkeypatch):
    """With a Redis URL, wiring wraps the repository it built in CachedRepository, TTLs given."""
    from photoapp.backends import repository_cached
    from photoapp.backends.repository_memory import MemoryRepository

    wrapped: dict[str, Any] = {}

    class Recorder:
        def __init__(self, repository: Any, cache: Any, ttl: int, feed_ttl: int) -> None:
            wrapped.update(repository=repository, cache=cache, ttl=ttl, feed_ttl=feed_ttl)

    monkeypatch.setattr(repository_cached, "CachedRepository", Recorder)
    app = make_app(memcached_url="memcache://127.0.0.1:1", cache_ttl=42, feed_cache_ttl=7)
    assert isinstance(app.extensions["photoapp"].repo, Recorder)
    assert isinstance(wrapped["repository"], MemoryRepository)
    assert type(wrapped["cache"]).__name__ == "MemcachedCache"
    assert (wrapped["ttl"], wrapped["feed_ttl"]) == (42, 7)
    assert not isinstance(make_app().extensions["photoapp"].repo, Recorder)
