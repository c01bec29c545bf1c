"""Lab 08, Step 3: the decode tool, on ids worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.lab08.guide import TOOL

# Instagram's worked example: 1,387,263,000 ms after the epoch, user 31341 on shard
# 31341 % 2000 = 1341, the table's 5,001st id: sequence 5001 % 1024 = 905.
EXAMPLE = (1_387_263_000 << 23) | (1341 << 10) | 905
EXAMPLE_TIME = datetime(2011, 9, 9, 22, 28, 4, 721_000, tzinfo=UTC)
# 2023-11-14 22:13:20.000 UTC on shard 1, sequence 7.
MODERN = ((1_700_000_000_000 - 1_314_220_021_721) << 23) | (1 << 10) | 7


def test_decode_gives_time_shard_and_sequence():
    """decode() splits Instagram's example into its time (UTC, ms), shard and sequence."""
    from photoapp.ids_tool import decode

    decoded = decode(EXAMPLE)
    assert decoded is not None, f"expected {EXAMPLE} to decode as a snowflake — {TOOL}"
    got = (decoded.time, decoded.shard, decoded.sequence)
    assert got == (EXAMPLE_TIME, 1341, 905), (
        f"expected {(EXAMPLE_TIME, 1341, 905)}, got {got} — {TOOL}"
    )


def test_encode_is_the_way_back():
    """encode() of a decoded id's time, shard and sequence gives the id back."""
    from photoapp.ids_tool import decode, encode

    for value in (EXAMPLE, MODERN):
        decoded = decode(value)
        assert decoded is not None
        again = encode(decoded.time, decoded.shard, decoded.sequence)
        assert again == value, f"expected encode to give {value} back, got {again} — {TOOL}"
    with pytest.raises(ValueError):
        encode(EXAMPLE_TIME, 8192, 0)
        pytest.fail(f"expected a ValueError for shard 8192 — {TOOL}")


def test_old_small_ids_are_not_snowflakes():
    """Lab 01's ids 1, 2, 3 ... decode to None and are described as not snowflakes."""
    from photoapp.ids_tool import decode, describe

    assert decode(42) is None, f"expected decode(42) to be None: an old counter id — {TOOL}"
    assert "not a snowflake" in describe(42), (
        f"expected describe(42) to say 'not a snowflake', got {describe(42)!r} — {TOOL}"
    )


def test_the_command_prints_one_line_per_id(capsys):
    """`workshop ids decode` prints the time with milliseconds and a Z, the shard, the sequence."""
    from photoapp.ids_tool import main

    assert main(["decode", str(EXAMPLE), str(MODERN), "42"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3, f"expected one line per id, got {lines} — {TOOL}"
    for line, words in zip(lines, [
        (str(EXAMPLE), "2011-09-09T22:28:04.721Z", "shard 1341", "sequence 905"),
        (str(MODERN), "2023-11-14T22:13:20.000Z", "shard 1", "sequence 7"),
        ("42", "not a snowflake"),
    ], strict=True):
        missing = [word for word in words if word not in line]
        assert not missing, f"expected {missing} in {line!r} — {TOOL}"


def test_the_command_makes_an_id_and_refuses_bad_input(capsys):
    """`workshop ids make` prints the id of a time, shard and sequence; bad input exits 2."""
    from photoapp.ids_tool import main

    args = ["make", "--at", "2011-09-09T22:28:04.721Z", "--shard", "1341", "--sequence", "905"]
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == str(EXAMPLE), (
        f"expected `ids make` to print {EXAMPLE} — {TOOL}"
    )
    assert main(["decode", "-5"]) == 2, f"expected exit status 2 for id -5 — {TOOL}"
    assert main(["decode", "banana"]) == 2, f"expected exit status 2 for 'banana' — {TOOL}"
