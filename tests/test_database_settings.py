"""Database session settings that suit the portal's short queries (issue 14)."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgresql_sessions_run_without_jit():
    if connection.vendor != "postgresql":
        pytest.skip("JIT is a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


@pytest.mark.django_db
def test_postgresql_sessions_price_random_reads_for_ssd():
    if connection.vendor != "postgresql":
        pytest.skip("random_page_cost is a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone() == ("1.1",)
