"""Budget against actual: a project's planned cost by year and category (BudgetLine) set
against its expenditure, in USD, for one project's page or for many projects in a report."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import ExtractYear

from ctportal.money import to_usd
from organisations.access import can_see_money
from projects.models import BudgetCategory, BudgetLine, ExchangeRate, Expenditure, Project

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class BudgetRow:
    year: int
    category: str
    category_label: str
    budget: Decimal | None
    currency: str
    # None when the budget is in another currency and no rate is recorded for it.
    budget_usd: Decimal | None
    spent_usd: Decimal

    @property
    def balance_usd(self) -> Decimal | None:
        return None if self.budget_usd is None else self.budget_usd - self.spent_usd


@dataclass(frozen=True)
class ProjectBudget:
    rows: list[BudgetRow]
    budget_usd: Decimal
    spent_usd: Decimal

    @property
    def balance_usd(self) -> Decimal:
        return self.budget_usd - self.spent_usd


def project_budget(*, user, project: Project) -> ProjectBudget | None:
    """Budget by year and category against expenditure in USD; None for roles without money."""
    if not can_see_money(user):
        return None
    return project_budgets(project_ids=[project.pk])[project.pk]


def project_budgets(
    *, project_ids: Iterable[int], spent_until: datetime.date | None = None
) -> dict[int, ProjectBudget]:
    """{project id: budget by year and category against expenditure in USD} for every id
    asked (callers check who may see the money), expenditure dated up to `spent_until` only
    (all of it when None), so a report as at a date never changes afterwards.

    Three queries whatever the number of projects: budget lines, expenditure sums (two
    queries, as summing both over one join would multiply rows) and rates; a budget in
    another currency is converted at the rate of January of its year (else the latest
    before). Spending with no budget line still shows, so the totals add up.
    """
    ids = sorted(set(project_ids))
    lines = list(BudgetLine.objects.filter(project_id__in=ids).order_by("year", "category"))
    expenditure = Expenditure.objects.filter(project_id__in=ids)
    if spent_until is not None:
        expenditure = expenditure.filter(spent_on__lte=spent_until)
    spent = {
        (row["project_id"], row["year"], row["category"]): row["usd"]
        for row in expenditure.annotate(year=ExtractYear("spent_on"))
        .values("project_id", "year", "category")
        .annotate(usd=Sum("amount_usd"))
        .order_by()
    }
    rates = _january_rates({(line.currency, line.year) for line in lines if line.currency != "USD"})
    labels = dict(BudgetCategory.choices)
    order = {value: index for index, value in enumerate(BudgetCategory.values)}
    rows: dict[int, list[BudgetRow]] = {pk: [] for pk in ids}
    for line in lines:
        rate = Decimal("1") if line.currency == "USD" else rates.get((line.currency, line.year))
        rows[line.project_id].append(
            BudgetRow(
                year=line.year,
                category=line.category,
                category_label=labels.get(line.category, line.category),
                budget=line.amount,
                currency=line.currency,
                budget_usd=None if rate is None else to_usd(line.amount, rate),
                spent_usd=spent.pop((line.project_id, line.year, line.category), ZERO),
            )
        )
    for (project_id, year, category), usd in spent.items():
        rows[project_id].append(
            BudgetRow(
                year=year,
                category=category,
                category_label=labels.get(category, category),
                budget=None,
                currency="USD",
                budget_usd=None,
                spent_usd=usd,
            )
        )
    budgets = {}
    for project_id, project_rows in rows.items():
        project_rows.sort(key=lambda r: (r.year, order.get(r.category, len(order))))
        budgets[project_id] = ProjectBudget(
            rows=project_rows,
            budget_usd=sum((r.budget_usd for r in project_rows if r.budget_usd is not None), ZERO),
            spent_usd=sum((r.spent_usd for r in project_rows), ZERO),
        )
    return budgets


def _january_rates(pairs: set[tuple[str, int]]) -> dict[tuple[str, int], Decimal]:
    """{(currency, year): USD per unit} at January of the year, else the latest before it."""
    if not pairs:
        return {}
    history: dict[str, list[tuple[datetime.date, Decimal]]] = {}
    for currency, month, rate in (
        ExchangeRate.objects.filter(currency__in={c for c, _ in pairs})
        .order_by("currency", "-month")
        .values_list("currency", "month", "usd_per_unit")
    ):
        history.setdefault(currency, []).append((month, rate))
    found = {}
    for currency, year in pairs:
        january = datetime.date(year, 1, 1)
        for month, rate in history.get(currency, []):
            if month <= january:
                found[(currency, year)] = rate
                break
    return found
