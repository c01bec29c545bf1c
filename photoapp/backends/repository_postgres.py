"""Lab 03: PostgresRepository, the Repository port on PostgreSQL with a connection pool.

Your task is in labs/03-postgresql/README.md, section "Step 2: the pooled repository".
It is the same port as lab 01's SqliteRepository (photoapp/ports.py says what each method must
do; photoapp/backends/repository_memory.py is a complete implementation in plain Python), so
the same contract tests run against it.
"""

from __future__ import annotations

GUIDE = "see labs/03-postgresql/README.md"


class PostgresRepository:
    """Users, photos, follows and likes in PostgreSQL, through a pool of connections."""

    def __init__(self, url: str, min_size: int = 1, max_size: int = 10,
                 timeout: float = 5.0) -> None:
        raise NotImplementedError(f"Lab 03: write PostgresRepository in {__name__} ({GUIDE})")
