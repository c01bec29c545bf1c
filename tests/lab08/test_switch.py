"""Lab 08, Step 4: the switch: new rows get snowflake ids, old rows keep theirs, feeds go on."""

from __future__ import annotations

from typing import Any

from tests.helpers.api import Api
from tests.helpers.images import make_jpeg
from tests.lab08.conftest import SHARD, split, sqlite_settings
from tests.lab08.guide import SWITCH

SMALL = 1 << 32  # ids below this come from the database's counter


def _old_world(api: Api) -> tuple[Any, Any, list[int]]:
    """Two users, bob followed by ann, and three photos: all with small ids."""
    ann, bob = api.account("ann"), api.account("bob")
    assert api.follow(ann, "bob").status_code == 200
    old = [api.photo_id(who, make_jpeg()) for who in (ann, bob, ann)]
    assert max(old + [ann.id, bob.id]) < SMALL, "the counter gave the old rows small ids"
    return ann, bob, old


def _check_new_world(api: Api, ann: Any, bob: Any, old: list[int], shard: int) -> None:
    """New users and photos are snowflakes; the feed and its cursor cross the boundary."""
    cat = api.account("cat")
    new = [api.photo_id(who, make_jpeg()) for who in (bob, ann, cat)]
    assert cat.id >= SMALL and split(cat.id)[1] == shard, (
        f"expected the new user to get a snowflake id of shard {shard}, got {cat.id} — {SWITCH}"
    )
    assert all(value >= SMALL and split(value)[1] == shard for value in new), (
        f"expected new photos to get snowflake ids of shard {shard}, got {new} — {SWITCH}"
    )
    assert min(new) > max(old), f"expected snowflakes to sort after every old id — {SWITCH}"
    mine = sorted(old + new[:2], reverse=True)  # ann sees hers and bob's, not cat's
    pages = api.whole_feed(ann, limit=2)
    assert [i for page in pages for i in page] == mine, (
        f"expected ann's feed newest first across the switch, {mine}, got {pages} — {SWITCH}"
    )
    body = api.feed(ann, limit=2)
    for photo in body["photos"]:
        assert photo["id_str"] == str(photo["id"]), (
            f"expected id_str {str(photo['id'])!r} beside id, got {photo.get('id_str')!r}"
            f" — {SWITCH} (the 2^53 bug)"
        )
    assert body["next_str"] == str(body["next"]), f"expected next_str beside next — {SWITCH}"
    for value in (old[0], new[0]):
        assert api.get(ann, f"/api/photos/{value}").status_code == 200, (
            f"expected photo {value} to open by its id after the switch — {SWITCH}"
        )


def test_the_app_on_sqlite_switches_to_snowflakes(tmp_path):
    """SQLite: PHOTOAPP_IDS=snowflake gives new rows Python-made ids; old rows keep theirs."""
    from photoapp import create_app

    path = tmp_path / "photoapp.db"
    before = Api(create_app(sqlite_settings(path)).test_client())
    ann, bob, old = _old_world(before)
    after = Api(create_app(sqlite_settings(path, ids="snowflake", id_shard=42)).test_client())
    _check_new_world(after, ann, bob, old, shard=42)


def test_the_app_on_postgres_switches_to_next_id(make_pg_app, postgres_url):
    """PostgreSQL: the switch makes next_id() the default; twice is the same as once."""
    from photoapp.backends.ids_postgres import switch_to_snowflake_ids

    api = Api(make_pg_app().test_client())
    ann, bob, old = _old_world(api)
    switch_to_snowflake_ids(postgres_url, SHARD)
    report = switch_to_snowflake_ids(postgres_url, SHARD)
    assert (report.small_users, report.small_photos) == (2, 3), (
        f"expected the switch to keep 2 users and 3 photos with small ids, got {report}"
        f" — {SWITCH}"
    )
    _check_new_world(api, ann, bob, old, shard=SHARD)

