"""Summaries: the dashboard's rows per agreement, project, sub-programme, province or
year, one row per currency, and their footer totals."""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from operator import attrgetter

from django.db.models import F, Sum
from django.db.models.functions import ExtractYear

from ctportal.figures import burn_rate
from donors.selectors_funding.families import (
    ALLOCATION_KEYS,
    allocation_family,
    group_labels,
    other_funding_family,
    spending_pairs,
    tranche_family,
)
from donors.selectors_funding.rows import (
    GROUP_BYS,
    ZERO,
    FundingRow,
    FundingSummary,
    GroupBy,
    round_money,
)
from donors.selectors_funding.scope import FundingFilters, FundingScope, funding_scope
from organisations.models import Organisation


def rows_by_agreement(scope: FundingScope) -> list[FundingRow]:
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
    # Agreement rows take receipts and overdue tranches from the agreement's own tranches,
    # and their labels and period from the agreement: the family groups by its key alone.
    families = allocation_family(scope, {"k": F("agreement_id")}, receipts=False, periods=False)
    money = {r["k"]: r for r in families}
    tranches = {r["k"]: r for r in tranche_family(scope, F("agreement_id"), by_currency=False)}
    rows = []
    for agreement in agreements:
        cur = agreement["currency"]
        a = money.get(agreement["pk"], {})
        t = tranches.get(agreement["pk"], {})
        spent_usd = round_money(a.get("spent_usd"))
        allocated_usd = round_money(a.get("allocated_usd"))
        rows.append(
            FundingRow(
                key=agreement["pk"],
                label=agreement["reference"],
                detail=f"{agreement['donor_name']}: {agreement['title']}",
                currency=cur,
                committed=round_money(agreement["amount"], cur),
                committed_usd=round_money(agreement["amount_usd"]),
                allocated=round_money(a.get("allocated"), cur),
                allocated_usd=allocated_usd,
                received=round_money(t.get("received"), cur),
                received_usd=round_money(t.get("received_usd")),
                spent=round_money(a.get("spent"), cur),
                spent_usd=spent_usd,
                planned=round_money(t.get("planned"), cur),
                planned_usd=round_money(t.get("planned_usd")),
                overdue=round_money(t.get("overdue"), cur),
                overdue_usd=round_money(t.get("overdue_usd")),
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


def allocation_row(
    scope: FundingScope, a: dict, label: str, detail: str, other_usd: Decimal | None
) -> FundingRow:
    """A row of allocation-family figures: its commitment is what was allocated."""
    cur = a["cur"]
    spent_usd = round_money(a["spent_usd"])
    allocated = round_money(a["allocated"], cur)
    allocated_usd = round_money(a["allocated_usd"])
    return FundingRow(
        key=a["k"],
        label=label,
        detail=detail,
        currency=cur,
        committed=allocated,
        committed_usd=allocated_usd,
        allocated=allocated,
        allocated_usd=allocated_usd,
        received=round_money(a["received"], cur),
        received_usd=round_money(a["received_usd"]),
        spent=round_money(a["spent"], cur),
        spent_usd=spent_usd,
        overdue=round_money(a["overdue"], cur),
        overdue_usd=round_money(a["overdue_usd"]),
        planned=round_money(a.get("planned"), cur),
        planned_usd=round_money(a.get("planned_usd")),
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
    other = other_funding_family(scope, group_by)
    rows = [
        allocation_row(
            scope,
            a,
            *group_labels(group_by, a),
            other.get(a["k"], ZERO) if scope.donor is not None else None,
        )
        for a in allocation_family(scope, ALLOCATION_KEYS[group_by])
    ]
    rows.sort(key=lambda r: (r.key is None, r.label, r.currency))
    return rows


def _by_year(scope: FundingScope) -> list[FundingRow]:
    """Commitments and allocations by year of signature, receipts by year received,
    tranches (planned, overdue) by planned year, spending by year spent (the tranche
    source's months hold the year of each date)."""
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
        tranche_family(scope, ExtractYear("received_month"), received_only=True),
        {"received": "received", "received_usd": "received_usd"},
    )
    planned_names = ("planned", "planned_usd", "overdue", "overdue_usd", "overdue_count")
    add(tranche_family(scope, ExtractYear("planned_month")), {n: n for n in planned_names})
    add(
        spending_pairs(scope, "year"),
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
                    name: round_money(f.get(name), "USD" if name.endswith("_usd") else cur)
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
# Every figure a total adds up, in each row's currency and in USD, read in one call.
_ADDED = (*_SUMMED, *(f"{name}_usd" for name in _SUMMED))
_added_of = attrgetter(*_ADDED)


def _totals(rows: list[FundingRow]) -> tuple[list[FundingRow], FundingRow | None]:
    """Per-currency totals and the USD total of the rows shown (already grouped in SQL)."""
    if not rows:
        return [], None
    # Sums per currency, added row by row in the rows' order; one FundingRow per currency
    # at the end (a row copied per row added was most of the time at 2,000 rows).
    sums: dict[str, list[Decimal]] = {}
    counts: dict[str, int | None] = {}
    others: dict[str, Decimal | None] = {}
    for row in rows:
        currency = row.currency
        added = sums.get(currency)
        if added is None:
            added = sums[currency] = [ZERO] * len(_ADDED)
            counts[currency] = others[currency] = None
        for i, value in enumerate(_added_of(row)):
            added[i] = added[i] + value
        if row.overdue_count is not None:
            counts[currency] = (counts[currency] or 0) + row.overdue_count
        if row.other_funding_usd is not None:
            others[currency] = (others[currency] or ZERO) + row.other_funding_usd
    currency_totals = [
        FundingRow(
            key=None,
            label=f"Total, {currency}",
            detail="",
            currency=currency,
            overdue_count=counts[currency],
            other_funding_usd=others[currency],
            **dict(zip(_ADDED, sums[currency], strict=True)),
        )
        for currency in sorted(sums)
    ]
    usd: dict[str, object] = {
        f"{name}_usd": sum((getattr(t, f"{name}_usd") for t in currency_totals), ZERO)
        for name in _SUMMED
    }
    counted = [t.overdue_count for t in currency_totals if t.overdue_count is not None]
    usd["overdue_count"] = sum(counted) if counted else None
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
        rows = rows_by_agreement(scope)
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
