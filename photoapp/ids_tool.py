"""Lab 08: read a snowflake id back into its time, shard and sequence, and make one.

Your task is in labs/08-snowflake-ids/README.md, section "Step 3: the decode tool".

    workshop ids decode 4042766116794139648 42
    workshop ids make --shard 1341 --at 2011-09-10T06:28:04.721Z --sequence 905

The rules of the road:
- The layout's constants are in photoapp/id_layout.py: an id is
  (ms since EPOCH_MS) << TIME_SHIFT | shard << SHARD_SHIFT | sequence.
- decode() returns None for an old small id (below SMALL_ID_LIMIT): it is not a snowflake.
- Times are UTC and keep their milliseconds; describe() prints them as ISO 8601 with a Z,
  e.g. 2011-09-10T06:28:04.721Z, and the words "shard N" and "sequence N".
- main() prints one line per id and returns 0; bad input is one line on stderr and 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

GUIDE = "see labs/08-snowflake-ids/README.md"


def _todo(what: str) -> NotImplementedError:
    """Return the error every unwritten part of this lab raises."""
    return NotImplementedError(f"Lab 08: write {what} in {__name__} ({GUIDE})")


@dataclass(frozen=True)
class DecodedId:
    """The three fields of a snowflake id."""

    id: int
    ms: int  # milliseconds since the epoch (2011-08-24 21:07:01.721 UTC)
    shard: int
    sequence: int

    @property
    def time(self) -> datetime:
        """When the id was made, in UTC, to the millisecond."""
        raise _todo("DecodedId.time")

    def describe(self) -> str:
        """One line: the id, its time in UTC with milliseconds, its shard and sequence."""
        raise _todo("DecodedId.describe")


def decode(value: int) -> DecodedId | None:
    """Split an id into time, shard and sequence; None for an old small id (not a snowflake)."""
    raise _todo("decode()")


def encode(at: datetime, shard: int, sequence: int = 0) -> int:
    """Make the id of a moment (a timezone-aware datetime), shard and sequence."""
    raise _todo("encode()")


def describe(value: int) -> str:
    """One line about any id: its fields, or that it is an old small id."""
    raise _todo("describe()")


def main(argv: list[str] | None = None) -> int:
    """`decode ID...` or `make [--at TIME] [--shard N] [--sequence N]`; 2 on bad input."""
    raise _todo("main()")
