"""Figures beside the summaries: spending by budget category, money joined to results,
and activity by province and by quarter."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum

from donors.selectors_funding.families import _ALLOCATION_KEYS, _allocation_family, _spending_pairs
from donors.selectors_funding.rows import ZERO, _round
from donors.selectors_funding.scope import FundingFilters, funding_scope
from organisations.models import Organisation
from projects.models import BudgetCategory
from workplans.selectors_funding_results import (
    IndicatorResult,
    OutputResult,
    QuarterStatus,
    activities_by_province,
    activity_status_by_quarter,
    mean_share,
    output_results,
)


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
