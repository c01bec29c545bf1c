"""Where in lab 01's guide each failure message points."""

GUIDE = "labs/01-single-box/README.md"
SCHEMA = f"see {GUIDE}, Step 1: the schema"
REPOSITORY = f"see {GUIDE}, Step 2: the SQLite repository"
FEED = f"see {GUIDE}, Step 2: the SQLite repository (the feed query)"
IMAGES = f"see {GUIDE}, Step 3: safe image processing"
