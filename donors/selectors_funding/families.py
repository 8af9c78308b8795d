"""Figure families: each is one grouped query whatever the number of rows.

The per-project and per-agreement sums that attribution divides by (a project's spending,
every allocation to it, an agreement's receipts and overdue tranches) are grouped
subqueries joined once by project or agreement (see joins.py), not correlated subqueries
evaluated again for every allocation or expenditure row.

Tranches and spending are read through sources.py (issue 14): the year and month totals
for the years and months a figure counts whole, the rows themselves for the months its
period or as-at day cuts. Their conditions and keys therefore name the month totals'
columns (planned_month, received_month, month; year for spending by category), which
hold the first day of a whole year or month, or a row's own date where it is read live.
"""

from decimal import Decimal
from typing import Literal

from django.db.models import CharField, F, IntegerField, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear, NullIf

from donors.models import Allocation
from donors.selectors_funding.joins import GroupedColumn, grouped_by, join_grouped
from donors.selectors_funding.rows import NUMERIC, ZERO, dividend, in_period, overdue_q, round_money
from donors.selectors_funding.scope import FundingScope
from donors.selectors_funding.sources import (
    spending_category_years,
    spending_months,
    tranche_source,
)

# Per grouping, the key and label columns as reached from an Allocation row.
ALLOCATION_KEYS: dict[str, dict[str, object]] = {
    "agreement": {
        "k": F("agreement_id"),
        "l1": F("agreement__reference"),
        "l2": F("agreement__title"),
        "l3": F("agreement__donor__short_name"),
    },
    "project": {"k": F("project_id"), "l1": F("project__code"), "l2": F("project__title")},
    "sub_programme": {
        "k": F("project__sub_programme_id"),
        "l1": F("project__sub_programme__code"),
        "l2": F("project__sub_programme__title"),
        "l3": F("project__sub_programme__programme__code"),
    },
    "province": {"k": F("project__provinces__code"), "l1": F("project__provinces__name")},
    "year": {"k": ExtractYear("agreement__signed_on")},
}


def group_labels(group_by: str, row: dict) -> tuple[str, str]:
    if group_by == "agreement":
        return row["l1"], f"{row['l3']}: {row['l2']}"
    if group_by == "project":
        return row["l1"], row["l2"]
    if group_by == "sub_programme":
        return f"{row['l3']} {row['l1']}", row["l2"]
    if group_by == "province":
        return (row["l1"] or "No province recorded"), ""
    return str(row["k"]), ""


# --- Per-project and per-agreement sums, each computed once ---------------------------------

# Aliases of the joined grouped subqueries.
_SPENT = "funding_project_spent"
_ALLOCATED = "funding_project_allocated"
_TRANCHES = "funding_agreement_tranches"
_SPENDING = "funding_project_spending"


def _joined(alias: str, column: str) -> Coalesce:
    """A joined sum; 0 where the project or agreement has no row in it."""
    return Coalesce(GroupedColumn(alias, column, NUMERIC), Value(ZERO), output_field=NUMERIC)


def _allocated(scope: FundingScope, column: str) -> QuerySet | None:
    """The keys (`column` of the scope's allocations: project_id, agreement_id) that a
    per-project or per-agreement sum is needed for; None, for every one, when the scope
    counts everything. The sums are joined by that key to the scope's allocations, so no
    other key is ever read: the condition only spares computing them."""
    return None if scope.counts_everything else scope.allocations.values(column)


def _with_project_allocated(scope: FundingScope, queryset: QuerySet) -> QuerySet:
    """Join, by project, all allocations to each project of the scope in USD (every donor's:
    the denominator of the spending share)."""
    projects = _allocated(scope, "project_id")
    allocated = grouped_by(
        Allocation.objects.filter(project__in=projects)
        if projects is not None
        else Allocation.objects.all(),
        "project_id",
        total=Sum("amount_usd"),
    )
    return join_grouped(queryset, allocated, alias=_ALLOCATED, on="project")


