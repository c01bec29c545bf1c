"""Lab 08: read a snowflake id back into its time, shard and sequence, and make one.

    workshop ids decode 4042766116794139648 42
    workshop ids make --shard 1341 --at 2011-09-10T06:28:04.721Z --sequence 905

An id is (ms since 2011-08-24 21:07:01.721 UTC) << 23 | shard << 10 | sequence. Ids made by
a database counter before the switch (1, 2, 3 ...) are not snowflakes, and say so.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from photoapp.id_layout import (
    EPOCH_MS,
    MAX_SEQUENCE,
    MAX_SHARD,
    MAX_TIME,
    SHARD_SHIFT,
    SMALL_ID_LIMIT,
    TIME_SHIFT,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=EPOCH_MS)
MAX_ID = (1 << 63) - 1  # PostgreSQL's bigint: the sign bit stays 0


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
        return EPOCH + timedelta(milliseconds=self.ms)

    def describe(self) -> str:
        """One line: the id, its time in UTC with milliseconds, its shard and sequence."""
        when = self.time.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return f"{self.id}: made {when}, shard {self.shard}, sequence {self.sequence}"


def decode(value: int) -> DecodedId | None:
    """Split an id into time, shard and sequence; None for an old small id (not a snowflake)."""
    if not 0 < value <= MAX_ID:
        raise ValueError(f"{value} is not an id: ids are 1 .. 2**63 - 1")
    if value < SMALL_ID_LIMIT:
        return None
    return DecodedId(
        id=value,
        ms=value >> TIME_SHIFT,
        shard=(value >> SHARD_SHIFT) & MAX_SHARD,
        sequence=value & MAX_SEQUENCE,
    )


def encode(at: datetime, shard: int, sequence: int = 0) -> int:
    """Make the id of a moment (a timezone-aware datetime), shard and sequence."""
    if at.tzinfo is None:
        raise ValueError("give the time with its zone, e.g. 2011-09-10T06:28:04.721Z")
    ms = (at - EPOCH) // timedelta(milliseconds=1)
    if not 0 <= ms <= MAX_TIME:
        raise ValueError(f"{at.isoformat()} is outside the 41 bits after {EPOCH.isoformat()}")
    if not 0 <= shard <= MAX_SHARD:
        raise ValueError(f"shard {shard} is outside 0..{MAX_SHARD}")
    if not 0 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence {sequence} is outside 0..{MAX_SEQUENCE}")
    return (ms << TIME_SHIFT) | (shard << SHARD_SHIFT) | sequence


def describe(value: int) -> str:
    """One line about any id: its fields, or that it is an old small id."""
    decoded = decode(value)
    if decoded is None:
        return f"{value}: not a snowflake (an old small id from the database's counter)"
    return decoded.describe()


def main(argv: list[str] | None = None) -> int:
    """`decode ID...` or `make [--at TIME] [--shard N] [--sequence N]`; 2 on bad input."""
    parser = argparse.ArgumentParser(prog="workshop ids", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("decode", help="time (UTC, ms), shard and sequence of each id")
    p.add_argument("ids", nargs="+", help="ids, e.g. 4042766116794139648")
    p = sub.add_parser("make", help="the id of a time, shard and sequence")
    p.add_argument("--at", help="ISO time with zone, e.g. 2011-09-10T06:28:04.721Z (default: now)")
    p.add_argument("--shard", type=int, default=1)
    p.add_argument("--sequence", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        if args.command == "decode":
            for text in args.ids:
                print(describe(int(text)))
            return 0
        at = datetime.fromisoformat(args.at) if args.at else datetime.now(UTC)
        print(encode(at, args.shard, args.sequence))
        return 0
    except ValueError as error:
        print(f"workshop ids: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
