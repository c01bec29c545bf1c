"""Fixtures of the shared-code tests: the JSON API client and two users on memory backends."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.api import Account, Api


@pytest.fixture
def api(client: Any) -> Api:
    """The JSON API of a fresh app on memory backends."""
    return Api(client)


@pytest.fixture
def ann(api: Api) -> Account:
    """A registered user, ann."""
    return api.account("ann")


@pytest.fixture
def bob(api: Api) -> Account:
    """A registered user, bob."""
    return api.account("bob")