def _with_project_spent(scope: FundingScope, queryset: QuerySet) -> QuerySet:
    """Join, by project, each scope project's spending (USD) dated in the period."""
    projects = _allocated(scope, "project_id")
    spent = grouped_by(
        spending_months(scope, projects).filter(in_period(scope.filters, "month")),
        "project_id",
        total=Sum("amount_usd"),
    )
    return join_grouped(queryset, spent, alias=_SPENT, on="project")


def _with_agreement_tranches(scope: FundingScope, queryset: QuerySet) -> QuerySet:
    """Join, by agreement, each scope agreement's receipts in the period and its overdue
    tranches, in its currency and in USD."""
    received, planned, overdue = _tranche_conditions(scope)
    tranches = grouped_by(
        tranche_source(scope, _allocated(scope, "agreement_id")),
        "agreement_id",
        received=Sum("received_amount", filter=received),
        received_usd=Sum("received_amount_usd", filter=received),
        planned=Sum("planned_amount", filter=planned),
        planned_usd=Sum("planned_amount_usd", filter=planned),
        overdue=Sum("planned_amount", filter=overdue),
        overdue_usd=Sum("planned_amount_usd", filter=overdue),
    )
    return join_grouped(queryset, tranches, alias=_TRANCHES, on="agreement")


def _on_months(q: Q) -> Q:
    """`q`, a condition on a tranche's planned_date and received_date, on the columns of
    the tranche source (sources.tranche_source) that hold them."""
    names = {"planned_date": "planned_month", "received_date": "received_month"}
    renamed = Q()
    renamed.connector, renamed.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            renamed.children.append(_on_months(child))
        else:
            lookup, value = child
            field, _, rest = lookup.partition("__")
            renamed.children.append(
                (names.get(field, field) + (f"__{rest}" if rest else ""), value)
            )
    return renamed


def _tranche_conditions(scope: FundingScope) -> tuple[Q, Q, Q]:
    """Received in the period, planned in the period, overdue as at the scope's date
    (rows.overdue_q), on the tranche source's columns."""
    filters = scope.filters
    return (
        in_period(filters, "received_month"),
        in_period(filters, "planned_month"),
        _on_months(overdue_q(scope)),
    )


# --- Families -------------------------------------------------------------------------------

# The tranche sums shared out to allocations in proportion to the commitment they take.
_TRANCHE_SUMS = ("received", "received_usd", "planned", "planned_usd", "overdue", "overdue_usd")


def allocation_family(
    scope: FundingScope, keys: dict[str, object], *, receipts: bool = True, periods: bool = True
) -> list[dict]:
    """Allocated, and the spending (and, unless receipts=False, the receipts, planned and
    overdue tranches) attributed to allocations, per group and currency: one query over Allocation
    joined to the per-project and per-agreement sums; with periods, the earliest start and
    latest end of the group's projects (start, end)."""
    queryset = _with_project_allocated(scope, _with_project_spent(scope, scope.allocations))
    annotations = {
        "p_spent": _joined(_SPENT, "total"),
        "p_alloc": NullIf(_joined(_ALLOCATED, "total"), Value(ZERO)),
    }
    share = F("amount")
    aggregates = {
        "allocated": Sum("amount"),
        "allocated_usd": Sum("amount_usd"),
        "spent": Sum(dividend(share) * F("p_spent") / F("p_alloc"), output_field=NUMERIC),
        "spent_usd": Sum(
            dividend(F("amount_usd")) * F("p_spent") / F("p_alloc"), output_field=NUMERIC
        ),
    }
    if receipts:
        queryset = _with_agreement_tranches(scope, queryset)
        annotations |= {f"a_{name}": _joined(_TRANCHES, name) for name in _TRANCHE_SUMS}
        of_commitment = F("agreement__amount")
        aggregates |= {
            name: Sum(dividend(share) * F(f"a_{name}") / of_commitment, output_field=NUMERIC)
            for name in _TRANCHE_SUMS
        }
    if periods:
        aggregates |= {"start": Min("project__start_date"), "end": Max("project__end_date")}
    return list(
        queryset.annotate(**annotations)
        .order_by()
        .values(**keys, cur=F("agreement__currency"))
        .annotate(**aggregates)
    )


