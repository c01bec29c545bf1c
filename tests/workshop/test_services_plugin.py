"""The services pytest plugin: fixtures, external servers, the stack factory, missing accounts."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.plugins.services import PostgresHandle
from workshop.services import ServiceError, Stack, StackSpec, postgres
from workshop.services.sampletree import write_sample_tree

REPO = Path(__file__).resolve().parents[2]


def test_stack_factory_starts_a_stack_on_a_given_tree(
    stack_factory: Callable[..., Stack], tmp_path: Path
) -> None:
    tree = write_sample_tree(tmp_path / "tree")
    stack = stack_factory(StackSpec(redis=True), tree=tree, extra_env={"PHOTOAPP_X": "1"})
    assert stack.app_servers[0].is_running()
    assert stack.env["PHOTOAPP_X"] == "1" and stack.env["PHOTOAPP_REDIS_URL"].startswith("redis")


def test_postgres_handle_builds_urls_of_other_databases() -> None:
    handle = PostgresHandle("postgresql://postgres@127.0.0.1:5432/postgres?sslmode=disable")
    assert handle.dsn("t1") == "postgresql://postgres@127.0.0.1:5432/t1?sslmode=disable"


def test_root_without_a_postgres_account_gets_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_account(name: str) -> object:
        raise KeyError(name)

    monkeypatch.setattr(postgres.os, "geteuid", lambda: 0)
    monkeypatch.setattr(postgres.pwd, "getpwnam", no_account)
    postgres.server_account.cache_clear()
    try:
        with pytest.raises(ServiceError, match="useradd --system"):
            postgres.server_account()
    finally:
        postgres.server_account.cache_clear()


def test_external_servers_are_used_when_named(tmp_path: Path, redis_server: object) -> None:
    from tests.plugins.services import RedisHandle

    assert isinstance(redis_server, RedisHandle)
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.plugins.services"]\n')
    (tmp_path / "test_inner.py").write_text(
        textwrap.dedent(f"""
        def test_uses_the_named_redis(redis_server, redis_url):
            assert redis_server.external
            assert redis_url == {redis_server.url!r}
        """)
    )
    env = dict(os.environ, PHOTOAPP_TEST_REDIS_URL=redis_server.url)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_signing_bucket_is_minio_or_says_why(request: pytest.FixtureRequest) -> None:
    from tests.plugins.services import S3Bucket

    s3 = request.getfixturevalue("s3_server")
    assert isinstance(s3, S3Bucket)
    if s3.verifies_signatures:
        assert request.getfixturevalue("signing_s3_bucket") is s3
    else:
        with pytest.raises(pytest.skip.Exception, match="needs a real MinIO"):
            request.getfixturevalue("signing_s3_bucket")
