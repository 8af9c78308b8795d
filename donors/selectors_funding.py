"""Funding figures: the one source of every number on the funding dashboard, its drill-down
pages and exports, the API's aggregate endpoints and the disbursement reports.

Rules (the dashboard states them in words from ATTRIBUTION_NOTES):

* Money belongs to agreements, spending to projects. An agreement's commitment, its
  tranches and receipts are its own. A project's spending (Expenditure) is attributed to
  the agreements that fund it in proportion to their allocations:
  ``spent attributed = project spending (USD) x allocation USD / all allocations to the
  project (USD)``. In the agreement's currency the same share is applied to the
  allocation's amount, i.e. spending is converted at the agreement's recorded rate.
* Receipts attributed to a project (project, sub-programme and province rows, money and
  results): ``agreement receipts x allocation amount / agreement commitment``; unallocated
  commitment keeps its share of receipts at agreement level. Overdue amounts alike.
* Balance = received - spent. Burn rate = spent / (allocated x elapsed share of the
  period), as a Decimal: 1.00 is spending at the planned pace, 0.50 half of it. The period
  is the agreement's (agreement rows), the project's (project rows) or from the earliest
  start to the latest end of the projects in a group (sub-programme, province rows); the
  elapsed share counts the days of that period inside the filter period and up to today.
  Calendar-year rows have no burn rate (plans run per agreement and project, not per year).
* Every row holds one currency: a project funded in CAD and USD has a CAD row and a USD
  row. Only USD figures - sums of the stored ``*_usd`` columns, at the rate recorded with
  each row - are added across currencies.
* Province: a project's figures count in full in every province it covers ("projects
  active in the province"); province rows therefore overlap and are never totalled.
* A donor's view (a donor viewer, or a manager's ``as_donor``) holds only that donor's
  agreements and allocations; other donors' money on the same projects appears only as
  one ``other_funding_usd`` figure per row.
* Filters: the period keeps agreements and projects whose own period overlaps it, and
  counts receipts, tranches and spending dated inside it; commitments and allocations are
  counted whole. Sub-programme, project and province narrow allocations and spending; an
  agreement's commitment, receipts and tranches stay whole on agreement rows.

Each figure family is one grouped query (values().annotate(), sums of other tables as
correlated subqueries), whatever the number of rows; rows of the families are then
matched by key, and the footer totals add up the grouped rows shown.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, ExtractYear, NullIf
from django.utils import timezone

from ctportal.money import MINOR_UNITS
from donors.models import Allocation, Disbursement, FundingAgreement
from donors.selectors import disbursement_list
from organisations.access import can_see_money, donor_of, require, role_of, visible_agreements
from organisations.models import Organisation, Role
from projects.models import BudgetCategory, Expenditure, Project
from workplans.selectors_funding_results import (
    IndicatorResult,
    OutputResult,
    QuarterStatus,
    activities_by_province,
    activity_status_by_quarter,
    mean_share,
    output_results,
)

GroupBy = Literal["agreement", "project", "sub_programme", "province", "year"]
GROUP_BYS: tuple[str, ...] = ("agreement", "project", "sub_programme", "province", "year")
ZERO = Decimal("0")
_NUM = DecimalField(max_digits=30, decimal_places=10)

ATTRIBUTION_NOTES = {
    "spending": (
        "Spending is recorded per project. Each funding agreement is attributed the share of "
        "a project's spending that its allocation is of all allocations to the project (in "
        "USD); in the agreement's currency the same share of its allocation is shown."
    ),
    "receipts": (
        "On project, sub-programme and province rows, receipts are the agreement's receipts "
        "in proportion to the part of its commitment allocated to the project."
    ),
    "province": (
        "Province figures are those of the projects active in the province: a project that "
        "covers several provinces counts in full in each, so province rows overlap and are "
        "not added up."
    ),
    "currency": (
        "Each row keeps its donor's currency; USD figures are at the rate recorded with each "
        "transaction, and only USD figures are added across currencies."
    ),
    "burn_rate": (
        "Burn rate: spending against the allocation's planned pace over the part of the "
        "period elapsed (1.00 = on plan, below 1 = slower, above 1 = faster)."
    ),
    "period": (
        "The period filter keeps agreements and projects active in it and counts receipts, "
        "tranches and spending dated in it; commitments and allocations count whole."
    ),
    "other_funding": (
        "Other donors' money on the same projects is shown only as one combined figure, "
        "Other funding (USD)."
    ),
}


# --- Who looks, and what they may count ------------------------------------------------


@dataclass(frozen=True)
class FundingFilters:
    """What the dashboard is narrowed to; None means not filtered."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    sub_programme_id: int | None = None
    project_id: int | None = None
    province_code: str | None = None
    # Managers and administrators only; a donor's view is always its own donor.
    donor_id: int | None = None

    @property
    def narrows_projects(self) -> bool:
        return any((self.sub_programme_id, self.project_id, self.province_code))


