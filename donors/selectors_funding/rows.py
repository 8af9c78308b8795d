"""The rows every funding figure is returned in, the notes that explain them, and the
arithmetic they share (rounding, periods, burn rate)."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from django.db import connection
from django.db.models import DecimalField, FloatField, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce

from ctportal import figures
from ctportal.money import MINOR_UNITS
from donors.selectors_funding.scope import FundingFilters, FundingScope
from organisations.models import Organisation

GroupBy = Literal["agreement", "project", "sub_programme", "province", "year"]
GROUP_BYS: tuple[str, ...] = ("agreement", "project", "sub_programme", "province", "year")
ZERO = Decimal("0")
# The output type of sums and shares of money: room for a share's places before rounding.
NUMERIC = DecimalField(max_digits=30, decimal_places=10)

ATTRIBUTION_NOTES = {
    "spending": (
        "Spending is recorded per project. Each funding agreement is attributed the share of "
        "a project's spending that its allocation is of all allocations to the project (in "
        "USD); in the agreement's currency the same share of its allocation is shown."
    ),
    "receipts": (
        "On project, sub-programme and province rows, receipts and planned and overdue "
        "tranches are the agreement's, in proportion to the part of its commitment allocated "
        "to the project."
    ),
    "province": (
        "Province figures are those of the projects active in the province: a project that "
        "covers several provinces counts in full in each, so province rows overlap and are "
        "not added up."
    ),
    "currency": "Each row keeps its donor's currency. " + figures.USD_POLICY,
    "burn_rate": "Burn rate: " + figures.DEFINITIONS["burn_rate"],
    "period": (
        "The period filter keeps agreements and projects active in it and counts receipts, "
        "tranches and spending dated in it; commitments and allocations count whole."
    ),
    "other_funding": (
        "Other donors' money on the same projects is shown only as one combined figure, "
        "Other funding (USD)."
    ),
}


@dataclass(frozen=True)
class FundingRow:
    """One group in one currency. `*_usd` figures are at the rates recorded with each row."""

    key: object
    label: str
    detail: str
    currency: str
    committed: Decimal = ZERO
    allocated: Decimal = ZERO
    received: Decimal = ZERO
    spent: Decimal = ZERO
    overdue: Decimal = ZERO
    planned: Decimal = ZERO
    committed_usd: Decimal = ZERO
    allocated_usd: Decimal = ZERO
    received_usd: Decimal = ZERO
    spent_usd: Decimal = ZERO
    overdue_usd: Decimal = ZERO
    planned_usd: Decimal = ZERO
    # Tranches not received by their planned date (agreement and year rows; None where a
    # tranche cannot be attributed whole, as on project rows).
    overdue_count: int | None = None
    burn_rate: Decimal | None = None
    # A donor's view only: every other donor's allocations to the same projects, in USD.
    other_funding_usd: Decimal | None = None
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None

    @property
    def balance(self) -> Decimal:
        return figures.balance(received=self.received, spent=self.spent)

    @property
    def percent_received(self) -> Decimal | None:
        """Received as a share of committed in the row's own currency (ctportal.figures);
        None where nothing is committed in it, as on the USD total across currencies."""
        return figures.percent_of(self.received, self.committed)

    @property
    def balance_usd(self) -> Decimal:
        return figures.balance(received=self.received_usd, spent=self.spent_usd)


@dataclass(frozen=True)
class FundingSummary:
    group_by: str
    rows: list[FundingRow]
    # One row per currency (label = the currency), then `total_usd` across currencies;
    # empty for provinces, whose rows overlap.
    currency_totals: list[FundingRow] = field(default_factory=list)
    total_usd: FundingRow | None = None
    donor: Organisation | None = None

    @property
    def currencies(self) -> list[str]:
        return sorted({row.currency for row in self.rows})


# The quantum of each number of places a currency has (0.01 for 2), made once.
_QUANTA = {places: Decimal(1).scaleb(-places) for places in {2, *MINOR_UNITS.values()}}


def round_money(value: Decimal | float | None, currency: str = "USD") -> Decimal:
    """Round a figure the way every summary does: half-up to the currency's minor unit
    (sums come back with more places, and as floats on SQLite)."""
    places = MINOR_UNITS.get(currency, 2)
    if value is None:
        value = 0
    # A Decimal is its own str() read back (the same digits and exponent): only a float or
    # an int goes through its text, as before.
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(_QUANTA[places], rounding=ROUND_HALF_UP)


def dividend(expression):
    """SQLite keeps whole-number decimals as integers and would divide them as integers, so
    there the numerator becomes REAL (15 significant digits, rounded to the cent after);
    PostgreSQL's numeric is exact."""
    if connection.vendor == "sqlite":
        return Cast(expression, FloatField())
    return expression


def sum_of(queryset: QuerySet, group: str, column: str) -> Coalesce:
    """A correlated subquery: the sum of `column` over `queryset` for one `group` value."""
    totals = queryset.order_by().values(group).annotate(total=Sum(column)).values("total")
    return Coalesce(Subquery(totals, output_field=NUMERIC), Value(ZERO), output_field=NUMERIC)


def in_period(filters: FundingFilters, column: str) -> Q:
    """Rows whose date `column` is set and falls inside the filters' period."""
    q = Q(**{f"{column}__isnull": False})
    if filters.date_from:
        q &= Q(**{f"{column}__gte": filters.date_from})
    if filters.date_to:
        q &= Q(**{f"{column}__lte": filters.date_to})
    return q


def overdue_q(scope: FundingScope) -> Q:
    """Tranches overdue as at the scope's date (ctportal.figures), planned inside the
    period."""
    q = figures.tranche_overdue_q(scope.as_of)
    if scope.filters.date_from:
        q &= Q(planned_date__gte=scope.filters.date_from)
    if scope.filters.date_to:
        q &= Q(planned_date__lte=scope.filters.date_to)
    return q
