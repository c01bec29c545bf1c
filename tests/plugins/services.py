"""Real servers for tests: PostgreSQL, Redis, S3 (session-scoped, cleaned after each test), stacks.

    postgres_server  session: PostgresHandle (.url, .dsn(db), .create_database, .drop_database)
    postgres_url     a fresh, empty database for one test (dropped afterwards)
    redis_server     session: RedisHandle (.url)
    redis_url        Redis, flushed before and after the test
    memcached_server session: MemcachedHandle (.url, memcache://host:port)
    memcached_url    Memcached, flushed before and after the test
    s3_server        session: S3Bucket (endpoint, keys, bucket, kind, verifies_signatures)
    s3_bucket        the bucket, emptied before and after the test; .env() gives PHOTOAPP_S3_*
    signing_s3_bucket  the same on MinIO only (moto checks no signatures): skips, saying why
    stack_factory    stack_factory(spec, tree=None, extra_env=None) starts a Stack on the tree
                     under test (impl_tree); every stack is stopped after the test

Set PHOTOAPP_TEST_DATABASE_URL, PHOTOAPP_TEST_REDIS_URL, PHOTOAPP_TEST_MEMCACHED_URL or
PHOTOAPP_TEST_S3_URL (with
PHOTOAPP_TEST_S3_ACCESS_KEY / _SECRET_KEY) to use servers you run yourself, e.g. with compose/.
A missing server binary is an error naming its install command, never a skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from workshop.services import Stack, StackSpec
from workshop.services.s3 import ACCESS_KEY, BUCKET, REGION, SECRET_KEY, s3_client

DATABASE_ENV = "PHOTOAPP_TEST_DATABASE_URL"
REDIS_ENV = "PHOTOAPP_TEST_REDIS_URL"
MEMCACHED_ENV = "PHOTOAPP_TEST_MEMCACHED_URL"
S3_ENV = "PHOTOAPP_TEST_S3_URL"


@dataclass
class PostgresHandle:
    """A PostgreSQL server the tests may create and drop databases on."""

    url: str  # a DSN of a database we may connect to for CREATE/DROP DATABASE
    external: bool = False

    def dsn(self, database: str) -> str:
        """The URL of another database on the same server."""
        return urlsplit(self.url)._replace(path=f"/{database}").geturl()

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting whoever still uses it."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@dataclass
class RedisHandle:
    """A Redis server for tests."""

    url: str
    external: bool = False


@dataclass
class MemcachedHandle:
    """A Memcached server for tests."""

    url: str
    external: bool = False

    def flush(self) -> None:
        """Drop every entry (flush_all)."""
        from pymemcache.client.base import Client

        parts = urlsplit(self.url)
        client = Client((parts.hostname or "127.0.0.1", parts.port or 11211), timeout=5)
        try:
            client.flush_all(noreply=False)
        finally:
            client.close()


@dataclass
class S3Bucket:
    """An S3 endpoint, its keys and a bucket; `env()` gives the app's PHOTOAPP_S3_* settings."""

    endpoint: str
    access_key: str
    secret_key: str
    bucket: str = BUCKET
    region: str = REGION
    kind: str = "moto"  # "minio", "moto" or "external"
    verifies_signatures: bool = False  # moto accepts any signature and expired presigned URLs

    def client(self) -> Any:
        """A boto3 S3 client for this endpoint."""
        return s3_client(self.endpoint, self.access_key, self.secret_key)

    def env(self) -> dict[str, str]:
        """The PHOTOAPP_S3_* variables that point the app at this bucket."""
        return {
            "PHOTOAPP_S3_URL": self.endpoint,
            "PHOTOAPP_S3_ACCESS_KEY": self.access_key,
            "PHOTOAPP_S3_SECRET_KEY": self.secret_key,
            "PHOTOAPP_S3_BUCKET": self.bucket,
            "PHOTOAPP_S3_REGION": self.region,
        }

    def ensure(self) -> None:
        """Create the bucket unless it exists."""
        client = self.client()
        names = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        if self.bucket not in names:
            client.create_bucket(Bucket=self.bucket)

    def empty(self) -> None:
        """Delete every object in the bucket."""
        client = self.client()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})


@dataclass
class _Servers:
    """The session's own servers (one Stack each, so they start only when a test needs them)."""

    stacks: list[Stack] = field(default_factory=list)

    def start(self, spec: StackSpec, tmp: Path) -> Stack:
        stack = Stack(spec, tmp, quiet=True)
        stack.start()
        self.stacks.append(stack)
        return stack


@pytest.fixture(scope="session")
def _own_servers() -> Iterator[_Servers]:
    servers = _Servers()
    yield servers
    for stack in reversed(servers.stacks):
        stack.stop()


@pytest.fixture(scope="session")
def postgres_server(
    _own_servers: _Servers, tmp_path_factory: pytest.TempPathFactory
) -> PostgresHandle:
    """A PostgreSQL server for the session (or the one PHOTOAPP_TEST_DATABASE_URL names)."""
    if os.environ.get(DATABASE_ENV):
        return PostgresHandle(os.environ[DATABASE_ENV], external=True)
    stack = _own_servers.start(
        StackSpec(postgres=1, app_servers=0), tmp_path_factory.mktemp("postgres")
    )
    return PostgresHandle(stack.postgres[0].dsn("postgres"))