@dataclass(frozen=True)
class FundingScope:
    """The agreements, allocations and projects a figure may count for this viewer."""

    user: object
    donor: Organisation | None
    filters: FundingFilters
    today: datetime.date
    agreements: QuerySet  # FundingAgreement rows listed on agreement tables
    allocations: QuerySet  # Allocation rows whose money and spending are counted
    projects: QuerySet  # Project rows those allocations fund

    @property
    def as_of(self) -> datetime.date:
        """The last day the elapsed share of a period counts up to."""
        if self.filters.date_to and self.filters.date_to < self.today:
            return self.filters.date_to
        return self.today


def funding_viewer_can_choose_donor(user) -> bool:
    """Managers and administrators may look at the figures as a chosen donor sees them."""
    return role_of(user) in (Role.PROGRAMME_MANAGER, Role.ADMINISTRATOR)


def funding_scope(
    *,
    user,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    today: datetime.date | None = None,
) -> FundingScope:
    """The viewer's scope; PermissionDenied for roles without money and for an as_donor
    asked by anyone but a programme manager or administrator."""
    require(can_see_money(user), "Funding figures are for managers and donors only.")
    filters = filters or FundingFilters()
    # organisations.access decides which agreements a user may see: all for managers and
    # administrators, its own for a donor viewer, none for anyone else.
    agreements = visible_agreements(user, FundingAgreement.objects.all())
    if as_donor is not None:
        require(
            funding_viewer_can_choose_donor(user),
            "Only programme managers and administrators can view the figures as a donor.",
        )
        donor = as_donor
        agreements = agreements.filter(donor=donor)
    else:
        donor = donor_of(user)
        if donor is None and filters.donor_id:
            agreements = agreements.filter(donor_id=filters.donor_id)
    projects = Project.objects.all()
    if filters.date_from:
        agreements = agreements.filter(end_date__gte=filters.date_from)
        projects = projects.filter(end_date__gte=filters.date_from)
    if filters.date_to:
        agreements = agreements.filter(start_date__lte=filters.date_to)
        projects = projects.filter(start_date__lte=filters.date_to)
    if filters.sub_programme_id:
        projects = projects.filter(sub_programme_id=filters.sub_programme_id)
    if filters.project_id:
        projects = projects.filter(pk=filters.project_id)
    if filters.province_code:
        projects = projects.filter(provinces__code=filters.province_code)
    allocations = Allocation.objects.filter(
        agreement__in=agreements.values("pk"), project__in=projects.values("pk")
    )
    if filters.narrows_projects:
        agreements = agreements.filter(pk__in=allocations.values("agreement_id"))
    return FundingScope(
        user=user,
        donor=donor,
        filters=filters,
        today=today or timezone.localdate(),
        agreements=agreements,
        allocations=allocations,
        projects=Project.objects.filter(pk__in=allocations.values("project_id")),
    )


# --- Rows -------------------------------------------------------------------------------


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
        return self.received - self.spent

    @property
    def balance_usd(self) -> Decimal:
        return self.received_usd - self.spent_usd


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


def _round(value: Decimal | float | None, currency: str = "USD") -> Decimal:
    """Sums come back with more places (and as floats on SQLite): round half-up to the
    currency's minor unit."""
    places = MINOR_UNITS.get(currency, 2)
    if value is None:
        value = 0
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _exact(expression):
    """SQLite keeps whole-number decimals as integers and would divide them as integers, so
    there the numerator becomes REAL (15 significant digits, rounded to the cent after);
    PostgreSQL's numeric is exact."""
    if connection.vendor == "sqlite":
        return Cast(expression, FloatField())
    return expression


