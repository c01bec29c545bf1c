"""The Cache contract: what every cache adapter (memory, Redis, Memcached) must do.

Stated once, run against each adapter of tests/contracts/conftest.py. A cache may always
forget (evict) a key: these tests store little and read it back at once, so a correct cache
keeps it.
"""

from __future__ import annotations

import time

import pytest

EXPIRY_WAIT_S = 2.2  # Memcached counts expiry in whole seconds


def test_a_missing_key_is_left_out(cache):
    """get_many leaves out keys it does not have, and answers {} for none."""
    assert cache.get_many(["nothing:here"]) == {}
    assert cache.get_many([]) == {}


def test_set_then_get_many(cache):
    """Values come back as the bytes stored, only for the keys that are there."""
    cache.set_many({"v1:a": b"1", "v1:b": b'{"json": true}'}, ttl=60)
    assert cache.get_many(["v1:a", "v1:b", "v1:c"]) == {"v1:a": b"1", "v1:b": b'{"json": true}'}


def test_values_are_any_bytes(cache):
    """Binary values, empty ones and a 100 kB one survive the round trip."""
    items = {"bin": bytes(range(256)), "empty": b"", "big": b"x" * 100_000}
    cache.set_many(items, ttl=60)
    assert cache.get_many(list(items)) == items


def test_set_replaces(cache):
    """A second set of the same key replaces the value."""
    cache.set_many({"k": b"old"}, ttl=60)
    cache.set_many({"k": b"new"}, ttl=60)
    assert cache.get_many(["k"]) == {"k": b"new"}


def test_many_keys_at_once(cache):
    """A thousand keys go in with one set_many and come back with one get_many."""
    items = {f"v1:photo:{n}": str(n).encode() for n in range(1000)}
    cache.set_many(items, ttl=60)
    assert cache.get_many(list(items)) == items


def test_delete_many(cache):
    """Deleted keys are gone, others stay; deleting a missing key is no error."""
    cache.set_many({"a": b"1", "b": b"2", "c": b"3"}, ttl=60)
    cache.delete_many(["a", "b", "never-set"])
    cache.delete_many([])
    assert cache.get_many(["a", "b", "c"]) == {"c": b"3"}


def test_add_stores_only_when_absent(cache):
    """add is True and stores when the key is absent, False and changes nothing when present."""
    assert cache.add("lock:x", b"first", ttl=60) is True
    assert cache.add("lock:x", b"second", ttl=60) is False
    assert cache.get_many(["lock:x"]) == {"lock:x": b"first"}
    cache.delete_many(["lock:x"])
    assert cache.add("lock:x", b"third", ttl=60) is True


@pytest.mark.timeout(30)
def test_entries_expire_after_their_ttl(cache):
    """A value set for 1 s, and an added one, are gone a little later; a long one stays."""
    cache.set_many({"short": b"1"}, ttl=1)
    cache.set_many({"long": b"2"}, ttl=60)
    assert cache.add("lock:short", b"1", ttl=1) is True
    time.sleep(EXPIRY_WAIT_S)
    assert cache.get_many(["short", "long", "lock:short"]) == {"long": b"2"}
    assert cache.add("lock:short", b"again", ttl=1) is True


def test_keys_with_any_characters(cache):
    """Keys made from user input (spaces, non-ASCII, 300 characters) work like any other."""
    keys = ["v1:username:ann smith", "v1:username:\N{LATIN SMALL LETTER E WITH ACUTE}mile",
            "v1:" + "x" * 300]
    cache.set_many({k: k.encode() for k in keys}, ttl=60)
    assert cache.get_many(keys) == {k: k.encode() for k in keys}


def test_ping_answers(cache):
    """ping returns quietly while the cache is up."""
    assert cache.ping() is None


def test_every_port_method_is_there_with_its_parameters(cache):
    """The adapter has every method of the Cache protocol, with the same parameter names."""
    import inspect

    from photoapp.ports import Cache

    wanted = {name: inspect.signature(member) for name, member in vars(Cache).items()
              if callable(member) and not name.startswith("_")}
    for name, signature in wanted.items():
        method = getattr(cache, name, None)
        assert callable(method), f"{type(cache).__name__} has no method {name}()"
        expected = [p for p in signature.parameters if p != "self"]
        assert list(inspect.signature(method).parameters) == expected, (
            f"{type(cache).__name__}.{name}{inspect.signature(method)} should take {expected}"
        )
