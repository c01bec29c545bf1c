"""Redis started from the tree's deploy/redis.conf, and Memcached, as local servers."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from pymemcache.client.base import Client

from workshop.services import Stack, StackSpec
from workshop.services.sampletree import write_sample_tree


def test_redis_reads_the_trees_config(tmp_path: Path):
    """deploy/redis.conf is read; the harness's port and no-persistence flags still win."""
    tree = write_sample_tree(tmp_path / "tree")
    (tree / "deploy" / "redis.conf").write_text(
        "maxmemory 12mb\nmaxmemory-policy volatile-lfu\nport 6379\nsave 60 1\n"
    )
    with Stack(StackSpec(redis=True, app_servers=0), tree, run_dir=tmp_path, quiet=True) as st:
        assert st.redis is not None and st.redis.port != 6379
        with redis.Redis.from_url(st.redis.url) as client:
            config = client.config_get("*")
        assert config["maxmemory"] == str(12 * 1024 * 1024)
        assert config["maxmemory-policy"] == "volatile-lfu"
        assert config["save"] == "" and config["appendonly"] == "no"


def test_a_tree_without_a_config_gets_plain_redis(tmp_path: Path):
    """Before lab 05 (no deploy/redis.conf) Redis starts with the harness's flags only."""
    with Stack(StackSpec(redis=True, app_servers=0), tmp_path, run_dir=tmp_path, quiet=True) as st:
        assert st.redis is not None and st.redis.config is None
        with redis.Redis.from_url(st.redis.url) as client:
            assert client.config_get("maxmemory")["maxmemory"] == "0"


def test_the_starter_config_fails_like_a_stub(tmp_path: Path):
    """The starter's `# TODO: Lab 05: ...` line raises NotImplementedError with its text."""
    tree = write_sample_tree(tmp_path / "tree")
    (tree / "deploy" / "redis.conf").write_text(
        "# TODO: Lab 05: write the Redis config, see labs/05-caching/README.md\nmaxmemory 1mb\n"
    )
    stack = Stack(StackSpec(redis=True, app_servers=0), tree, run_dir=tmp_path, quiet=True)
    with pytest.raises(NotImplementedError, match=r"^Lab 05: write the Redis config, see labs"):
        stack.start()
    assert stack.redis is not None and not stack.redis.is_running()


def test_the_workspace_starter_is_recognised():
    """The committed deploy/redis.conf is a starter (and names lab 05 and its guide)."""
    from workshop.services.redis import check_config

    with pytest.raises(NotImplementedError, match="Lab 05: .*labs/05-caching/README.md"):
        check_config(Path(__file__).resolve().parents[2] / "deploy" / "redis.conf")


def test_memcached_runs_and_is_in_the_stacks_settings(tmp_path: Path):
    """memcached = true starts Debian's memcached and hands its URL to the app servers."""
    spec = StackSpec(memcached=True, app_servers=0)
    with Stack(spec, tmp_path, run_dir=tmp_path, quiet=True) as stack:
        assert stack.memcached is not None
        assert stack.urls()["memcached"] == stack.memcached.url
        client = Client(("127.0.0.1", stack.memcached.port), timeout=5)
        client.set("k", b"v", noreply=False)
        assert client.get("k") == b"v"
        client.close()
        assert stack.env["PHOTOAPP_MEMCACHED_URL"] == stack.memcached.url


def test_memcached_is_a_stack_key():
    """The manifest's [lab.stack] accepts memcached, as a boolean."""
    assert StackSpec.from_manifest({"memcached": True}).memcached is True
    from workshop.services import ServiceError

    with pytest.raises(ServiceError, match="memcached must be true or false"):
        StackSpec(memcached=1)  # type: ignore[arg-type]
