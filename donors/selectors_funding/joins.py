"""Joining a grouped subquery (a derived table) to a queryset, which the ORM has no API for.

The figure families need per-project and per-agreement sums (a project's spending, every
allocation to it, an agreement's receipts) next to each allocation or expenditure row. As
correlated subqueries those sums are evaluated again for every joined row, and
PostgreSQL's planner multiplies their cost by its row estimate, which also turns on JIT
compilation (seconds of it, for a result of four rows). Joined once as
``LEFT OUTER JOIN (SELECT key, SUM(...) ... GROUP BY key) alias ON alias.key = row.fk``,
each sum is computed once per project or agreement, in one pass over its table, and the
expressions that use it are unchanged: the same per-row arithmetic on the same values.
"""

from django.db.models import Expression, F, QuerySet
from django.db.models.sql.constants import LOUTER
from django.db.models.sql.datastructures import BaseTable

GROUP_KEY = "group_key"


class GroupedJoin:
    """One entry of Query.alias_map: ``LEFT OUTER JOIN (grouped) alias ON alias.group_key =
    parent.column``. It provides what the compiler and Query use of Django's Join; Django
    has no public API for a derived table (it is pinned in pyproject.toml, and
    tests/donors/test_funding_selectors.py pins the figures computed through this)."""

    join_type = LOUTER
    nullable = True
    filtered_relation = None

    def __init__(self, grouped: QuerySet, *, alias: str, parent_alias: str, parent_column: str):
        self.grouped = grouped
        self.table_name = alias
        self.table_alias = alias
        self.parent_alias = parent_alias
        self.parent_column = parent_column

    def as_sql(self, compiler, connection):
        # elide_empty=False: an empty grouped subquery is "WHERE 0 = 1", never an empty
        # outer result (the join is an outer one).
        inner = self.grouped.query.get_compiler(connection=connection, elide_empty=False)
        sql, params = inner.as_sql()
        qn = connection.ops.quote_name
        alias = qn(self.table_alias)
        on = f"{qn(self.parent_alias)}.{qn(self.parent_column)} = {alias}.{qn(GROUP_KEY)}"
        return f"LEFT OUTER JOIN ({sql}) {alias} ON ({on})", tuple(params)

    def relabeled_clone(self, change_map):
        return GroupedJoin(
            self.grouped,
            alias=change_map.get(self.table_alias, self.table_alias),
            parent_alias=change_map.get(self.parent_alias, self.parent_alias),
            parent_column=self.parent_column,
        )

    def promote(self):
        return self

    def demote(self):
        # Rows without a group (a project with no spending) must stay: always an outer join.
        return self


class GroupedColumn(Expression):
    """A column of a GroupedJoin's derived table, for use inside the outer query's
    expressions."""

    def __init__(self, alias: str, column: str, output_field):
        super().__init__(output_field=output_field)
        self.alias = alias
        self.column = column

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.alias}.{self.column})"

    def as_sql(self, compiler, connection):
        qn = connection.ops.quote_name
        return f"{qn(self.alias)}.{qn(self.column)}", []

    def relabeled_clone(self, change_map):
        return self.__class__(
            change_map.get(self.alias, self.alias), self.column, self.output_field
        )

    def get_group_by_cols(self):
        return [self]


def join_grouped(queryset: QuerySet, grouped: QuerySet, *, alias: str, on: str) -> QuerySet:
    """`queryset` with `grouped` (a values(group_key=...).annotate(...) queryset) LEFT JOINed
    where its group_key equals the column of the field `on` of `queryset`'s model."""
    joined = queryset.all()
    query = joined.query
    parent_alias = query.get_initial_alias()
    column = queryset.model._meta.get_field(on).column
    query.alias_map[alias] = GroupedJoin(
        grouped, alias=alias, parent_alias=parent_alias, parent_column=column
    )
    query.alias_refcount[alias] = 1
    return joined


def grouped_by(queryset: QuerySet, key: str, **sums) -> QuerySet:
    """`queryset` grouped by the column `key` (named GROUP_KEY), with the aggregates `sums`."""
    return queryset.order_by().values(**{GROUP_KEY: F(key)}).annotate(**sums)


class DerivedTable(BaseTable):
    """A query's base table replaced by ``(part UNION ALL part ...) alias``: rows of the
    model's shape gathered from several tables (the month totals and the live rows of
    donors.selectors_funding.sources). Each part is a values() queryset selecting at
    least `columns`; they are read by name, so their own column order does not matter."""

    def __init__(self, table_name: str, alias: str, parts: tuple[QuerySet, ...], columns):
        super().__init__(table_name, alias)
        self.parts = parts
        self.columns = tuple(columns)

    def as_sql(self, compiler, connection):
        qn = connection.ops.quote_name
        names = ", ".join(qn(column) for column in self.columns)
        selects, params = [], []
        for n, part in enumerate(self.parts):
            inner = part.query.get_compiler(connection=connection, elide_empty=False)
            sql, part_params = inner.as_sql()
            selects.append(f"SELECT {names} FROM ({sql}) {qn(f'part{n}')}")
            params.extend(part_params)
        return f"({' UNION ALL '.join(selects)}) {qn(self.table_alias)}", tuple(params)

    def relabeled_clone(self, change_map):
        alias = change_map.get(self.table_alias, self.table_alias)
        return DerivedTable(self.table_name, alias, self.parts, self.columns)

    @property
    def identity(self):
        return self.__class__, self.table_name, self.table_alias, id(self.parts)


def from_parts(model, parts: tuple[QuerySet, ...], columns) -> QuerySet:
    """`model.objects.all()` reading the rows of `parts` (each a values() queryset naming
    the model's `columns`) instead of the model's table."""
    queryset = model._base_manager.all()
    query = queryset.query
    alias = query.get_initial_alias()
    query.alias_map[alias] = DerivedTable(model._meta.db_table, alias, parts, columns)
    return queryset
