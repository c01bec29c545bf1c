"""The BlobStore contract: what every blob store (memory, local folder, S3 ...) must do."""

from __future__ import annotations

import os

import pytest


def test_put_then_get_returns_the_same_bytes(blob_store):
    """Bytes stored under a key come back unchanged, every byte value included."""
    data = bytes(range(256)) * 4
    blob_store.put("photos/abc123.jpg", data, "image/jpeg")
    assert blob_store.get("photos/abc123.jpg") == data


def test_put_replaces_what_was_there(blob_store):
    """A second put under the same key replaces the first."""
    blob_store.put("photos/same.png", b"first", "image/png")
    blob_store.put("photos/same.png", b"second", "image/png")
    assert blob_store.get("photos/same.png") == b"second"


def test_keys_are_independent(blob_store):
    """Different keys, even in different folders, hold different bytes."""
    blob_store.put("photos/one.jpg", b"photo", "image/jpeg")
    blob_store.put("thumbs/one.jpg", b"thumb", "image/jpeg")
    assert (blob_store.get("photos/one.jpg"), blob_store.get("thumbs/one.jpg")) == (
        b"photo", b"thumb"
    )


def test_a_missing_key_raises_not_found(blob_store):
    """Getting a key never stored raises NotFound."""
    from photoapp.errors import NotFound

    with pytest.raises(NotFound):
        blob_store.get("photos/never.jpg")


def test_delete_removes_and_tolerates_missing_keys(blob_store):
    """After delete the key is gone; deleting a missing key is not an error."""
    from photoapp.errors import NotFound

    blob_store.put("photos/gone.webp", b"x", "image/webp")
    blob_store.delete("photos/gone.webp")
    with pytest.raises(NotFound):
        blob_store.get("photos/gone.webp")
    blob_store.delete("photos/gone.webp")
    blob_store.delete("photos/never.webp")


def test_large_blobs_round_trip(blob_store):
    """A 5 MB blob comes back byte for byte."""
    data = os.urandom(5 * 1024 * 1024)
    blob_store.put("photos/big.jpg", data, "image/jpeg")
    assert blob_store.get("photos/big.jpg") == data


def test_ping_answers(blob_store):
    """ping returns quietly while the store is writable."""
    assert blob_store.ping() is None


def test_every_port_method_is_there_with_its_parameters(blob_store):
    """The adapter has every method of the BlobStore protocol, with the same parameter names."""
    import inspect

    from photoapp.ports import BlobStore

    wanted = {name: inspect.signature(member) for name, member in vars(BlobStore).items()
              if callable(member) and not name.startswith("_")}
    for name, signature in wanted.items():
        method = getattr(blob_store, name, None)
        assert callable(method), f"{type(blob_store).__name__} has no method {name}()"
        expected = [p for p in signature.parameters if p != "self"]
        assert list(inspect.signature(method).parameters) == expected, (
            f"{type(blob_store).__name__}.{name}{inspect.signature(method)} should take {expected}"
        )
