"""Rows into PostgreSQL with COPY, and the guards that keep scale data off real databases.

COPY bypasses the services on purpose: a million rows through the ORM's per-row checks
would take hours. The generator keeps every rule itself, and its test checks the rules
on the rows it wrote.
"""

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Model

from donors.models import FundingAgreement
from organisations.models import Organisation
from projects.models import Project


class RefusedError(Exception):
    """The database is not one scale data may be written to."""


def refuse_unless_allowed(*, force: bool) -> None:
    """PostgreSQL only (COPY, and the point is to measure it), never production, and an
    empty portal unless the caller said --force (which then empties it first)."""
    if connection.vendor != "postgresql":
        raise RefusedError("Scale data is for PostgreSQL only (set DATABASE_URL=postgres://...).")
    if getattr(settings, "CTPORTAL_PRODUCTION", False):
        raise RefusedError("Refusing to write synthetic data under production settings.")
    in_use = any(m.objects.exists() for m in (Organisation, Project, FundingAgreement))
    if in_use and not force:
        raise RefusedError(
            f"{connection.settings_dict['NAME']} already holds organisations, projects or "
            "agreements. Use a database of its own, or --force to empty it first."
        )


def empty_portal_tables(models: Sequence[type[Model]]) -> None:
    """TRUNCATE every table the portal's apps own (and users), restarting their ids."""
    tables = sorted({m._meta.db_table for m in models})
    with connection.cursor() as cursor:
        # Rows written earlier in the same transaction leave deferred foreign-key checks
        # pending, and TRUNCATE refuses to run past them: run them now, defer again after.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def copy_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY rows (values in `fields` order, by attribute name such as `project_id`) into
    the model's table; returns how many were written."""
    meta = model._meta
    columns = ", ".join(meta.get_field(name).column for name in fields)
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3's own cursor, below Django's wrapper
        with raw.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def reset_sequences(models: Sequence[type[Model]]) -> None:
    """Rows written with explicit ids leave the id sequences behind; move them past."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)
