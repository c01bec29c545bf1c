"""Lab 03, Step 2: the app survives a PostgreSQL restart without being restarted itself.

The test runs its own PostgreSQL (the shared one must not go down under other tests), restarts
it under a running app, and watches what the app answers before, during and after.
"""

from __future__ import annotations

import time

import pytest

from tests.helpers.api import Api
from tests.lab03.guide import POOL

POOL_TIMEOUT = 2.0


@pytest.fixture
def own_postgres(stack_factory):
    """A PostgreSQL server of this test alone, which the test may stop and start."""
    from workshop.services import StackSpec

    stack = stack_factory(StackSpec(postgres=1, app_servers=0))
    return stack.postgres[0]


def timed(call):
    """Run a call; return its result and how long it took."""
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


@pytest.mark.timeout(180)
def test_app_survives_a_database_restart(own_postgres, make_pg_app):
    """Requests fail with 503 while PostgreSQL is down, then succeed with the same app."""
    app = make_pg_app(database_url=own_postgres.dsn(), db_pool_min=2, db_pool_max=4,
                      db_pool_timeout=POOL_TIMEOUT)
    api = Api(app.test_client())
    ann = api.account("ann")
    for _ in range(10):  # warm the pool: it now holds connections the restart will break
        assert api.get(ann, "/api/feed").status_code == 200

    own_postgres.stop()
    for _ in range(2):
        response, took = timed(lambda: api.get(ann, "/api/feed"))
        assert response.status_code == 503, (
            f"expected 503 while the database is down, got {response.status_code}: "
            f"{response.get_data(as_text=True)[:200]}; turn psycopg_pool.PoolTimeout and "
            f"psycopg.OperationalError into photoapp.errors.Unavailable — {POOL}"
        )
        assert took < POOL_TIMEOUT + 5, (
            f"expected the 503 within about db_pool_timeout={POOL_TIMEOUT:g} s while the "
            f"database is down, it took {took:.1f} s — {POOL}"
        )

    own_postgres.start()
    statuses = [api.get(ann, "/api/feed").status_code for _ in range(10)]
    assert statuses == [200] * 10, (
        f"expected every request to succeed once the database was back, with the same app, "
        f"got {statuses}; the pool still lends connections the restart broke: create it with "
        f"check=ConnectionPool.check_connection — {POOL}"
    )
    assert api.profile(ann, "ann")["user"]["username"] == "ann", (
        f"expected the data written before the restart to be there after it — {POOL}"
    )


@pytest.mark.timeout(180)
def test_app_starts_while_the_database_is_down(own_postgres, make_pg_app):
    """The app starts with PostgreSQL down, answers 503 meanwhile, then works once it is up."""
    own_postgres.stop()
    started = time.monotonic()
    app = make_pg_app(database_url=own_postgres.dsn(), db_pool_min=1, db_pool_max=2,
                      db_pool_timeout=POOL_TIMEOUT)
    took = time.monotonic() - started
    assert took < POOL_TIMEOUT + 5, (
        f"expected create_app() to return at once with the database down, it took {took:.1f} s; "
        f"connect on first use, not in __init__ — {POOL}"
    )
    api = Api(app.test_client())
    assert api.get(None, "/healthz").status_code == 200, (
        f"expected /healthz to answer 200 while the database is down — {POOL}"
    )
    response = api.register("ann")
    assert response.status_code == 503, (
        f"expected 503 from POST /api/register while the database is down, got "
        f"{response.status_code}: {response.get_data(as_text=True)[:200]} — {POOL}"
    )
    own_postgres.start()
    response = api.register("ann")
    assert response.status_code == 201, (
        f"expected the same app to work once the database is up (the schema created on first "
        f"use), got {response.status_code}: {response.get_data(as_text=True)[:200]} — {POOL}"
    )
