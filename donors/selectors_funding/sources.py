"""Where the figure families read tranches and spending (issue 14): the year totals
(donors.models.DisbursementYear, ExpenditureYear, ExpenditureCategoryYear) for every year
a figure counts whole, the month totals (DisbursementMonth, ExpenditureMonth) for the
whole months of the other years, and the tranches and expenditures themselves for the
months it cuts.

A figure's conditions compare a date with a few days: the period's first and last, and
the as-at day (ctportal.figures: overdue = planned before it, not received by its end).
Every day of a month (or year) that contains none of those days (or has one only where
it cannot split it: the first day as a "from", the last as a "to") meets the conditions
alike, so its total may stand in for its rows, dated on its first day. A month that such
a day does split is read row by row, with the rows' own dates (a month a day splits lies
in a year it splits, so the three parts never overlap). The figures then run the same
conditions, keys and sums over those rows as over the rows alone, so every figure is
what the rows give (a sum of sums is the sum; only a count becomes a sum of counts).

Each source is a queryset of the month totals' model whose FROM is ``(totals of whole
years UNION ALL totals of the other whole months UNION ALL the rows of the cut months)``
(joins.from_parts): one query, as before. Without a period, as at today, that is the
year totals but this year's, this year's months but this one, and this month's rows.
"""

import datetime
from collections.abc import Iterable

from django.db.models import F, Q, QuerySet, Value
from django.db.models.fields import PositiveIntegerField

from donors.models import (
    Disbursement,
    DisbursementMonth,
    DisbursementYear,
    ExpenditureCategoryYear,
    ExpenditureMonth,
    ExpenditureYear,
)
from donors.selectors_funding.joins import from_parts
from donors.selectors_funding.rows import in_period
from donors.selectors_funding.scope import FundingScope
from donors.services.totals import month_of, year_of
from projects.models import Expenditure

# False: every figure reads the rows alone, as before the totals (tests compare the two).
READ_TOTALS = True

Period = tuple[datetime.date, datetime.date]


def cut_periods(
    *,
    lower: Iterable[datetime.date | None],
    upper: Iterable[datetime.date | None],
    period=month_of,
) -> list[Period]:
    """The periods (first and last day) that a condition's day splits: `lower` days of
    conditions "on or after" (or "before") the day, which split their period unless they
    are its first day; `upper` days of conditions "on or before" (or "after") the day,
    which split it unless they are its last."""
    cut = set()
    for day in lower:
        if day is not None and period(day)[0] != day:
            cut.add(period(day))
    for day in upper:
        if day is not None and period(day)[1] != day:
            cut.add(period(day))
    return sorted(cut)


def _within(column: str, periods: list[Period]) -> Q:
    """`column` inside one of `periods` (an empty Q, no condition, for none: callers
    only use it for periods they have)."""
    q = Q()
    for first, last in periods:
        q |= Q(**{f"{column}__range": (first, last)})
    return q


# --- Tranches ---------------------------------------------------------------------------------

TRANCHE_COLUMNS = (
    "agreement_id",
    "planned_month",
    "received_month",
    "tranches",
    "planned_amount",
    "planned_amount_usd",
    "received_amount",
    "received_amount_usd",
)
_TRANCHE_SUMS = TRANCHE_COLUMNS[3:]


def _of(column: str, keys: QuerySet | None) -> Q:
    """Rows whose `column` is one of `keys` (a queryset of them); no condition for None."""
    return Q() if keys is None else Q(**{f"{column}__in": keys})