def _sum_of(queryset: QuerySet, group: str, column: str) -> Coalesce:
    """A correlated subquery: the sum of `column` over `queryset` for one `group` value."""
    totals = queryset.order_by().values(group).annotate(total=Sum(column)).values("total")
    return Coalesce(Subquery(totals, output_field=_NUM), Value(ZERO), output_field=_NUM)


def _window(filters: FundingFilters, column: str) -> Q:
    q = Q(**{f"{column}__isnull": False})
    if filters.date_from:
        q &= Q(**{f"{column}__gte": filters.date_from})
    if filters.date_to:
        q &= Q(**{f"{column}__lte": filters.date_to})
    return q


def _overdue_q(scope: FundingScope) -> Q:
    """Tranches not received and planned before today (and planned inside the period)."""
    q = Q(received_date__isnull=True, planned_date__lt=scope.today)
    if scope.filters.date_from:
        q &= Q(planned_date__gte=scope.filters.date_from)
    if scope.filters.date_to:
        q &= Q(planned_date__lte=scope.filters.date_to)
    return q


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


# --- Grouping keys ------------------------------------------------------------------------

# Per grouping, the key and label columns as reached from an Allocation row.
_ALLOCATION_KEYS: dict[str, dict[str, object]] = {
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


def _labels(group_by: str, row: dict) -> tuple[str, str]:
    if group_by == "agreement":
        return row["l1"], f"{row['l3']}: {row['l2']}"
    if group_by == "project":
        return row["l1"], row["l2"]
    if group_by == "sub_programme":
        return f"{row['l3']} {row['l1']}", row["l2"]
    if group_by == "province":
        return (row["l1"] or "No province recorded"), ""
    return str(row["k"]), ""


# --- Figure families ------------------------------------------------------------------------


def _allocation_family(scope: FundingScope, keys: dict[str, object]) -> list[dict]:
    """Allocated, and the receipts, overdue tranches and spending attributed to allocations,
    per group and currency: one query over Allocation with correlated subqueries."""
    filters = scope.filters
    project_spent = _sum_of(
        Expenditure.objects.filter(_window(filters, "spent_on"), project=OuterRef("project_id")),
        "project",
        "amount_usd",
    )
    project_allocated = _sum_of(
        Allocation.objects.filter(project=OuterRef("project_id")), "project", "amount_usd"
    )
    tranches = Disbursement.objects.filter(agreement=OuterRef("agreement_id"))
    received_window = tranches.filter(_window(filters, "received_date"))
    overdue = tranches.filter(_overdue_q(scope))
    queryset = scope.allocations.annotate(
        p_spent=project_spent,
        p_alloc=NullIf(project_allocated, Value(ZERO)),
        a_received=_sum_of(received_window, "agreement", "received_amount"),
        a_received_usd=_sum_of(received_window, "agreement", "received_amount_usd"),
        a_overdue=_sum_of(overdue, "agreement", "planned_amount"),
        a_overdue_usd=_sum_of(overdue, "agreement", "planned_amount_usd"),
    )
    share = F("amount")
    of_commitment = F("agreement__amount")
    return list(
        queryset.order_by()
        .values(**keys, cur=F("agreement__currency"))
        .annotate(
            allocated=Sum("amount"),
            allocated_usd=Sum("amount_usd"),
            spent=Sum(_exact(share) * F("p_spent") / F("p_alloc"), output_field=_NUM),
            spent_usd=Sum(_exact(F("amount_usd")) * F("p_spent") / F("p_alloc"), output_field=_NUM),
            received=Sum(_exact(share) * F("a_received") / of_commitment, output_field=_NUM),
            received_usd=Sum(
                _exact(share) * F("a_received_usd") / of_commitment, output_field=_NUM
            ),
            overdue=Sum(_exact(share) * F("a_overdue") / of_commitment, output_field=_NUM),
            overdue_usd=Sum(_exact(share) * F("a_overdue_usd") / of_commitment, output_field=_NUM),
            start=Min("project__start_date"),
            end=Max("project__end_date"),
        )
    )


def _other_funding_family(scope: FundingScope, group_by: str) -> dict[object, Decimal]:
    """A donor's view: every other donor's allocations to the same projects, per group, USD."""
    if scope.donor is None:
        return {}
    keys = {name: expr for name, expr in _ALLOCATION_KEYS[group_by].items() if name == "k"}
    rows = (
        Allocation.objects.filter(project__in=scope.projects.values("pk"))
        .exclude(agreement__donor=scope.donor)
        .order_by()
        .values(**keys)
        .annotate(usd=Sum("amount_usd"))
    )
    return {row["k"]: _round(row["usd"]) for row in rows}


def _tranche_family(scope: FundingScope, key: object, received_only: bool = False) -> list[dict]:
    """Receipts, planned tranches and overdue tranches of the scope's agreements, grouped by
    `key` (an expression over Disbursement) and currency."""
    filters = scope.filters
    received = _window(filters, "received_date")
    planned = _window(filters, "planned_date")
    overdue = _overdue_q(scope)
    queryset = Disbursement.objects.filter(agreement__in=scope.agreements.values("pk"))
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
            "overdue_count": Count("pk", filter=overdue),
        }
    return list(
        queryset.order_by().values(k=key, cur=F("agreement__currency")).annotate(**aggregates)
    )


