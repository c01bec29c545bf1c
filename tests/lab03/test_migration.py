"""Lab 03, Step 5: a lab 01 SQLite database moves to PostgreSQL with every id, and only once.

The SQLite database is written by the reference lab 01 repository through its port (see
seed_sqlite.py), so these tests depend on your lab 03 files only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.lab03.conftest import count
from tests.lab03.guide import MIGRATION

SEED_SCRIPT = Path(__file__).with_name("seed_sqlite.py")
MODULE = "photoapp.migrate_sqlite_to_postgres"
TABLES = ("users", "photos", "follows", "likes")
ORDERED = {
    "users": "SELECT * FROM users ORDER BY id",
    "photos": "SELECT * FROM photos ORDER BY id",
    "follows": "SELECT * FROM follows ORDER BY follower_id, followee_id",
    "likes": "SELECT * FROM likes ORDER BY user_id, photo_id",
}


@pytest.fixture(scope="session")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, impl_tree: Path
) -> tuple[Path, dict[str, Any]]:
    """A lab 01 SQLite database made by the reference SqliteRepository, and what it holds."""
    from workshop.manifest import repo_root
    from workshop.trees import SOLUTIONS, resolve_impl

    # A grading run has no solutions/ to read: its tree holds lab 01's reference already.
    has_solutions = (repo_root() / SOLUTIONS).is_dir()
    reference = resolve_impl("reference") if has_solutions else impl_tree
    path = tmp_path_factory.mktemp("lab01") / "photoapp.db"
    env = {**os.environ, "PYTHONPATH": str(reference)}
    done = subprocess.run([sys.executable, str(SEED_SCRIPT), str(path)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"seeding the SQLite database failed:\n{done.stderr[-2000:]}"
    return path, json.loads(done.stdout)


@pytest.fixture
def migrate(postgres_url: str) -> Callable[[Path], Any]:
    """Call your migrate(sqlite_path, postgres_url) on the test's empty database."""

    def run(sqlite_path: Path) -> Any:
        from photoapp.migrate_sqlite_to_postgres import migrate as your_migrate

        return your_migrate(sqlite_path, postgres_url)

    return run


