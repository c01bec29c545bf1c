"""Lab 01: SqliteRepository, the Repository port on one SQLite file.

Your task is in labs/01-single-box/README.md, section "Step 2: the SQLite repository".
Read photoapp/ports.py for what each method must do, and photoapp/backends/repository_memory.py
for a complete implementation of the same port in plain Python.
"""

from __future__ import annotations

from pathlib import Path

GUIDE = "see labs/01-single-box/README.md"


class SqliteRepository:
    """Users, photos, follows and likes in one SQLite database file."""

    def __init__(self, path: Path) -> None:
        raise NotImplementedError(f"Lab 01: write SqliteRepository in {__name__} ({GUIDE})")
