"""A filter on a page's worth of ids that PostgreSQL is handed as one array (issue 14).

`pk__in=ids` with 500 ids writes 500 placeholders that Django prepares one by one, that
psycopg splits and quotes into the statement and that PostgreSQL parses again: some
20 ms a query under load, against 4 ms for `= ANY(%s)` with the ids as one array
parameter. Elsewhere (SQLite) it is the IN list it always was. Use it as a filter
expression: `Model.objects.filter(AnyOf(F("project_id"), ids))`.
"""

from django.db.models import Lookup


class AnyOf(Lookup):
    """`lhs` is one of `rhs` (a list of values of lhs's type)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs_sql} = ANY(%s)", (*lhs_params, values)
        if not values:
            return "1 = 0", tuple(lhs_params)  # nothing is one of no values
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs_sql} IN ({placeholders})", (*lhs_params, *values)
