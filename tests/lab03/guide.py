"""Where in lab 03's guide each failure message points."""

GUIDE = "labs/03-postgresql/README.md"
SCHEMA = f"see {GUIDE}, Step 1: the schema"
REPOSITORY = f"see {GUIDE}, Step 2: the pooled repository"
POOL = f"see {GUIDE}, Step 2: the pooled repository (the pool: size, timeout, restarts)"
CONCURRENCY = f"see {GUIDE}, Step 3: correct under concurrency"
EXPLAIN = f"see {GUIDE}, Step 4: indexes and EXPLAIN"
MIGRATION = f"see {GUIDE}, Step 5: the migration"
