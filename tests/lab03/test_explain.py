"""Lab 03, Step 4: on a table large enough to matter, the feed and profile queries use indexes.

The test fills the database with about 51,000 photos, runs your repository's feed, records the
SQL it sent (by watching psycopg's Cursor.execute), and asks PostgreSQL to EXPLAIN exactly that
SQL with exactly those parameters.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.lab03.conftest import indexes_starting_with
from tests.lab03.guide import EXPLAIN, SCHEMA

FOLLOWED = 20  # the viewer follows 20 people ...
OLD_PHOTOS_EACH = 100  # ... who posted long ago,
OTHERS_PHOTOS_EACH = 50  # while 979 strangers posted ~49,000 photos since.
USERS = 1000

ADD_PHOTOS = """
    INSERT INTO photos (user_id, caption, image_key, thumbnail_key, content_type, width, height)
    SELECT u.id, 'generated', 'photos/gen-' || u.id || '-' || g || '.jpg',
           'thumbs/gen-' || u.id || '-' || g || '.jpg', 'image/jpeg', 640, 480
    FROM generate_series(1, %(each)s) AS g CROSS JOIN users AS u
    WHERE (u.username = ANY(%(names)s)) = %(among)s  -- among: the circle, or everyone else
    ORDER BY g, u.id
"""


@pytest.fixture
def big_world(repo, db) -> dict[str, Any]:
    """1,000 users and ~51,000 photos; the viewer follows 20 people whose photos are old."""
    repo.ping()  # the repository creates the schema
    db.execute(
        "INSERT INTO users (username, password_hash)"
        " SELECT 'user' || g, 'not-a-real-hash' FROM generate_series(1, %s) AS g",
        (USERS,),
    )
    viewer = repo.get_user_by_username("user1")
    followed = [repo.get_user_by_username(f"user{n}") for n in range(2, FOLLOWED + 2)]
    for user in followed:
        repo.follow(viewer.id, user.id)
    circle = ["user1"] + [user.username for user in followed]
    # Oldest first: the viewer's circle, then everyone else; ids grow in that order.
    db.execute(ADD_PHOTOS, {"each": OLD_PHOTOS_EACH, "names": circle, "among": True})
    db.execute(ADD_PHOTOS, {"each": OTHERS_PHOTOS_EACH, "names": circle, "among": False})
    db.execute("ANALYZE")
    return {"viewer": viewer, "circle": {viewer.id} | {user.id for user in followed}}


@pytest.fixture
def sent_sql(monkeypatch) -> list[tuple[Any, Any]]:
    """Record every (query, params) that goes through psycopg's Cursor.execute."""
    sent: list[tuple[Any, Any]] = []
    original = psycopg.Cursor.execute

    def recording(self, query, params=None, **kwargs):  # type: ignore[no-untyped-def]
        sent.append((query, params))
        return original(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", recording)
    return sent


def plans_of(db: psycopg.Connection, sent: list[tuple[Any, Any]]) -> list[dict[str, Any]]:
    """EXPLAIN every recorded query that reads photos; return their JSON plans."""
    plans = []
    for query, params in list(sent):  # EXPLAIN itself goes through execute() and is recorded
        text = query.as_string(db) if isinstance(query, sql.Composable) else query
        text = text.decode() if isinstance(text, bytes) else str(text)
        if "photos" not in text.lower() or not text.lstrip().lower().startswith(("select", "with")):
            continue
        row = db.execute("EXPLAIN (FORMAT JSON) " + text, params).fetchone()
        assert row is not None
        plans.append(row[0][0]["Plan"])
    return plans


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a plan node and all the nodes below it."""
    found = [plan]
    for child in plan.get("Plans", []):
        found.extend(nodes(child))
    return found


def describe(plans: list[dict[str, Any]]) -> str:
    """Summarise plans as 'Node Type on table using index' lines, for failure messages."""
    lines = []
    for plan in plans:
        for node in nodes(plan):
            if "Relation Name" in node or "Index Name" in node:
                where = f" on {node['Relation Name']}" if "Relation Name" in node else ""
                using = f" using {node['Index Name']}" if "Index Name" in node else ""
                backward = " Backward" if node.get("Scan Direction") == "Backward" else ""
                lines.append(f"{node['Node Type']}{backward}{where}{using}")
    return "; ".join(lines) or "(no query reading photos was sent)"


def assert_uses_an_index(plans: list[dict[str, Any]], wanted: set[str], what: str) -> None:
    """Fail unless some plan reads photos through one of `wanted`, and none scans it whole."""
    used = {node.get("Index Name") for plan in plans for node in nodes(plan)}
    whole = [node for plan in plans for node in nodes(plan)
             if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "photos"]
    assert plans, f"expected {what} to send a SELECT that reads photos, none was seen — {EXPLAIN}"
    assert used & wanted and not whole, (
        f"expected {what} to read photos through an index on photos (user_id, id DESC) "
        f"({', '.join(sorted(wanted)) or 'none exists'}), but the plan is: {describe(plans)} "
        f"— {EXPLAIN}"
    )


@pytest.mark.timeout(180)
def test_feed_query_uses_the_user_id_index(repo, db, big_world, sent_sql):
    """EXPLAIN of the feed query on ~51,000 photos reads them through photos (user_id, id)."""
    wanted = indexes_starting_with(db, "photos", "user_id")
    assert wanted, (
        f"expected an index on photos whose first column is user_id, found none — {SCHEMA}"
    )
    sent_sql.clear()
    page = repo.feed(big_world["viewer"].id, None, 20)
    authors = {photo.user_id for photo in page.photos}
    assert len(page.photos) == 20 and authors <= big_world["circle"], (
        f"expected 20 photos by the viewer and the people they follow, got {len(page.photos)} "
        f"by user ids {sorted(authors)} — {EXPLAIN}"
    )
    assert_uses_an_index(plans_of(db, sent_sql), wanted, "the feed query")


@pytest.mark.timeout(180)
def test_profile_query_uses_the_user_id_index(repo, db, big_world, sent_sql):
    """EXPLAIN of one user's photos (the profile page) reads them through an index on user_id."""
    wanted = indexes_starting_with(db, "photos", "user_id")
    stranger = repo.get_user_by_username(f"user{USERS}")
    sent_sql.clear()
    page = repo.user_photos(stranger.id, None, 20)
    assert [photo.user_id for photo in page.photos] == [stranger.id] * 20, (
        f"expected 20 photos of {stranger.username}, got {len(page.photos)} — {EXPLAIN}"
    )
    assert_uses_an_index(plans_of(db, sent_sql), wanted, "the profile page's query")