def tranche_source(scope: FundingScope, agreements: QuerySet | None) -> QuerySet[DisbursementMonth]:
    """Every tranche of `agreements` (a queryset of their keys; None: of every agreement),
    as DisbursementMonth rows: the totals of the years and months that the period and the
    as-at day leave whole, and one row per tranche planned or received in a month they
    split (planned_month and received_month then hold its own dates)."""
    filters, as_of = scope.filters, scope.as_of
    mine = _of("agreement_id", agreements)
    # Planned: in the period (from, to) and, for overdue, before the as-at day. Received:
    # in the period and, for overdue, after the as-at day.
    planned = {"lower": (filters.date_from, as_of), "upper": (filters.date_to,)}
    received = {"lower": (filters.date_from,), "upper": (filters.date_to, as_of)}
    rows = (
        Disbursement.objects.order_by()
        .filter(mine)
        .values(
            "agreement_id",
            *_TRANCHE_SUMS[1:],
            planned_month=F("planned_date"),
            received_month=F("received_date"),
            tranches=Value(1, output_field=PositiveIntegerField()),
        )
    )
    if not READ_TOTALS:
        return from_parts(DisbursementMonth, (rows,), TRANCHE_COLUMNS)
    years_p, years_r = (
        cut_periods(**planned, period=year_of),
        cut_periods(**received, period=year_of),
    )
    months_p, months_r = cut_periods(**planned), cut_periods(**received)
    years = DisbursementYear.objects.order_by().filter(mine)
    if years_p:
        years = years.exclude(_within("planned_year", years_p))
    if years_r:
        years = years.exclude(_within("received_year", years_r))
    parts = [
        years.values(
            "agreement_id",
            *_TRANCHE_SUMS,
            planned_month=F("planned_year"),
            received_month=F("received_year"),
        )
    ]
    if years_p or years_r:
        in_cut_years = _within("planned_month", years_p) | _within("received_month", years_r)
        months = DisbursementMonth.objects.order_by().filter(mine, in_cut_years)
        if months_p:
            months = months.exclude(_within("planned_month", months_p))
        if months_r:
            months = months.exclude(_within("received_month", months_r))
        parts.append(months.values(*TRANCHE_COLUMNS))
    if months_p or months_r:
        parts.append(
            rows.filter(_within("planned_date", months_p) | _within("received_date", months_r))
        )
    return from_parts(DisbursementMonth, tuple(parts), TRANCHE_COLUMNS)


# --- Spending -------------------------------------------------------------------------------

_SPENDING_COLUMNS = ("project_id", "month", "amount_usd")


def spending_months(scope: FundingScope, projects: QuerySet | None) -> QuerySet[ExpenditureMonth]:
    """Every expenditure of `projects` (a queryset of their keys; None: of every project)
    dated in the period, as ExpenditureMonth rows (project, month, amount_usd): the totals
    of the years and months the period leaves whole and the expenditures of the months it
    splits (month then holds the expenditure's own date)."""
    filters = scope.filters
    mine = _of("project_id", projects)
    rows = (
        Expenditure.objects.order_by()
        .filter(mine, in_period(filters, "spent_on"))
        .values("project_id", "amount_usd", month=F("spent_on"))
    )
    if not READ_TOTALS:
        return from_parts(ExpenditureMonth, (rows,), _SPENDING_COLUMNS)
    bounds = {"lower": (filters.date_from,), "upper": (filters.date_to,)}
    cut_years, cut_months = cut_periods(**bounds, period=year_of), cut_periods(**bounds)
    years = ExpenditureYear.objects.order_by().filter(mine, in_period(filters, "year"))
    if cut_years:
        years = years.exclude(_within("year", cut_years))
    parts = [years.values("project_id", "amount_usd", month=F("year"))]
    if cut_years:
        months = ExpenditureMonth.objects.order_by().filter(
            mine, _within("month", cut_years), in_period(filters, "month")
        )
        if cut_months:
            months = months.exclude(_within("month", cut_months))
        parts.append(months.values(*_SPENDING_COLUMNS))
    if cut_months:
        parts.append(rows.filter(_within("spent_on", cut_months)))
    return from_parts(ExpenditureMonth, tuple(parts), _SPENDING_COLUMNS)


def spending_category_years(
    scope: FundingScope, projects: QuerySet | None
) -> QuerySet[ExpenditureCategoryYear]:
    """Every expenditure of `projects` (None: of every project) dated in the period, as
    ExpenditureCategoryYear rows (project, year, category, amount_usd): the totals of the
    years the period leaves whole and the expenditures of the years it splits (year then
    holds its own date)."""
    columns = ("project_id", "year", "category", "amount_usd")
    filters = scope.filters
    mine = _of("project_id", projects)
    rows = (
        Expenditure.objects.order_by()
        .filter(mine, in_period(filters, "spent_on"))
        .values("project_id", "category", "amount_usd", year=F("spent_on"))
    )
    if not READ_TOTALS:
        return from_parts(ExpenditureCategoryYear, (rows,), columns)
    cut = cut_periods(lower=(filters.date_from,), upper=(filters.date_to,), period=year_of)
    years = ExpenditureCategoryYear.objects.order_by().filter(mine, in_period(filters, "year"))
    parts = [
        years.exclude(_within("year", cut)).values(*columns) if cut else years.values(*columns)
    ]
    if cut:
        parts.append(rows.filter(_within("spent_on", cut)))
    return from_parts(ExpenditureCategoryYear, tuple(parts), columns)
