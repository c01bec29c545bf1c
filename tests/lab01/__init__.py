"""Lab 01, single box: the graded tests (SQLite repository, feed query, image processing)."""
