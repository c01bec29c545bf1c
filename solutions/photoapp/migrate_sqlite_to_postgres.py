"""Lab 03: copy a lab 01/02 SQLite database into PostgreSQL, keeping every id.

    python -m photoapp.migrate_sqlite_to_postgres instance/photoapp.db postgresql://localhost/photoapp

Ids are kept, so links, cursors and bookmarks still work after the move. Media files stay where
they are: photos keep their image and thumbnail keys, so point PHOTOAPP_MEDIA_DIR at the same
folder. The schema is created first if it is missing; then every row is copied in one
transaction, so a failed run leaves no row behind. Running it again changes nothing: rows
already there are skipped, after checking that they are identical to the SQLite ones (a
different row under the same id stops the migration).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from photoapp.backends.repository_postgres import apply_schema

# Parents before children, so every foreign key finds its row. Names come from this list only,
# never from input, and reach SQL through sql.Identifier, which quotes them.
TABLES: dict[str, list[str]] = {
    "users": ["id", "username", "password_hash", "created_at"],
    "photos": ["id", "user_id", "caption", "image_key", "thumbnail_key", "content_type",
               "width", "height", "created_at"],
    "follows": ["follower_id", "followee_id", "created_at"],
    "likes": ["user_id", "photo_id", "created_at"],
}

# Rows copied with their own ids leave the id sequences behind: the next insert would reuse
# id 1 and fail. Move each sequence past the largest id SQLite ever gave: the largest row, or
# a larger one deleted since, which SQLite's AUTOINCREMENT remembers in sqlite_sequence and
# never gives again (GREATEST skips NULLs; HAVING leaves a table that never had a row alone).
RESET_SEQUENCES = {
    table: f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(max(id), %s))"
    f" FROM {table} HAVING GREATEST(max(id), %s) IS NOT NULL"
    for table in ("users", "photos")
}

PROGRESS_EVERY = 10_000  # rows between two progress lines of one table


class MigrationError(RuntimeError):
    """The migration cannot go on; no row was copied."""


@dataclass(frozen=True)
class TableCount:
    """How many rows of one table SQLite had and how many were new to PostgreSQL."""

    table: str
    in_sqlite: int
    copied: int

    @property
    def already_there(self) -> int:
        """Rows PostgreSQL held already (all of them on a second run)."""
        return self.in_sqlite - self.copied


def migrate(sqlite_path: Path, postgres_url: str,
            say: Callable[[str], None] = print) -> list[TableCount]:
    """Copy every table from the SQLite file into PostgreSQL and return the counts."""
    sqlite_path = Path(sqlite_path)
    if not sqlite_path.is_file():
        raise MigrationError(f"no SQLite database at {sqlite_path}")
    # Read-only: the migration must never change the database it copies from.
    source = sqlite3.connect(sqlite_path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        with psycopg.connect(postgres_url) as target:  # commits at the end, or rolls back
            apply_schema(target)
            counts = [_copy_table(source, target, table, columns, say)
                      for table, columns in TABLES.items()]
            given = _last_ids_given(source)
            for table, statement in RESET_SEQUENCES.items():
                target.execute(statement, (given.get(table), given.get(table)))
    finally:
        source.close()
    return counts


def _last_ids_given(source: sqlite3.Connection) -> dict[str, int]:
    """Return the last id SQLite's AUTOINCREMENT gave in each table (deleted rows' too)."""
    try:
        return dict(source.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    except sqlite3.OperationalError:  # no AUTOINCREMENT table: the rows say it all
        return {}


def _copy_table(source: sqlite3.Connection, target: psycopg.Connection, table: str,
                columns: list[str], say: Callable[[str], None]) -> TableCount:
    """Copy one table through a temporary table; return its counts."""
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    incoming = sql.Identifier(f"incoming_{table}")
    # Load everything into a temporary copy of the table first (COPY is PostgreSQL's fast bulk
    # load), then let SQL decide what is new, what is there already and what clashes.
    target.execute(sql.SQL("CREATE TEMPORARY TABLE {} (LIKE {}) ON COMMIT DROP").format(
        incoming, sql.Identifier(table)))
    rows = source.execute(f"SELECT {', '.join(columns)} FROM {table}")  # names from TABLES
    read = 0
    started = time.monotonic()
    with target.cursor() as cur, cur.copy(
        sql.SQL("COPY {} ({}) FROM STDIN").format(incoming, names)
    ) as copy:
        for row in rows:
            copy.write_row(row)
            read += 1
            if read % PROGRESS_EVERY == 0:
                say(f"  {table}: {read} rows read ...")
    copied = target.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT DO NOTHING").format(
            sql.Identifier(table), names, names, incoming)
    ).rowcount
    # Every SQLite row must now be in PostgreSQL exactly as it was; a row that is not was
    # skipped because another row holds its id or its username: stop and change nothing.
    clash = target.execute(
        sql.SQL("SELECT count(*) FROM (SELECT {} FROM {} EXCEPT SELECT {} FROM {}) AS clash")
        .format(names, incoming, names, sql.Identifier(table))
    ).fetchone()
    if clash and clash[0]:
        raise MigrationError(
            f"{clash[0]} row(s) of {table} clash with rows PostgreSQL already holds under the"
            " same id or name; migrate into an empty database (no row was copied)"
        )
    count = TableCount(table, read, copied)
    say(f"{table:8} {read:7} in SQLite  {copied:7} copied  {count.already_there:7} already there"
        f"  ({time.monotonic() - started:.1f} s)")
    return count


def main(argv: list[str] | None = None) -> int:
    """Run the migration from the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m photoapp.migrate_sqlite_to_postgres",
        description="Copy a lab 01/02 SQLite database into PostgreSQL, keeping every id.",
    )
    parser.add_argument("sqlite_path", type=Path, help="e.g. instance/photoapp.db")
    parser.add_argument("postgres_url", help="e.g. postgresql://postgres@127.0.0.1:5432/photoapp")
    args = parser.parse_args(argv)
    print(f"migrating {args.sqlite_path} -> {args.postgres_url}")
    started = time.monotonic()
    try:
        counts = migrate(args.sqlite_path, args.postgres_url)
    except (MigrationError, psycopg.Error, sqlite3.Error) as error:
        print(f"migration failed, no row was copied: {error}", file=sys.stderr)
        return 1
    copied = sum(c.copied for c in counts)
    print(f"done in {time.monotonic() - started:.1f} s: {copied} rows copied"
          f"{'' if copied else ' (nothing new: already migrated)'}."
          " Media files stay where they are: keep PHOTOAPP_MEDIA_DIR pointing at them.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
