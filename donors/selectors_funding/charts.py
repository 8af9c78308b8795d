"""Figures beside the summaries: spending by budget category, and the money halves of the
dashboard's results figures (per project, per province) that reports.funding_results joins
to the workplans' results."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum

from donors.selectors_funding.families import ALLOCATION_KEYS, allocation_family, spending_pairs
from donors.selectors_funding.rows import ZERO, FundingSummary, round_money
from donors.selectors_funding.scope import FundingFilters, FundingScope, funding_scope
from organisations.models import Organisation
from projects.models import BudgetCategory


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
    totals = {row["k"]: row["spent_usd"] for row in spending_pairs(scope, "category", False)}
    labels = dict(BudgetCategory.choices)
    return [
        CategorySpending(category=c, label=labels.get(c, c), spent_usd=round_money(totals[c]))
        for c in BudgetCategory.values
        if c in totals
    ]


@dataclass(frozen=True)
class ProjectMoney:
    """A project's funds received and spent, in USD, attributed to the scope's allocations
    as on the project rows, summed across the project's currencies."""

    project_id: int
    code: str
    title: str
    received_usd: Decimal
    spent_usd: Decimal


def _per_project(rows: Iterable[tuple[int, str, str, Decimal, Decimal]]) -> list[ProjectMoney]:
    """(project id, code, title, received USD, spent USD) of each project and currency,
    each rounded, summed per project and ordered by code."""
    money: dict[int, dict] = {}
    for project_id, code, title, received_usd, spent_usd in rows:
        slot = money.setdefault(project_id, {"code": code, "title": title, "r": ZERO, "s": ZERO})
        # Summing USD across the project's currencies: stored USD figures only.
        slot["r"] += received_usd
        slot["s"] += spent_usd
    return [
        ProjectMoney(project_id, m["code"], m["title"], m["r"], m["s"])
        for project_id, m in sorted(money.items(), key=lambda item: item[1]["code"])
    ]


def funding_money_by_project(*, scope: FundingScope) -> list[ProjectMoney]:
    """Per project of the scope's allocations, ordered by code: one grouped query."""
    keys = {"k": F("project_id"), "l1": F("project__code"), "l2": F("project__title")}
    return _per_project(
        (a["k"], a["l1"], a["l2"], round_money(a["received_usd"]), round_money(a["spent_usd"]))
        for a in allocation_family(scope, keys)
    )


def project_money_of(summary: FundingSummary) -> list[ProjectMoney]:
    """funding_money_by_project's figures taken from a summary by project, whose rows hold
    the same sums per project and currency (the same family, rounded the same way): a page
    that shows both reads the money once."""
    if summary.group_by != "project":
        raise ValueError("project_money_of needs a summary by project")
    return _per_project(
        (row.key, row.label, row.detail, row.received_usd, row.spent_usd) for row in summary.rows
    )


@dataclass(frozen=True)
class ProvinceMoney:
    code: str | None
    name: str
    allocated_usd: Decimal


def funding_money_by_province(*, scope: FundingScope) -> dict[str | None, ProvinceMoney]:
    """{province code: the USD allocated (the scope's share) to projects active there};
    a project covering several provinces counts in each; None: no province. One query."""
    keys = ALLOCATION_KEYS["province"]
    return {
        a["k"]: ProvinceMoney(a["k"], a["l1"] or "No province recorded", round_money(a["usd"]))
        for a in scope.allocations.order_by().values(**keys).annotate(usd=Sum("amount_usd"))
    }
