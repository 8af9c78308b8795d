"""The funding dashboard's results figures: money (donors.selectors_funding) next to what
the in-force approved workplans planned and verified progress achieved
(workplans.selectors_funding_results), for the projects whose money the viewer may see.

Donors and workplans are siblings that never import each other, so the join lives here,
in reports, above both. The scope (who looks, the filters) is donors' funding_scope; the
workplan reads never widen its projects.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from donors.selectors_funding import (
    ZERO,
    FundingFilters,
    ProjectMoney,
    funding_money_by_project,
    funding_money_by_province,
    funding_scope,
    round_money,
)
from organisations.models import Organisation
from workplans.selectors_funding_results import (
    IndicatorResult,
    OutputResult,
    QuarterStatus,
    activities_by_province,
    activity_status_by_quarter,
    mean_share,
    output_results,
    workplans_of,
)


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
    money: list[ProjectMoney] | None = None,
) -> list[ResultsRow]:
    """Per project and output: funds received and spent (USD, attributed to the viewer's
    allocations as on the project rows) next to the share of approved targets met.

    Results come from the in-force approved workplan versions and verified progress only.
    An output's money is the project's split by the output's share of the project's
    planned activity budget (USD budgets); an output's share of targets met is the mean of
    its indicators' achieved/target, each capped at 100%; the project's is that mean over
    all its outputs' indicators. The period filter narrows the money, not the results.

    `money`: the projects' money when the caller holds it already (the dashboard takes it
    from its summary by project, and only for the projects it shows); the rows are then
    those projects', their results read for them alone, within the viewer's scope.
    """
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    projects: QuerySet | list[int]
    if money is None:
        money = funding_money_by_project(scope=scope)
        projects = scope.projects
    else:
        # The ids themselves, not a subquery: PostgreSQL then knows how few projects these
        # are and reads their results by index (a subquery's estimate was every project's).
        wanted = [m.project_id for m in money]
        projects = sorted(scope.projects.filter(pk__in=wanted).values_list("pk", flat=True))
    outputs: dict[int, list[OutputResult]] = {}
    for result in output_results(projects=projects):
        outputs.setdefault(result.project_id, []).append(result)
    rows = []
    for m in money:
        project_outputs = outputs.get(m.project_id, [])
        indicators = tuple(i for o in project_outputs for i in o.indicators)
        rows.append(
            ResultsRow(
                project_id=m.project_id,
                project_code=m.code,
                project_title=m.title,
                output_code=None,
                output_title="",
                received_usd=m.received_usd,
                spent_usd=m.spent_usd,
                budget_share=None,
                indicators=indicators,
                share_met=mean_share(indicators),
            )
        )
        for o in project_outputs:
            share = o.budget_share
            rows.append(
                ResultsRow(
                    project_id=m.project_id,
                    project_code=m.code,
                    project_title=m.title,
                    output_code=o.code,
                    output_title=o.title,
                    received_usd=round_money(m.received_usd * share) if share is not None else ZERO,
                    spent_usd=round_money(m.spent_usd * share) if share is not None else ZERO,
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
    funding = funding_money_by_province(scope=scope)
    activities = activities_by_province(projects=scope.projects)
    codes = sorted(set(funding) | set(activities), key=lambda c: (c is None, c or ""))
    return [
        ProvinceActivity(
            code=code,
            name=(
                (funding[code].name if code in funding else "")
                or activities.get(code, ("", 0))[0]
                or "No province recorded"
            ),
            funding_usd=funding[code].allocated_usd if code in funding else ZERO,
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


@dataclass(frozen=True)
class LatestQuarterStatus:
    """The quarters of the latest workplans alone, and how many workplans there are."""

    quarters: list[QuarterStatus]
    workplans_shown: int
    workplans: int


def funding_activity_status_latest(
    *,
    user,
    filters: FundingFilters | None = None,
    as_donor: Organisation | None = None,
    today: datetime.date | None = None,
    workplans: int,
) -> LatestQuarterStatus:
    """funding_activity_status for the `workplans` workplans with the latest periods: a
    decade holds some fifty workplans and two hundred quarters, and reading every verified
    update of the programme to show them all cost a manager's dashboard a third of a
    second. Two queries."""
    scope = funding_scope(user=user, filters=filters, as_donor=as_donor, today=today)
    every = workplans_of(projects=scope.projects)
    shown = every[:workplans]
    return LatestQuarterStatus(
        quarters=activity_status_by_quarter(
            projects=scope.projects,
            # Every workplan (None) when all fit: the same query whatever the rows.
            workplans=shown if len(every) > workplans else None,
        ),
        workplans_shown=len(shown),
        workplans=len(every),
    )
