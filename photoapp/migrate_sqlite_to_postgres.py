"""Lab 03: copy a lab 01/02 SQLite database into PostgreSQL, keeping every id.

    python -m photoapp.migrate_sqlite_to_postgres instance/photoapp.db postgresql://localhost/photoapp

Your task is in labs/03-postgresql/README.md, section "Step 5: the migration".
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GUIDE = "see labs/03-postgresql/README.md"


class MigrationError(RuntimeError):
    """The migration cannot go on; no row was copied."""


@dataclass(frozen=True)
class TableCount:
    """How many rows of one table SQLite had and how many were new to PostgreSQL."""

    table: str
    in_sqlite: int
    copied: int


def migrate(sqlite_path: Path, postgres_url: str,
            say: Callable[[str], None] = print) -> list[TableCount]:
    """Copy every table from the SQLite file into PostgreSQL and return the counts."""
    raise NotImplementedError(f"Lab 03: write migrate() in {__name__} ({GUIDE})")


def main(argv: list[str] | None = None) -> int:
    """Run the migration from the command line; return the exit status."""
    raise NotImplementedError(f"Lab 03: write main() in {__name__} ({GUIDE})")


if __name__ == "__main__":
    sys.exit(main())