def _spending_pairs(scope: FundingScope, key: object, by_currency: bool = True) -> list[dict]:
    """Spending attributed per (key over Expenditure, agreement currency).

    Each expenditure joins the in-scope allocations of its project; every pair contributes
    expenditure x allocation / all allocations to the project, so the join weights rows
    rather than repeating them (the allocations of one project add up to its spending).
    """
    project_allocated = _sum_of(
        Allocation.objects.filter(project=OuterRef("project_id")), "project", "amount_usd"
    )
    queryset = (
        Expenditure.objects.filter(
            _window(scope.filters, "spent_on"),
            project__allocations__in=scope.allocations.values("pk"),
        )
        .annotate(p_alloc=NullIf(project_allocated, Value(ZERO)))
        .order_by()
    )
    if by_currency:
        queryset = queryset.values(k=key, cur=F("project__allocations__agreement__currency"))
    else:
        queryset = queryset.values(k=key)
    spent = _exact(F("amount_usd"))
    return list(
        queryset.annotate(
            spent=Sum(spent * F("project__allocations__amount") / F("p_alloc"), output_field=_NUM),
            spent_usd=Sum(
                spent * F("project__allocations__amount_usd") / F("p_alloc"), output_field=_NUM
            ),
        )
    )


# --- Summaries ------------------------------------------------------------------------------


def _by_agreement(scope: FundingScope) -> list[FundingRow]:
    agreements = scope.agreements.order_by("donor__short_name", "reference").values(
        "pk",
        "reference",
        "title",
        "currency",
        "amount",
        "amount_usd",
        "start_date",
        "end_date",
        donor_name=F("donor__short_name"),
    )
    money = {r["k"]: r for r in _allocation_family(scope, _ALLOCATION_KEYS["agreement"])}
    tranches = {r["k"]: r for r in _tranche_family(scope, F("agreement_id"))}
    rows = []
    for agreement in agreements:
        cur = agreement["currency"]
        a = money.get(agreement["pk"], {})
        t = tranches.get(agreement["pk"], {})
        spent_usd = _round(a.get("spent_usd"))
        allocated_usd = _round(a.get("allocated_usd"))
        rows.append(
            FundingRow(
                key=agreement["pk"],
                label=agreement["reference"],
                detail=f"{agreement['donor_name']}: {agreement['title']}",
                currency=cur,
                committed=_round(agreement["amount"], cur),
                committed_usd=_round(agreement["amount_usd"]),
                allocated=_round(a.get("allocated"), cur),
                allocated_usd=allocated_usd,
                received=_round(t.get("received"), cur),
                received_usd=_round(t.get("received_usd")),
                spent=_round(a.get("spent"), cur),
                spent_usd=spent_usd,
                planned=_round(t.get("planned"), cur),
                planned_usd=_round(t.get("planned_usd")),
                overdue=_round(t.get("overdue"), cur),
                overdue_usd=_round(t.get("overdue_usd")),
                overdue_count=t.get("overdue_count", 0),
                burn_rate=burn_rate(
                    spent=spent_usd,
                    planned=allocated_usd,
                    start=agreement["start_date"],
                    end=agreement["end_date"],
                    window_from=scope.filters.date_from,
                    as_of=scope.as_of,
                ),
                period_start=agreement["start_date"],
                period_end=agreement["end_date"],
            )
        )
    return rows


