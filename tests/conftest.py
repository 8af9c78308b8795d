import os

import pytest
from django.db import connection

from organisations.models import Role
from tests.factories import user_with_role

REQUIRE_REAL_SERVICES = os.environ.get("CTPORTAL_REQUIRE_REAL_SERVICES") == "1"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded evidence and generated reports go to a throwaway folder per test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def require_postgres():
    """Row locks and concurrency need PostgreSQL; in CI its absence is a failure."""
    if connection.vendor != "postgresql":
        if REQUIRE_REAL_SERVICES:
            pytest.fail("This test needs PostgreSQL (set DATABASE_URL=postgres://...).")
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/x")


@pytest.fixture
def manager(db):
    return user_with_role(Role.PROGRAMME_MANAGER, username="manager")


@pytest.fixture
def ewg_secretary(db):
    return user_with_role(Role.EWG_SECRETARIAT, username="ewg")


@pytest.fixture
def administrator(db):
    return user_with_role(Role.ADMINISTRATOR, username="admin")
