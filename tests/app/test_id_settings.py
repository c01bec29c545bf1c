"""Lab 08's settings, shared code: bad values are refused in one line naming the variable."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("overrides", "variable"), [
    ({"ids": "snowflake", "id_shard": 8192}, "PHOTOAPP_ID_SHARD"),
    ({"ids": "snowflake", "id_shard": -1}, "PHOTOAPP_ID_SHARD"),
    ({"ids": "uuid"}, "PHOTOAPP_IDS"),
])
def test_bad_id_settings_are_refused_naming_the_variable(make_app, overrides, variable):
    """PHOTOAPP_ID_SHARD must fit 13 bits; PHOTOAPP_IDS is counter or snowflake."""
    from photoapp.settings import SettingsError

    with pytest.raises(SettingsError) as raised:
        make_app(**overrides)
    assert variable in str(raised.value) and "\n" not in str(raised.value)


def test_memory_snowflake_ids_number_new_rows(make_app):
    """On memory://, PHOTOAPP_IDS=snowflake numbers users with MemoryIds of the given shard."""
    app = make_app(ids="snowflake", id_shard=9)
    user = app.extensions["photoapp"].register("ann", "correct-horse-battery")
    assert user.id >= 1 << 32 and (user.id >> 10) & 0x1FFF == 9


def test_two_leases_on_one_machine_get_different_shards(tmp_path):
    """Two processes (here two leases) on one SQLite machine never share shard bits."""
    from photoapp.backends.ids_lease import NoShardFree, ShardLease

    first, second = ShardLease(tmp_path, 5, count=2), ShardLease(tmp_path, 5, count=2)
    assert (first.shard(), second.shard()) == (5, 6)
    assert first.shard() == 5, "a lease keeps its shard"
    with pytest.raises(NoShardFree):
        ShardLease(tmp_path, 5, count=2).shard()


def test_a_lease_is_taken_again_in_a_forked_child(tmp_path):
    """A child process forked from a leaseholder leases a shard of its own."""
    import os
    import warnings

    from photoapp.backends.ids_lease import ShardLease

    lease = ShardLease(tmp_path, 1)
    assert lease.shard() == 1
    read, write = os.pipe()
    with warnings.catch_warnings():  # Python 3.12 warns about fork() beside threads
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: report its shard and leave at once
        os.write(write, str(lease.shard()).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    assert int(os.read(read, 16)) == 2
