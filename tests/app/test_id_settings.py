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
