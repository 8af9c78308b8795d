"""Every figure the portal shows, defined once.

The dashboard, the API, the CSV and XLSX downloads and the reports all compute their
figures through these definitions, and the dashboard's "How the figures are computed"
and the API schema print `DEFINITIONS`. Each figure is taken "as at" a date: the end of
that day. Events dated after it (a late receipt, a later verification) never change it,
so a report for an old month reads the same whenever it is generated again.

The definitions name the fields they read (a tranche's `planned_date`, `received_date`)
but no model: this module sits below every app.
"""

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

ZERO = Decimal("0")
PERCENT_PLACES = Decimal("0.1")
CANCELLED = "cancelled"

USD_POLICY = (
    "Received amounts are converted to USD at the UN operational rate of the month the "
    "money arrived. Amounts not yet received (planned tranches, to receive, overdue) and "
    "the commitment itself are converted at the agreement's rate, the rate of the month it "
    "was signed, so an unpaid amount has one USD value wherever it appears. Spending is "
    "converted at the rate of the month it was spent. Only USD figures are added across "
    "currencies."
)

DEFINITIONS: dict[str, str] = {
    "committed": "The agreement's amount, in its currency, counted whole from its signing.",
    "planned": "Tranches planned (by planned date) in the period, received or not.",
    "received": "Tranches received on or before the as-at date (and in the period, if one "
    "is set), at their received amount.",
    "to_receive": "Committed minus received as at the date, in the donor's currency.",
    "overdue": "Tranches planned before the as-at date and not received by the end of it "
    "(a tranche received later still counts as overdue for that date; one planned on the "
    "date itself is due, not overdue).",
    "allocated": "The parts of commitments allocated to projects, counted whole.",
    "spent": "Expenditure dated in the period, attributed to each agreement in proportion "
    "to its allocation's share of all allocations to the project.",
    "balance": "Received minus spent.",
    "burn_rate": "Spent against the allocation's planned pace over the part of the period "
    "elapsed by the as-at date (1.00 = on plan).",
    "percent_received": "Received as a share of committed, in the donor's currency (never "
    "in USD, whose rates differ between commitment and receipt).",
    "percent_complete": "The mean, over the activities that are not cancelled, of each "
    "activity's percent complete in its latest verified update up to the quarter; an "
    "activity with no verified update counts as 0%.",
}

LABELS: dict[str, str] = {
    "committed": "Committed",
    "planned": "Planned",
    "received": "Received",
    "to_receive": "To receive",
    "overdue": "Overdue",
    "allocated": "Allocated",
    "spent": "Spent",
    "balance": "Balance",
    "burn_rate": "Burn rate",
    "percent_received": "Received, % of committed",
    "percent_complete": "Percent complete",
}


def labelled_definitions() -> list[tuple[str, str]]:
    """(label, definition) of every figure, for pages that explain them."""
    return [(LABELS[name], text) for name, text in DEFINITIONS.items()]


# --- Tranches -----------------------------------------------------------------------------


def tranche_received_q(as_at: datetime.date) -> Q:
    """Tranches received by the end of `as_at`."""
    return Q(received_date__isnull=False, received_date__lte=as_at)


def tranche_overdue_q(as_at: datetime.date) -> Q:
    """Tranches overdue as at `as_at`: planned before it, not received by the end of it."""
    not_received = Q(received_date__isnull=True) | Q(received_date__gt=as_at)
    return Q(planned_date__lt=as_at) & not_received


def tranche_is_overdue(
    *, planned_date: datetime.date, received_date: datetime.date | None, as_at: datetime.date
) -> bool:
    """tranche_overdue_q for one tranche already loaded."""
    return planned_date < as_at and (received_date is None or received_date > as_at)


# --- Amounts ------------------------------------------------------------------------------


def to_receive(*, committed: Decimal, received: Decimal) -> Decimal:
    return committed - received


def unreceived_usd(amount: Decimal, *, agreement_rate: Decimal) -> Decimal:
    """The USD value of an amount not yet received (USD_POLICY), to the cent."""
    return (amount * agreement_rate).quantize(Decimal("0.01"), ROUND_HALF_UP)


def balance(*, received: Decimal, spent: Decimal) -> Decimal:
    return received - spent


def percent_of(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """`part` as a percentage of `whole`, both in one currency; None without a whole."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT_PLACES, ROUND_HALF_UP)


def burn_rate(
    *,
    spent: Decimal,
    planned: Decimal,
    start: datetime.date | None,
    end: datetime.date | None,
    window_from: datetime.date | None,
    as_of: datetime.date,
) -> Decimal | None:
    """spent / (planned x elapsed share of start..end counted from window_from up to as_of);
    None when nothing is planned or none of the period has elapsed."""
    if not planned or start is None or end is None or end < start:
        return None
    first = max(start, window_from) if window_from else start
    last = min(end, as_of)
    elapsed = (last - first).days + 1
    if elapsed <= 0:
        return None
    expected = planned * Decimal(elapsed) / Decimal((end - start).days + 1)
    return (spent / expected).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- Progress -----------------------------------------------------------------------------


def percent_complete(activities: Iterable[tuple[str | None, int | Decimal | None]]) -> Decimal:
    """DEFINITIONS["percent_complete"] over (latest verified status, percent) pairs, None
    for an activity with no verified update."""
    counted = [Decimal(percent or 0) for status, percent in activities if status != CANCELLED]
    if not counted:
        return ZERO.quantize(PERCENT_PLACES)
    return (sum(counted) / len(counted)).quantize(PERCENT_PLACES, ROUND_HALF_UP)


def percent_complete_rounded(mean: Decimal | float | None) -> Decimal | None:
    """A database mean of the same figure, rounded the same way (None: no activity)."""
    if mean is None:
        return None
    return Decimal(str(mean)).quantize(PERCENT_PLACES, ROUND_HALF_UP)