def _allocation_row(
    scope: FundingScope, a: dict, label: str, detail: str, other_usd: Decimal | None
) -> FundingRow:
    """A row of allocation-family figures: its commitment is what was allocated."""
    cur = a["cur"]
    spent_usd = _round(a["spent_usd"])
    allocated_usd = _round(a["allocated_usd"])
    return FundingRow(
        key=a["k"],
        label=label,
        detail=detail,
        currency=cur,
        committed=_round(a["allocated"], cur),
        committed_usd=allocated_usd,
        allocated=_round(a["allocated"], cur),
        allocated_usd=allocated_usd,
        received=_round(a["received"], cur),
        received_usd=_round(a["received_usd"]),
        spent=_round(a["spent"], cur),
        spent_usd=spent_usd,
        overdue=_round(a["overdue"], cur),
        overdue_usd=_round(a["overdue_usd"]),
        burn_rate=burn_rate(
            spent=spent_usd,
            planned=allocated_usd,
            start=a["start"],
            end=a["end"],
            window_from=scope.filters.date_from,
            as_of=scope.as_of,
        ),
        other_funding_usd=other_usd,
        period_start=a["start"],
        period_end=a["end"],
    )


def _by_project_key(scope: FundingScope, group_by: str) -> list[FundingRow]:
    other = _other_funding_family(scope, group_by)
    rows = [
        _allocation_row(
            scope,
            a,
            *_labels(group_by, a),
            other.get(a["k"], ZERO) if scope.donor is not None else None,
        )
        for a in _allocation_family(scope, _ALLOCATION_KEYS[group_by])
    ]
    rows.sort(key=lambda r: (r.key is None, r.label, r.currency))
    return rows


def _by_year(scope: FundingScope) -> list[FundingRow]:
    """Commitments and allocations by year of signature, receipts by year received,
    tranches (planned, overdue) by planned year, spending by year spent."""
    figures: dict[tuple[int, str], dict[str, Decimal | int]] = {}

    def add(rows: Iterable[dict], names: dict[str, str]) -> None:
        for row in rows:
            if row["k"] is None:
                continue
            slot = figures.setdefault((row["k"], row["cur"]), {})
            for target, source in names.items():
                slot[target] = row[source]

    commitments = (
        scope.agreements.order_by()
        .values(k=ExtractYear("signed_on"), cur=F("currency"))
        .annotate(committed=Sum("amount"), committed_usd=Sum("amount_usd"))
    )
    add(commitments, {"committed": "committed", "committed_usd": "committed_usd"})
    allocations = (
        scope.allocations.order_by()
        .values(k=ExtractYear("agreement__signed_on"), cur=F("agreement__currency"))
        .annotate(allocated=Sum("amount"), allocated_usd=Sum("amount_usd"))
    )
    add(allocations, {"allocated": "allocated", "allocated_usd": "allocated_usd"})
    add(
        _tranche_family(scope, ExtractYear("received_date"), received_only=True),
        {"received": "received", "received_usd": "received_usd"},
    )
    planned_names = ("planned", "planned_usd", "overdue", "overdue_usd", "overdue_count")
    add(_tranche_family(scope, ExtractYear("planned_date")), {n: n for n in planned_names})
    add(
        _spending_pairs(scope, ExtractYear("spent_on")),
        {"spent": "spent", "spent_usd": "spent_usd"},
    )
    rows = []
    for (year, cur), f in sorted(figures.items()):
        rows.append(
            FundingRow(
                key=year,
                label=str(year),
                detail="",
                currency=cur,
                overdue_count=f.get("overdue_count", 0),
                **{
                    name: _round(f.get(name), "USD" if name.endswith("_usd") else cur)
                    for name in (
                        "committed",
                        "allocated",
                        "received",
                        "spent",
                        "overdue",
                        "planned",
                        "committed_usd",
                        "allocated_usd",
                        "received_usd",
                        "spent_usd",
                        "overdue_usd",
                        "planned_usd",
                    )
                },
            )
        )
    return rows


