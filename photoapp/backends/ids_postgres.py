"""Lab 08 on PostgreSQL: install next_id() per shard, switch the tables to it, and ask it for ids.

    install_next_id(conn, shard)   applies photoapp/sql/next_id.sql for one shard (idempotent)
    switch_to_snowflake_ids(url)   the migration: new users and photos get snowflake ids
    PostgresIds(url).next_id(n)    the IdGenerator port, answered by shard n's next_id()

Old rows keep their ids: nothing is renumbered, so links, cursors and follows stay valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import psycopg
from psycopg import sql

from photoapp.id_layout import MAX_SHARD, SMALL_ID_LIMIT

GUIDE = "see labs/08-snowflake-ids/README.md"
SWITCH_LOCK = 3_000_008  # an advisory lock key: two app servers never switch at once


def shard_schema(shard: int) -> str:
    """Return the name of a logical shard's schema, e.g. shard_0001."""
    if not 0 <= shard <= MAX_SHARD:
        raise ValueError(f"shard {shard} is outside 0..{MAX_SHARD}")
    return f"shard_{shard:04d}"


def next_id_sql() -> str:
    """Return photoapp/sql/next_id.sql, refusing the starter, which has no statement yet."""
    text = resources.files("photoapp").joinpath("sql/next_id.sql").read_text("utf-8")
    lines = [line.strip() for line in text.splitlines()]
    if not [line for line in lines if line and not line.startswith("--")]:
        raise NotImplementedError(
            f"Lab 08: write next_id() in photoapp/sql/next_id.sql ({GUIDE})"
        )
    return text


def install_next_id(conn: psycopg.Connection, shard: int) -> None:
    """Create shard's schema, sequence and next_id(), and make it the users' and photos' default."""
    statements = sql.SQL(next_id_sql()).format(  # type: ignore[arg-type]
        schema=sql.Identifier(shard_schema(shard)), shard=sql.Literal(shard)
    )
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SWITCH_LOCK,))
        conn.execute(statements)


@dataclass(frozen=True)
class SwitchReport:
    """What the switch found: rows keeping their small ids, and the shard numbering new ones."""

    shard: int
    small_users: int
    small_photos: int


def switch_to_snowflake_ids(url: str, shard: int = 1) -> SwitchReport:
    """Install next_id() for a shard and make it the default of users.id and photos.id."""
    with psycopg.connect(url) as conn:
        found = conn.execute(
            "SELECT to_regclass('users') IS NOT NULL AND to_regclass('photos') IS NOT NULL"
        ).fetchone()
        if not found or not found[0]:
            raise RuntimeError(
                "no users and photos tables in this database: start the app on it once"
                " (or run lab 03's migration) before switching its ids"
            )
        install_next_id(conn, shard)
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM users WHERE id < %(small)s),"
            " (SELECT count(*) FROM photos WHERE id < %(small)s)",
            {"small": SMALL_ID_LIMIT},
        ).fetchone()
    assert counts is not None
    return SwitchReport(shard, counts[0], counts[1])


class PostgresIds:
    """The IdGenerator port answered by PostgreSQL: one connection, one next_id() per call."""

    def __init__(self, url: str) -> None:
        self._conn = psycopg.connect(url, autocommit=True)
        self._queries: dict[int, sql.Composed] = {}

    def next_id(self, shard: int) -> int:
        """Return shard's next id from its next_id() function."""
        query = self._queries.get(shard)
        if query is None:
            query = sql.SQL("SELECT {}.next_id()").format(sql.Identifier(shard_schema(shard)))
            self._queries[shard] = query
        row = self._conn.execute(query).fetchone()
        assert row is not None
        return int(row[0])

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
