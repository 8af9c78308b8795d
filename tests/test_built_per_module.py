"""built_per_module (tests/conftest.py) builds a module's rows once; every test must still
start from exactly those rows, in the database and in memory, whatever the tests before it
wrote or changed, and a test that does not ask for them must not see them."""

import copy

import pytest

from organisations.models import Organisation
from tests.conftest import built_per_module
from tests.factories import OrganisationFactory

builds = []


def _build() -> dict:
    builds.append(1)
    return {"nacta": OrganisationFactory(short_name="NACTA", name="As built")}


rows_built = built_per_module(_build, name="rows_built")


@pytest.fixture
def rows(rows_built, db):
    return copy.deepcopy(rows_built)


@pytest.mark.parametrize("turn", [1, 2, 3])
def test_each_test_starts_from_the_built_rows(rows, turn):
    nacta = rows["nacta"]
    assert nacta.name == "As built"
    assert list(Organisation.objects.values_list("short_name", "name")) == [("NACTA", "As built")]
    # Built once for the module on this worker, not once per test.
    assert len(builds) == 1

    nacta.name = f"Changed by test {turn}"
    nacta.save()
    OrganisationFactory(short_name=f"NEW{turn}")


def test_a_test_that_does_not_ask_for_them_sees_none_of_them(db):
    # Last in the file, first in the run: the module's rows are not built yet.
    assert not Organisation.objects.exists()