_SUMMED = (
    "committed",
    "allocated",
    "received",
    "spent",
    "overdue",
    "planned",
)


def _totals(rows: list[FundingRow]) -> tuple[list[FundingRow], FundingRow | None]:
    """Per-currency totals and the USD total of the rows shown (already grouped in SQL)."""
    if not rows:
        return [], None
    by_currency: dict[str, FundingRow] = {}
    for row in rows:
        total = by_currency.get(row.currency) or FundingRow(
            key=None, label=f"Total, {row.currency}", detail="", currency=row.currency
        )
        changes: dict[str, object] = {}
        for name in _SUMMED:
            changes[name] = getattr(total, name) + getattr(row, name)
            changes[f"{name}_usd"] = getattr(total, f"{name}_usd") + getattr(row, f"{name}_usd")
        if row.overdue_count is not None:
            changes["overdue_count"] = (total.overdue_count or 0) + row.overdue_count
        if row.other_funding_usd is not None:
            changes["other_funding_usd"] = (total.other_funding_usd or ZERO) + (
                row.other_funding_usd
            )
        by_currency[row.currency] = replace(total, **changes)
    currency_totals = [by_currency[c] for c in sorted(by_currency)]
    usd: dict[str, object] = {
        f"{name}_usd": sum((getattr(t, f"{name}_usd") for t in currency_totals), ZERO)
        for name in _SUMMED
    }
    counts = [t.overdue_count for t in currency_totals if t.overdue_count is not None]
    usd["overdue_count"] = sum(counts) if counts else None
    total_usd = FundingRow(
        key=None, label="Total, all currencies (USD)", detail="", currency="USD", **usd
    )
    return currency_totals, total_usd


def funding_summary(
    *,
    user,
    group_by: GroupBy = "agreement",
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    today: datetime.date | None = None,
) -> FundingSummary:
    """Committed, allocated, received, spent, balance, burn rate and overdue tranches per
    agreement, project, sub-programme, province or year, one row per currency; see the
    module docstring for how spending and receipts are attributed.

    Raises PermissionDenied for roles without money and for as_donor asked by a non-manager.
    """
    if group_by not in GROUP_BYS:
        raise ValueError(f"group_by must be one of {', '.join(GROUP_BYS)}")
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    if group_by == "agreement":
        rows = _by_agreement(scope)
    elif group_by == "year":
        rows = _by_year(scope)
    else:
        rows = _by_project_key(scope, group_by)
    # Province rows overlap (a project counts in each of its provinces): never totalled.
    currency_totals, total_usd = ([], None) if group_by == "province" else _totals(rows)
    return FundingSummary(
        group_by=group_by,
        rows=rows,
        currency_totals=currency_totals,
        total_usd=total_usd,
        donor=scope.donor,
    )


# --- Charts' figures that are not rows of a summary --------------------------------------


@dataclass(frozen=True)
class CategorySpending:
    category: str
    label: str
    spent_usd: Decimal


def funding_spending_by_category(
    *,
    user,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    today: datetime.date | None = None,
) -> list[CategorySpending]:
    """Spending attributed to the viewer's allocations, per budget category, in USD."""
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    totals = {row["k"]: row["spent_usd"] for row in _spending_pairs(scope, F("category"), False)}
    labels = dict(BudgetCategory.choices)
    return [
        CategorySpending(category=c, label=labels.get(c, c), spent_usd=_round(totals[c]))
        for c in BudgetCategory.values
        if c in totals
    ]


# --- Money joined to results ---------------------------------------------------------------


@dataclass(frozen=True)
class ResultsRow:
    """A project (output is None) or one of its outputs: USD received and spent next to the
    share of approved targets met."""

    project_id: int
    project_code: str
    project_title: str
    output_code: str | None
    output_title: str
    received_usd: Decimal
    spent_usd: Decimal
    # The output's share of the project's USD activity budget, which splits the money.
    budget_share: Decimal | None
    indicators: tuple[IndicatorResult, ...]
    share_met: Decimal | None


