"""The PhotoOwners contract: photo id -> user id, for every adapter (memory, Redis buckets)."""

from __future__ import annotations


def test_an_unknown_photo_has_no_owner(photo_owners):
    """owner_of is None for a photo the map was never told about."""
    assert photo_owners.owner_of(424242) is None


def test_owners_are_recorded_and_read_back(photo_owners):
    """set_owners records many pairs; owner_of reads each back, across bucket edges."""
    pairs = {1: 10, 999: 11, 1000: 12, 1001: 13, 1_234_567: 14, 2**40 + 5: 15}
    photo_owners.set_owners(pairs)
    assert {pid: photo_owners.owner_of(pid) for pid in pairs} == pairs
    assert photo_owners.owner_of(2) is None


def test_a_second_set_replaces_the_owner(photo_owners):
    """Recording a photo again replaces its owner."""
    photo_owners.set_owners({7: 1})
    photo_owners.set_owners({7: 2})
    assert photo_owners.owner_of(7) == 2


def test_forget_removes_one_photo(photo_owners):
    """forget removes that photo only; forgetting an unknown photo is no error."""
    photo_owners.set_owners({5: 1, 6: 1})
    photo_owners.forget(5)
    photo_owners.forget(424242)
    assert (photo_owners.owner_of(5), photo_owners.owner_of(6)) == (None, 1)


def test_an_empty_set_is_fine(photo_owners):
    """set_owners({}) does nothing."""
    photo_owners.set_owners({})
    assert photo_owners.owner_of(1) is None


def test_every_port_method_is_there_with_its_parameters(photo_owners):
    """The adapter has every method of the PhotoOwners protocol, with the same parameters."""
    import inspect

    from photoapp.ports import PhotoOwners

    wanted = {name: inspect.signature(member) for name, member in vars(PhotoOwners).items()
              if callable(member) and not name.startswith("_")}
    for name, signature in wanted.items():
        method = getattr(photo_owners, name, None)
        assert callable(method), f"{type(photo_owners).__name__} has no method {name}()"
        expected = [p for p in signature.parameters if p != "self"]
        assert list(inspect.signature(method).parameters) == expected, (
            f"{type(photo_owners).__name__}.{name}{inspect.signature(method)} "
            f"should take {expected}"
        )