def other_funding_family(scope: FundingScope, group_by: str) -> dict[object, Decimal]:
    """A donor's view: every other donor's allocations to the same projects, per group, USD."""
    if scope.donor is None:
        return {}
    keys = {name: expr for name, expr in ALLOCATION_KEYS[group_by].items() if name == "k"}
    rows = (
        Allocation.objects.filter(project__in=scope.projects.values("pk"))
        .exclude(agreement__donor=scope.donor)
        .order_by()
        .values(**keys)
        .annotate(usd=Sum("amount_usd"))
    )
    return {row["k"]: round_money(row["usd"]) for row in rows}


def tranche_family(
    scope: FundingScope, key: object, received_only: bool = False, by_currency: bool = True
) -> list[dict]:
    """Receipts, planned tranches and overdue tranches of the scope's agreements, grouped by
    `key` (an expression over the tranche source: agreement_id, planned_month,
    received_month) and currency (by_currency=False: by key alone, without joining the
    agreements for it, where the key is the agreement)."""
    received, planned, overdue = _tranche_conditions(scope)
    agreements = None if scope.counts_everything else scope.agreements.values("pk")
    queryset = tranche_source(scope, agreements)
    queryset = queryset.filter(received) if received_only else queryset
    aggregates = {
        "received": Sum("received_amount", filter=received),
        "received_usd": Sum("received_amount_usd", filter=received),
    }
    if not received_only:
        aggregates |= {
            "planned": Sum("planned_amount", filter=planned),
            "planned_usd": Sum("planned_amount_usd", filter=planned),
            "overdue": Sum("planned_amount", filter=overdue),
            "overdue_usd": Sum("planned_amount_usd", filter=overdue),
            # A source row is a month's tranches or one tranche: it counts its tranches.
            "overdue_count": Coalesce(Sum("tranches", filter=overdue), 0),
        }
    keys = {"k": key, "cur": F("agreement__currency")} if by_currency else {"k": key}
    return list(queryset.order_by().values(**keys).annotate(**aggregates))


def spending_pairs(
    scope: FundingScope, by: Literal["year", "category"], by_currency: bool = True
) -> list[dict]:
    """Spending attributed per (calendar year spent or budget category, agreement currency).

    A project's spending in the period is summed per year (or category) first, then each
    in-scope allocation of the project takes spending x allocation / all allocations to
    the project (the allocations of one project add up to its spending): the per-row
    arithmetic runs once per project and year, not once per month or expenditure.
    """
    projects = _allocated(scope, "project_id")
    if by == "year":
        source, column, key = spending_months(scope, projects), "month", ExtractYear("month")
        key_field = IntegerField()
    else:
        source, column, key = spending_category_years(scope, projects), "year", F("category")
        key_field = CharField()
    spending = (
        source.filter(in_period(scope.filters, column))
        .order_by()
        .values(group_key=F("project_id"), k=key)
        .annotate(total=Sum("amount_usd"))
    )
    queryset = join_grouped(scope.allocations, spending, alias=_SPENDING, on="project")
    queryset = (
        _with_project_allocated(scope, queryset)
        .annotate(
            p_alloc=NullIf(_joined(_ALLOCATED, "total"), Value(ZERO)),
            p_key=GroupedColumn(_SPENDING, "k", key_field),
            p_spent=GroupedColumn(_SPENDING, "total", NUMERIC),
        )
        .filter(p_spent__isnull=False)
        .order_by()
    )
    if by_currency:
        queryset = queryset.values(k=F("p_key"), cur=F("agreement__currency"))
    else:
        queryset = queryset.values(k=F("p_key"))
    spent = dividend(F("p_spent"))
    return list(
        queryset.annotate(
            spent=Sum(spent * F("amount") / F("p_alloc"), output_field=NUMERIC),
            spent_usd=Sum(spent * F("amount_usd") / F("p_alloc"), output_field=NUMERIC),
        )
    )
