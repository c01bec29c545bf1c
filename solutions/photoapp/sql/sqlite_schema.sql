-- Lab 01: the SQLite schema of the photo app (labs/01-single-box/README.md, "Step 1: the schema").
--
-- Applied by SqliteRepository every time it starts, so every statement is idempotent
-- (IF NOT EXISTS). STRICT tables make SQLite check column types like other databases do.
-- Times are UTC ISO 8601 text, e.g. 2010-10-06T12:00:00.000000+00:00.

CREATE TABLE IF NOT EXISTS users (
    -- AUTOINCREMENT: an id is never reused, even after the newest row is deleted.
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    created_at    TEXT    NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS photos (
    -- Ids grow over time, so "newest first" is ORDER BY id DESC and the id is the cursor.
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    caption       TEXT    NOT NULL DEFAULT '',
    image_key     TEXT    NOT NULL UNIQUE,
    thumbnail_key TEXT    NOT NULL UNIQUE,
    content_type  TEXT    NOT NULL,
    width         INTEGER NOT NULL CHECK (width > 0),
    height        INTEGER NOT NULL CHECK (height > 0),
    created_at    TEXT    NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS follows (
    follower_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL,
    -- One row per pair: a double follow is impossible, whatever the code above does.
    PRIMARY KEY (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
) STRICT;

CREATE TABLE IF NOT EXISTS likes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Deleting a photo deletes its likes (PRAGMA foreign_keys = ON must be set per connection).
    photo_id   INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, photo_id)
) STRICT;

-- The feed and a profile page read one user's photos newest first: (user_id, id) serves both.
CREATE INDEX IF NOT EXISTS photos_by_user ON photos (user_id, id);

-- Follower counts look follows up by followee; the primary key already covers the follower side.
CREATE INDEX IF NOT EXISTS follows_by_followee ON follows (followee_id, follower_id);

-- Like counts (and the cascade when a photo is deleted) look likes up by photo.
CREATE INDEX IF NOT EXISTS likes_by_photo ON likes (photo_id);