def funding_results(
    *,
    user,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    today: datetime.date | None = None,
) -> list[ResultsRow]:
    """Per project and output: funds received and spent (USD, attributed to the viewer's
    allocations as on the project rows) next to the share of approved targets met.

    Results come from the in-force approved workplan versions and verified progress only.
    An output's money is the project's split by the output's share of the project's
    planned activity budget (USD budgets); an output's share of targets met is the mean of
    its indicators' achieved/target, each capped at 100%; the project's is that mean over
    all its outputs' indicators. The period filter narrows the money, not the results.
    """
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    keys = {"k": F("project_id"), "l1": F("project__code"), "l2": F("project__title")}
    money: dict[int, dict] = {}
    for a in _allocation_family(scope, keys):
        slot = money.setdefault(a["k"], {"code": a["l1"], "title": a["l2"], "r": ZERO, "s": ZERO})
        # Summing USD across the project's currencies: stored USD figures only.
        slot["r"] += _round(a["received_usd"])
        slot["s"] += _round(a["spent_usd"])
    outputs: dict[int, list[OutputResult]] = {}
    for result in output_results(projects=scope.projects):
        outputs.setdefault(result.project_id, []).append(result)
    rows = []
    for project_id, m in sorted(money.items(), key=lambda item: item[1]["code"]):
        project_outputs = outputs.get(project_id, [])
        indicators = tuple(i for o in project_outputs for i in o.indicators)
        rows.append(
            ResultsRow(
                project_id=project_id,
                project_code=m["code"],
                project_title=m["title"],
                output_code=None,
                output_title="",
                received_usd=m["r"],
                spent_usd=m["s"],
                budget_share=None,
                indicators=indicators,
                share_met=mean_share(indicators),
            )
        )
        for o in project_outputs:
            share = o.budget_share
            rows.append(
                ResultsRow(
                    project_id=project_id,
                    project_code=m["code"],
                    project_title=m["title"],
                    output_code=o.code,
                    output_title=o.title,
                    received_usd=_round(m["r"] * share) if share is not None else ZERO,
                    spent_usd=_round(m["s"] * share) if share is not None else ZERO,
                    budget_share=share,
                    indicators=o.indicators,
                    share_met=o.share_met,
                )
            )
    return rows


@dataclass(frozen=True)
class ProvinceActivity:
    code: str | None
    name: str
    funding_usd: Decimal
    activities: int


def funding_activity_by_province(
    *,
    user,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    today: datetime.date | None = None,
) -> list[ProvinceActivity]:
    """Per province: the USD allocated (viewer's share) to projects active there, and the
    in-force approved activities of those projects held there. Projects and activities
    covering several provinces count in each."""
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    keys = _ALLOCATION_KEYS["province"]
    funding: dict[str | None, dict] = {}
    for a in scope.allocations.order_by().values(**keys).annotate(usd=Sum("amount_usd")):
        funding[a["k"]] = {"name": a["l1"] or "No province recorded", "usd": _round(a["usd"])}
    activities = activities_by_province(projects=scope.projects)
    codes = sorted(set(funding) | set(activities), key=lambda c: (c is None, c or ""))
    return [
        ProvinceActivity(
            code=code,
            name=(
                funding.get(code, {}).get("name")
                or activities.get(code, ("", 0))[0]
                or "No province recorded"
            ),
            funding_usd=funding.get(code, {}).get("usd", ZERO),
            activities=activities.get(code, ("", 0))[1],
        )
        for code in codes
    ]


def funding_activity_status(
    *,
    user,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    today: datetime.date | None = None,
) -> list[QuarterStatus]:
    """Verified progress per workplan quarter and status, for the activities of the
    in-force approved workplans that the viewer's projects pay for."""
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    return activity_status_by_quarter(projects=scope.projects)


# --- Drill-down: the rows behind each figure -----------------------------------------------


def funding_agreement_get(
    *,
    user,
    pk: int,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    today: datetime.date | None = None,
) -> FundingRow:
    """One agreement's row of the agreement summary; FundingAgreement.DoesNotExist (a 404)
    when it is outside the viewer's scope."""
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    scope = replace(
        scope,
        agreements=scope.agreements.filter(pk=pk),
        allocations=scope.allocations.filter(agreement_id=pk),
    )
    rows = _by_agreement(scope)
    if rows:
        return rows[0]
    raise FundingAgreement.DoesNotExist


