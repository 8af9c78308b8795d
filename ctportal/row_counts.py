"""Exact row counts of the largest tables, kept by PostgreSQL itself (issue 14).

A list page that is not the last must say how many rows there are, and COUNT(*) over
half a million tranches took 100 ms, most of a page's time and all of the CPUs at once
(a parallel scan). A table kept here has statement-level triggers that add each
statement's inserted rows and take away its deleted ones (COPY included), and TRUNCATE
starts it again at 0, in the same transaction as the rows: a count read here is exactly
the COUNT(*) the same snapshot would give, whoever wrote the rows and however.

The counts are deltas, one row per writing statement, so concurrent writers never wait on
one another; a reader that finds many folds them into one (`_fold`). Elsewhere (SQLite,
a table without triggers, a filtered list) the paginator counts as before.

An app keeps a table with `keep(Model)` in its AppConfig.ready() and installs the
triggers with a migration: `migrations.RunPython(install(table), uninstall(table))`.
"""

from django.db import connections
from django.db.models import ForeignObjectRel, QuerySet
from django.db.models.sql.constants import LOUTER
from django.db.models.sql.datastructures import BaseTable

TABLE = "ctportal_row_count"
# Deltas a reader folds into one row once there are more of them than this.
FOLD_AFTER = 200

_kept: set[str] = set()

CREATE_SQL = f"""
CREATE TABLE {TABLE} (table_name text NOT NULL, delta bigint NOT NULL);
CREATE INDEX {TABLE}_table_name ON {TABLE} (table_name);
CREATE FUNCTION {TABLE}_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} (table_name, delta)
    SELECT TG_TABLE_NAME, count(*) FROM inserted_rows HAVING count(*) > 0;
    RETURN NULL;
END $$;
CREATE FUNCTION {TABLE}_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} (table_name, delta)
    SELECT TG_TABLE_NAME, -count(*) FROM deleted_rows HAVING count(*) > 0;
    RETURN NULL;
END $$;
CREATE FUNCTION {TABLE}_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {TABLE} WHERE table_name = TG_TABLE_NAME;
    INSERT INTO {TABLE} (table_name, delta) VALUES (TG_TABLE_NAME, 0);
    RETURN NULL;
END $$;
"""
DROP_SQL = f"""
DROP TABLE IF EXISTS {TABLE};
DROP FUNCTION IF EXISTS {TABLE}_inserted();
DROP FUNCTION IF EXISTS {TABLE}_deleted();
DROP FUNCTION IF EXISTS {TABLE}_truncated();
"""


def _postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def create(apps, schema_editor) -> None:
    """The counts' table and trigger functions (a migration of ctportal's)."""
    if _postgres(schema_editor):
        schema_editor.execute(CREATE_SQL)


def drop(apps, schema_editor) -> None:
    if _postgres(schema_editor):
        schema_editor.execute(DROP_SQL)


def install(table: str):
    """A migration's forward step: `table`'s triggers, and its count as it stands."""

    def forward(apps, schema_editor) -> None:
        if not _postgres(schema_editor):
            return
        for event, rows, function in (
            ("INSERT", "NEW TABLE AS inserted_rows", "inserted"),
            ("DELETE", "OLD TABLE AS deleted_rows", "deleted"),
        ):
            schema_editor.execute(
                f"CREATE TRIGGER {table}_row_count_{function} AFTER {event} ON {table} "
                f"REFERENCING {rows} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION {TABLE}_{function}()"
            )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_row_count_truncated AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_truncated()"
        )
        schema_editor.execute(f"LOCK TABLE {table} IN SHARE MODE")  # no write in between
        schema_editor.execute(f"DELETE FROM {TABLE} WHERE table_name = %s", [table])
        schema_editor.execute(
            f"INSERT INTO {TABLE} (table_name, delta) SELECT %s, count(*) FROM {table}", [table]
        )

    return forward


def uninstall(table: str):
    def backward(apps, schema_editor) -> None:
        if not _postgres(schema_editor):
            return
        for function in ("inserted", "deleted", "truncated"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_row_count_{function} ON {table}")
        schema_editor.execute(f"DELETE FROM {TABLE} WHERE table_name = %s", [table])

    return backward


def keep(model) -> None:
    """Say that `model`'s table has the triggers (its app's migration installs them)."""
    _kept.add(model._meta.db_table)


def _keeps_every_row(join) -> bool:
    """Whether a join leaves the rows as they are: along a foreign key of the row (one row
    or none on the other side), outer, or inner on a key that is never null."""
    if isinstance(join, BaseTable):
        return True
    field = join.join_field
    forward = not isinstance(field, ForeignObjectRel) and (field.many_to_one or field.one_to_one)
    return forward and (join.join_type == LOUTER or not join.nullable)


def _whole_table(queryset: QuerySet) -> bool:
    """Whether counting `queryset` is counting its table: no condition, no DISTINCT, no
    slice, no grouping, and joins (for annotations) only along the row's own foreign
    keys. Ordering and select_related join only at compile time; a count drops them."""
    query = queryset.query
    return (
        not query.where
        and not query.distinct
        and not query.is_sliced
        and not query.combinator
        and query.group_by is None
        and all(_keeps_every_row(join) for join in query.alias_map.values())
        and not any(getattr(a, "contains_aggregate", False) for a in query.annotations.values())
    )


def _fold(cursor, table: str) -> None:
    """The table's deltas as one row; skipped while another reader folds them."""
    cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [f"{TABLE}:{table}"])
    if not cursor.fetchone()[0]:
        return
    cursor.execute(
        f"WITH gone AS (DELETE FROM {TABLE} WHERE table_name = %s RETURNING delta) "
        f"INSERT INTO {TABLE} (table_name, delta) "
        "SELECT %s, sum(delta) FROM gone HAVING count(*) > 0",
        [table, table],
    )


def exact_count(queryset: QuerySet) -> int | None:
    """The number of rows of `queryset` when it is the whole of a kept table on PostgreSQL,
    from its kept count; None when it must be counted."""
    table = queryset.model._meta.db_table
    connection = connections[queryset.db]
    if table not in _kept or connection.vendor != "postgresql" or not _whole_table(queryset):
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT sum(delta), count(*) FROM {TABLE} WHERE table_name = %s", [table])
        total, deltas = cursor.fetchone()
        if deltas > FOLD_AFTER:
            _fold(cursor, table)
    return None if deltas == 0 else int(total)
