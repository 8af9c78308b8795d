import copy
import itertools

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from organisations.tokens import api_token_create
from tests.api.world import build_world
from tests.conftest import built_per_module


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


_counter = itertools.count(1)


def client_for(user) -> APIClient:
    """An API client holding a real token of `user` (anonymous without one)."""
    client = APIClient()
    if user is not None:
        _, key = api_token_create(user=user, name=f"tests {next(_counter)}")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api_client_for(db):
    return client_for


# Every list resource under /api/v1/.
RESOURCES = [
    "organisations",
    "exchange-rates",
    "programmes",
    "sub-programmes",
    "projects",
    "budget-lines",
    "expenditures",
    "outcomes",
    "outputs",
    "indicators",
    "agreements",
    "allocations",
    "disbursements",
    "workplans",
    "workplan-versions",
    "activities",
    "ewg-meetings",
    "progress-updates",
]


world_built = built_per_module(build_world, name="world_built")


@pytest.fixture
def world(world_built, db):
    """The world of tests/api/world.py, built once per module (built_per_module)."""
    return copy.deepcopy(world_built)
