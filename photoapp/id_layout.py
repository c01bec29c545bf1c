"""Lab 08: the layout of a snowflake id, shared by every generator and by the decode tool.

    bit 63      62 ............ 23   22 ........ 10   9 ....... 0
    [ 0 ]  [ 41 bits: ms since EPOCH ] [ 13 bits: shard ] [ 10 bits: sequence ]

The sign bit stays 0, so ids fit PostgreSQL's bigint and sort as positive numbers.
"""

from __future__ import annotations

# Instagram's epoch: 2011-08-24 21:07:01.721 UTC, in milliseconds since 1970 (UTC).
EPOCH_MS = 1_314_220_021_721
TIME_BITS = 41
SHARD_BITS = 13
SEQUENCE_BITS = 10

SHARD_SHIFT = SEQUENCE_BITS  # 10
TIME_SHIFT = SHARD_BITS + SEQUENCE_BITS  # 23
MAX_SHARD = (1 << SHARD_BITS) - 1  # 8,191
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1  # 1,023: 1,024 ids per ms per shard
MAX_TIME = (1 << TIME_BITS) - 1  # about 69.7 years of milliseconds
IDS_PER_SECOND_PER_SHARD = (MAX_SEQUENCE + 1) * 1000  # the layout's limit: 1,024,000

# Ids below this were numbered by a database counter before the switch (lab 01's 1, 2, 3 ...).
# A snowflake this small would have been made in the first half second after EPOCH.
SMALL_ID_LIMIT = 1 << 32