@pytest.fixture
def postgres_url(postgres_server: PostgresHandle) -> Iterator[str]:
    """The URL of a fresh, empty database, dropped after the test."""
    name = f"test_{secrets.token_hex(6)}"
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)


@pytest.fixture(scope="session")
def redis_server(_own_servers: _Servers, tmp_path_factory: pytest.TempPathFactory) -> RedisHandle:
    """A Redis server for the session (or the one PHOTOAPP_TEST_REDIS_URL names)."""
    if os.environ.get(REDIS_ENV):
        return RedisHandle(os.environ[REDIS_ENV], external=True)
    stack = _own_servers.start(
        StackSpec(redis=True, app_servers=0), tmp_path_factory.mktemp("redis")
    )
    assert stack.redis is not None
    return RedisHandle(stack.redis.url)


@pytest.fixture
def redis_url(redis_server: RedisHandle) -> Iterator[str]:
    """The URL of an empty Redis database, flushed after the test."""
    import redis

    with redis.Redis.from_url(redis_server.url) as client:
        client.flushdb()
        yield redis_server.url
        client.flushdb()


@pytest.fixture(scope="session")
def memcached_server(
    _own_servers: _Servers, tmp_path_factory: pytest.TempPathFactory
) -> MemcachedHandle:
    """A Memcached server for the session (or the one PHOTOAPP_TEST_MEMCACHED_URL names)."""
    if os.environ.get(MEMCACHED_ENV):
        return MemcachedHandle(os.environ[MEMCACHED_ENV], external=True)
    stack = _own_servers.start(
        StackSpec(memcached=True, app_servers=0), tmp_path_factory.mktemp("memcached")
    )
    assert stack.memcached is not None
    return MemcachedHandle(stack.memcached.url)


@pytest.fixture
def memcached_url(memcached_server: MemcachedHandle) -> Iterator[str]:
    """The URL of an empty Memcached, flushed after the test."""
    memcached_server.flush()
    yield memcached_server.url
    memcached_server.flush()


@pytest.fixture(scope="session")
def s3_server(_own_servers: _Servers, tmp_path_factory: pytest.TempPathFactory) -> S3Bucket:
    """An S3 endpoint for the session: MinIO or moto, or the one PHOTOAPP_TEST_S3_URL names."""
    if os.environ.get(S3_ENV):
        bucket = S3Bucket(
            endpoint=os.environ[S3_ENV],
            access_key=os.environ.get("PHOTOAPP_TEST_S3_ACCESS_KEY", ACCESS_KEY),
            secret_key=os.environ.get("PHOTOAPP_TEST_S3_SECRET_KEY", SECRET_KEY),
            bucket=os.environ.get("PHOTOAPP_TEST_S3_BUCKET", BUCKET),
            kind="external",
            # compose runs a real MinIO; say PHOTOAPP_TEST_S3_VERIFIES_SIGNATURES=0 otherwise
            verifies_signatures=os.environ.get("PHOTOAPP_TEST_S3_VERIFIES_SIGNATURES", "1")
            not in ("0", "false", "no"),
        )
        bucket.ensure()
        return bucket
    stack = _own_servers.start(StackSpec(s3=True, app_servers=0), tmp_path_factory.mktemp("s3"))
    server = stack.s3
    assert server is not None
    return S3Bucket(
        endpoint=server.url,
        access_key=server.access_key,
        secret_key=server.secret_key,
        bucket=server.bucket,
        region=server.region,
        kind=server.kind,
        verifies_signatures=server.verifies_signatures,
    )


@pytest.fixture
def s3_bucket(s3_server: S3Bucket) -> Iterator[S3Bucket]:
    """An empty bucket (endpoint, keys, name, `env()`), emptied again after the test."""
    s3_server.empty()
    yield s3_server
    s3_server.empty()


@pytest.fixture
def signing_s3_bucket(s3_bucket: S3Bucket) -> S3Bucket:
    """An empty bucket on a server that checks signatures and presigned-URL expiry (MinIO).

    moto checks neither, so with moto the test is skipped and says why: the one exception to
    "a missing server is an error", because moto is a complete stand-in for everything else.
    """
    if not s3_bucket.verifies_signatures:
        pytest.skip(
            "needs a real MinIO (moto does not verify signatures or presigned-URL expiry): "
            "put a `minio` binary on PATH or set PHOTOAPP_TEST_S3_URL (compose/README.md)"
        )
    return s3_bucket


@pytest.fixture
def stack_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., Stack]]:
    """Start Stacks on the tree under test (or `tree=`); all are stopped after the test.

    stack = stack_factory(StackSpec(postgres=1, app_server="gunicorn"))
    requests.get(stack.base_url + "/healthz")
    """
    started: list[Stack] = []

    def make(
        spec: StackSpec,
        tree: Path | None = None,
        extra_env: dict[str, str] | None = None,
        **options: Any,
    ) -> Stack:
        if tree is None:
            tree = request.getfixturevalue("impl_tree")
        stack = Stack(spec, tree, extra_env, quiet=True, **options)
        started.append(stack)
        stack.start()
        return stack

    yield make
    for stack in reversed(started):
        stack.stop()
