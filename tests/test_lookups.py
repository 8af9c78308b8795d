"""AnyOf (ctportal.lookups) keeps exactly the rows whose value is one of the ids given, and
on PostgreSQL hands the ids over as one array parameter, not one placeholder each."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from ctportal.lookups import AnyOf
from projects.models import NapArea
from tests.factories import NapAreaFactory


@pytest.mark.django_db
def test_keeps_exactly_the_rows_named():
    areas = [NapAreaFactory() for _ in range(5)]
    wanted = [areas[0].pk, areas[3].pk, areas[4].pk, 10**9]  # one id no row has
    found = NapArea.objects.filter(AnyOf(F("id"), wanted)).values_list("id", flat=True)
    assert sorted(found) == sorted([areas[0].pk, areas[3].pk, areas[4].pk])


@pytest.mark.django_db
def test_no_ids_keep_no_row():
    NapAreaFactory()
    assert not NapArea.objects.filter(AnyOf(F("id"), [])).exists()


@pytest.mark.django_db
def test_postgres_gets_one_array_parameter(require_postgres):
    ids = list(range(1, 501))
    with CaptureQueriesContext(connection) as captured:
        list(NapArea.objects.filter(AnyOf(F("id"), ids)))
    sql = captured.captured_queries[-1]["sql"]
    assert "= ANY(" in sql
    assert " IN (" not in sql