def funding_project_get(*, user, code: str, as_donor: Organisation | None = None) -> Project:
    """A project whose money the viewer may see (a donor: one its agreements fund);
    Project.DoesNotExist (a 404) otherwise, so other donors' projects look like missing
    ones."""
    scope = funding_scope(user=user, as_donor=as_donor)
    projects = Project.objects.select_related("sub_programme__programme")
    if scope.donor is not None:
        projects = projects.filter(pk__in=scope.projects.values("pk"))
    return projects.get(code=code)


def funding_tranche_list(
    *,
    user,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    agreement_id: int | None = None,
    status: Literal["", "received", "overdue", "planned"] = "",
    year: int | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Disbursement]:
    """The tranches behind the received, planned and overdue figures, with `overdue`.

    status: received (received in the period), overdue (not received, planned before today,
    planned in the period), planned (planned in the period); year narrows the date that
    status counts by (received date for received, planned date otherwise)."""
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    queryset = disbursement_list(user=user, today=scope.today).filter(
        agreement__in=scope.agreements.values("pk")
    )
    if agreement_id is not None:
        queryset = queryset.filter(agreement_id=agreement_id)
    date_column = "received_date" if status == "received" else "planned_date"
    if status == "overdue":
        queryset = queryset.filter(_overdue_q(scope))
    elif status in ("received", "planned"):
        queryset = queryset.filter(_window(scope.filters, date_column))
    if year is not None:
        queryset = queryset.filter(**{f"{date_column}__year": year})
    return queryset.order_by("planned_date", "agreement__reference", "pk")


def funding_allocation_list(
    *,
    user,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    agreement_id: int | None = None,
    project_id: int | None = None,
    today: datetime.date | None = None,
) -> list[FundingRow]:
    """The allocations behind allocated and spent figures: one row per allocation (key
    = allocation pk, label = project code, detail = agreement reference) with the receipts,
    overdue amounts and spending attributed to it."""
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    if agreement_id is not None:
        scope = replace(scope, allocations=scope.allocations.filter(agreement_id=agreement_id))
    if project_id is not None:
        scope = replace(scope, allocations=scope.allocations.filter(project_id=project_id))
    keys = {"k": F("pk"), "l1": F("project__code"), "l2": F("agreement__reference")}
    rows = [
        _allocation_row(scope, a, a["l1"], a["l2"], None) for a in _allocation_family(scope, keys)
    ]
    rows.sort(key=lambda r: (r.label, r.detail))
    return rows


def funding_expenditure_list(
    *,
    user,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    project_id: int | None = None,
    category: str | None = None,
    year: int | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Expenditure]:
    """The expenditures behind the spent figures, each with `attributed_usd`: the part of it
    attributed to the viewer's allocations (the whole row for managers)."""
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    in_scope = _sum_of(
        scope.allocations.filter(project=OuterRef("project_id")), "project", "amount_usd"
    )
    all_allocations = _sum_of(
        Allocation.objects.filter(project=OuterRef("project_id")), "project", "amount_usd"
    )
    queryset = (
        Expenditure.objects.filter(
            _window(scope.filters, "spent_on"), project__in=scope.projects.values("pk")
        )
        .select_related("project")
        .annotate(
            attributed_usd=Cast(
                _exact(F("amount_usd")) * in_scope / NullIf(all_allocations, Value(ZERO)),
                output_field=_NUM,
            )
        )
    )
    if project_id is not None:
        queryset = queryset.filter(project_id=project_id)
    if category:
        queryset = queryset.filter(category=category)
    if year is not None:
        queryset = queryset.filter(spent_on__year=year)
    return queryset.order_by("-spent_on", "-pk")


def funding_donor_choices() -> QuerySet[Organisation]:
    """Donors a manager may filter by or view the figures as."""
    return Organisation.objects.filter(kind=Organisation.Kind.DONOR).order_by("short_name")


def round_money(value, currency: str = "USD") -> Decimal:
    """Round a figure the way every summary does (half-up to the currency's minor unit)."""
    return _round(value, currency)