def snapshot(db: psycopg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a fixed order, and the next id of each id sequence."""
    rows = {table: db.execute(query).fetchall() for table, query in ORDERED.items()}
    for table in ("users", "photos"):
        rows[f"{table} sequence"] = db.execute(
            "SELECT last_value FROM pg_sequences"
            " WHERE schemaname || '.' || sequencename = pg_get_serial_sequence(%s, 'id')",
            (table,),
        ).fetchall()
    return rows


def when(text: str) -> datetime:
    """Parse a time the seed script printed."""
    return datetime.fromisoformat(text)


def test_migration_keeps_every_row_and_id(seeded, migrate, repo, db):
    """Every user, photo, follow and like arrives with its id, fields, times and counts."""
    path, data = seeded
    migrate(path)
    for user in data["users"]:
        found = repo.get_user(user["id"])
        got = found and (found.username, found.password_hash, found.created_at)
        expected = (user["username"], user["password_hash"], when(user["created_at"]))
        assert got == expected, (
            f"expected user {user['id']} to be {expected}, found {got}; copy ids and times as "
            f"they are — {MIGRATION}"
        )
    for photo in data["photos"]:
        found = repo.get_photo(photo["id"])
        assert found is not None, (
            f"expected photo {photo['id']} in PostgreSQL, it is missing — {MIGRATION}"
        )
        got = {**vars(found), "created_at": found.created_at}
        expected = {**photo, "created_at": when(photo["created_at"])}
        assert got == expected, (
            f"expected photo {photo['id']} to arrive unchanged (keys, sizes, caption, likes), "
            f"got {got}, expected {expected} — {MIGRATION}"
        )
    for photo_id in data["deleted_photo_ids"]:
        assert repo.get_photo(photo_id) is None, (
            f"expected photo {photo_id}, deleted in SQLite, to stay absent — {MIGRATION}"
        )
    for follower, followee in data["follows"]:
        assert repo.is_following(follower, followee), (
            f"expected user {follower} to follow user {followee} after the migration — {MIGRATION}"
        )
    for user in data["users"]:
        liked = {p for u, p in data["likes"] if u == user["id"]}
        all_ids = [photo["id"] for photo in data["photos"]]
        got_likes = repo.liked_photo_ids(user["id"], all_ids)
        assert got_likes == liked, (
            f"expected user {user['id']} to have liked {sorted(liked)}, found "
            f"{sorted(got_likes)} — {MIGRATION}"
        )
    sizes = {table: count(db, f"SELECT count(*) FROM {table}") for table in TABLES}
    expected_sizes = {"users": len(data["users"]), "photos": len(data["photos"]),
                      "follows": len(data["follows"]), "likes": len(data["likes"])}
    assert sizes == expected_sizes, (
        f"expected exactly the SQLite rows {expected_sizes}, PostgreSQL has {sizes} — {MIGRATION}"
    )


def test_new_rows_after_migration_get_fresh_ids(seeded, migrate, repo):
    """After the migration, a new user and a new photo get ids above every migrated one."""
    from tests.helpers.repository import add_photo

    path, data = seeded
    migrate(path)
    highest_user = max(user["id"] for user in data["users"])
    highest_photo = max([photo["id"] for photo in data["photos"]] + data["deleted_photo_ids"])
    try:
        user = repo.create_user("newcomer", "hash")
        photo = add_photo(repo, user)
    except Exception as error:  # noqa: BLE001 - the message says what to fix
        pytest.fail(
            f"expected new rows to be stored after the migration, got {type(error).__name__}: "
            f"{error}; the id sequences still start at 1: move them past the largest id with "
            f"setval(pg_get_serial_sequence('users', 'id'), max(id)) — {MIGRATION}"
        )
    assert user.id > highest_user and photo.id > highest_photo, (
        f"expected ids above {highest_user} (users) and {highest_photo} (photos), got "
        f"{user.id} and {photo.id} — {MIGRATION}"
    )


def test_a_second_run_changes_nothing(seeded, migrate, db, impl_tree, postgres_url):
    """Running the migration again, from the command line, exits 0 and changes no row."""
    path, _ = seeded
    migrate(path)
    before = snapshot(db)
    env = {**os.environ, "PYTHONPATH": str(impl_tree)}
    done = subprocess.run([sys.executable, "-m", MODULE, str(path), postgres_url],
                          cwd=impl_tree, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, (
        f"expected `python -m {MODULE} SQLITE_PATH POSTGRES_URL` to exit 0 on a second run, got "
        f"{done.returncode}:\n{(done.stdout + done.stderr)[-1500:]} — {MIGRATION}"
    )
    after = snapshot(db)
    changed = [table for table in before if before[table] != after[table]]
    assert not changed, (
        f"expected a second run to change nothing, but it changed {changed}; skip rows that "
        f"are there already (ON CONFLICT DO NOTHING) — {MIGRATION}"
    )


def test_migration_reports_progress_and_counts(seeded, migrate, capsys):
    """The migration prints each table's name with its number of rows."""
    path, data = seeded
    migrate(path)
    out = capsys.readouterr().out
    sizes = {"users": len(data["users"]), "photos": len(data["photos"]),
             "follows": len(data["follows"]), "likes": len(data["likes"])}
    silent = [f"{table} ({size})" for table, size in sizes.items()
              if not any(table in line and str(size) in line for line in out.splitlines())]
    assert not silent, (
        f"expected a line per table with its row count, e.g. 'users: {sizes['users']} rows', "
        f"missing {silent}; the output was:\n{out[-1000:]} — {MIGRATION}"
    )


# A lab 01 database whose two newest photos were deleted: SQLite's AUTOINCREMENT never
# gives their ids again, and neither may PostgreSQL after the move.
SEED_TOP_DELETED = """
import json, sys
from photoapp.backends.repository_sqlite import SqliteRepository
from photoapp.models import NewPhoto

repo = SqliteRepository(sys.argv[1])
user = repo.create_user("ann", "hash-of-ann")
photos = [repo.add_photo(NewPhoto(user_id=user.id, caption=f"photo {n}",
                                  image_key=f"photos/{n}.jpg", thumbnail_key=f"thumbs/{n}.jpg",
                                  content_type="image/jpeg", width=10, height=10))
          for n in range(5)]
for photo in photos[3:]:
    repo.delete_photo(photo.id)
print(json.dumps({"deleted": [p.id for p in photos[3:]]}))
"""


def seed_reference(tmp_path: Path, impl_tree: Path, script: str) -> tuple[Path, dict[str, Any]]:
    """Run a seeding script with lab 01's reference repository; return the file and its JSON."""
    from workshop.manifest import repo_root
    from workshop.trees import SOLUTIONS, resolve_impl

    has_solutions = (repo_root() / SOLUTIONS).is_dir()
    reference = resolve_impl("reference") if has_solutions else impl_tree
    path = tmp_path / "photoapp.db"
    env = {**os.environ, "PYTHONPATH": str(reference)}
    done = subprocess.run([sys.executable, "-c", script, str(path)], env=env, cwd=reference,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"seeding the SQLite database failed:\n{done.stderr[-2000:]}"
    return path, json.loads(done.stdout)


def test_ids_deleted_at_the_top_are_never_given_again(migrate, repo, impl_tree, tmp_path):
    """Photos deleted in SQLite before the move keep their ids retired: new photos go above."""
    from tests.helpers.repository import add_photo

    path, data = seed_reference(tmp_path, impl_tree, SEED_TOP_DELETED)
    migrate(path)
    photo = add_photo(repo, repo.create_user("newcomer", "hash"))
    assert photo.id > max(data["deleted"]), (
        f"expected a new photo's id above {max(data['deleted'])} (the last id SQLite gave, to a "
        f"photo deleted since), got {photo.id}: setval(max(id)) forgets deleted ids; SQLite "
        f"keeps the last one given in sqlite_sequence — {MIGRATION}"
    )


def test_a_migration_into_a_database_with_clashing_rows_fails_and_copies_nothing(
    seeded, migrate, repo, db
):
    """Rows already in PostgreSQL under the same ids, but different, stop the migration."""
    path, data = seeded
    intruder = repo.create_user("intruder", "hash-of-intruder")  # takes id 1, as user00 has
    assert intruder.id in {user["id"] for user in data["users"]}
    try:
        migrate(path)
    except Exception:  # noqa: BLE001 - any error that stops the migration will do
        stopped = True
    else:
        stopped = False
    users = count(db, "SELECT count(*) FROM users")
    photos = count(db, "SELECT count(*) FROM photos")
    assert stopped and (users, photos) == (1, 0), (
        f"expected the migration to fail and copy nothing when PostgreSQL already holds a "
        f"different user under id {intruder.id}, but it {'failed' if stopped else 'succeeded'} "
        f"and left {users} users and {photos} photos: ON CONFLICT DO NOTHING drops the clashing "
        f"rows silently; check that every SQLite row arrived as it was, else raise (one "
        f"transaction: nothing copied) — {MIGRATION}"
    )
