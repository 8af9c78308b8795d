"""Results next to money: what the in-force approved workplans planned for a set of
projects and what verified progress says was achieved.

Callers (the funding dashboard, its API and reports) pass the projects the viewer may see (a
queryset, or their ids); these reads never widen that set. Only approved (in force) workplan
versions count, and only verified progress updates: drafts, submitted and returned updates
never feed a figure. Each function is a fixed number of grouped queries, whatever the number
of rows.

The projects narrow each query through a join (activity.project_id IN (...)), never through
an IN over activity ids: PostgreSQL then starts from the projects' activities and reaches
their updates, targets and values by index, instead of scanning every progress update and
achieved value of the programme and discarding the other projects' (a donor's dashboard at
a decade's data spent most of its time there).
"""

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from projects.models import Project
from workplans.models import (
    AchievedValue,
    Activity,
    ActivityTarget,
    ProgressUpdate,
    Workplan,
    WorkplanVersion,
)
from workplans.quarters import quarters_of

ZERO = Decimal("0")


# The projects whose results are read: a queryset of them, or their ids.
Projects = QuerySet[Project] | Collection[int]


def _in_force(projects: Projects, activity: str = "") -> Q:
    """The activities of the in-force approved versions of `projects`, as reached from the
    queried model through `activity` (a relation path, "" for Activity itself)."""
    prefix = f"{activity}__" if activity else ""
    return Q(
        **{
            f"{prefix}version__status": WorkplanVersion.Status.APPROVED,
            f"{prefix}project__in": projects,
        }
    )


@dataclass(frozen=True)
class IndicatorResult:
    code: str
    unit: str
    target: Decimal
    achieved: Decimal

    @property
    def share_met(self) -> Decimal | None:
        """Achieved over target, capped at 1 so one over-achieved indicator cannot hide
        another; None when nothing is targeted."""
        if not self.target:
            return None
        return min(self.achieved / self.target, Decimal(1))


@dataclass(frozen=True)
class OutputResult:
    project_id: int
    output_id: int
    code: str
    title: str
    activity_count: int
    # Planned budget of the output's activities (USD budgets only) and its share of the
    # project's USD activity budget: the key for splitting project money across outputs.
    budget_usd: Decimal
    budget_share: Decimal | None
    indicators: tuple[IndicatorResult, ...]

    @property
    def share_met(self) -> Decimal | None:
        return mean_share(self.indicators)


def mean_share(indicators) -> Decimal | None:
    """Share of approved targets met: the mean of the indicators' capped shares, each
    indicator counting equally (their units differ, so their values are never added)."""
    shares = [i.share_met for i in indicators if i.share_met is not None]
    if not shares:
        return None
    return (sum(shares, ZERO) / len(shares)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def output_results(*, projects: Projects) -> list[OutputResult]:
    """Per project and output: activities and their USD budget in the in-force approved
    workplan versions, and per indicator the approved targets (ActivityTarget sums) against
    verified achievements (AchievedValue sums across their sex and province breakdowns,
    which partition the total). Three grouped queries."""
    outputs = list(
        Activity.objects.filter(_in_force(projects))
        .order_by()
        .values("project_id", "output_id", out_code=F("output__code"), out_title=F("output__title"))
        .annotate(
            activity_count=Count("pk"),
            budget_usd=Sum("budget", filter=Q(budget_currency="USD")),
        )
    )
    targets = (
        ActivityTarget.objects.filter(_in_force(projects, "activity"))
        .order_by()
        .values(
            project=F("activity__project_id"),
            output=F("activity__output_id"),
            ind=F("indicator_id"),
            ind_code=F("indicator__code"),
            unit=F("indicator__unit"),
        )
        .annotate(target=Sum("value"))
    )
    achieved = {
        (row["project"], row["output"], row["ind"]): row["achieved"]
        for row in AchievedValue.objects.filter(
            _in_force(projects, "update__activity"), update__state=ProgressUpdate.State.VERIFIED
        )
        .order_by()
        .values(
            project=F("update__activity__project_id"),
            output=F("update__activity__output_id"),
            ind=F("indicator_id"),
        )
        .annotate(achieved=Sum("value"))
    }
    by_output: dict[tuple[int, int], list[IndicatorResult]] = {}
    for row in sorted(targets, key=lambda r: r["ind_code"]):
        by_output.setdefault((row["project"], row["output"]), []).append(
            IndicatorResult(
                code=row["ind_code"],
                unit=row["unit"],
                target=row["target"] or ZERO,
                achieved=achieved.get((row["project"], row["output"], row["ind"])) or ZERO,
            )
        )
    project_budget: dict[int, Decimal] = {}
    for row in outputs:
        project_budget[row["project_id"]] = project_budget.get(row["project_id"], ZERO) + (
            row["budget_usd"] or ZERO
        )
    results = []
    for row in outputs:
        total = project_budget[row["project_id"]]
        budget = row["budget_usd"] or ZERO
        results.append(
            OutputResult(
                project_id=row["project_id"],
                output_id=row["output_id"],
                code=row["out_code"],
                title=row["out_title"],
                activity_count=row["activity_count"],
                budget_usd=budget,
                # Unrounded, so the outputs' money adds up to the project's.
                budget_share=(budget / total) if total else None,
                indicators=tuple(by_output.get((row["project_id"], row["output_id"]), ())),
            )
        )
    results.sort(key=lambda r: (r.project_id, r.code))
    return results


@dataclass(frozen=True)
class QuarterStatus:
    workplan_code: str
    quarter: int
    label: str
    counts: dict[str, int]


def workplans_of(*, projects: Projects) -> list[int]:
    """The ids of the workplans whose in-force approved versions hold activities of
    `projects`, the latest period first (then by code): one query."""
    return list(
        Workplan.objects.filter(
            Exists(Activity.objects.filter(_in_force(projects), version__workplan=OuterRef("pk")))
        )
        .order_by("-period_start", "code")
        .values_list("pk", flat=True)
    )


def activity_status_by_quarter(
    *, projects: Projects, workplans: Collection[int] | None = None
) -> list[QuarterStatus]:
    """Verified progress updates per workplan quarter and activity status (one query);
    quarters are labelled with their months from the workplan's period. `workplans`: only
    those workplans' quarters (their ids), when not every one is wanted."""
    updates = ProgressUpdate.objects.filter(
        _in_force(projects, "activity"), state=ProgressUpdate.State.VERIFIED
    )
    if workplans is not None:
        # The ids themselves: PostgreSQL then reaches these workplans' activities and their
        # updates by index instead of reading every verified update of the programme.
        updates = updates.filter(activity__version__workplan__in=list(workplans))
    rows = (
        updates.order_by()
        .values(
            "quarter",
            "status",
            wp=F("activity__version__workplan__code"),
            start=F("activity__version__workplan__period_start"),
            end=F("activity__version__workplan__period_end"),
        )
        .annotate(n=Count("pk"))
    )
    found: dict[tuple[str, int], QuarterStatus] = {}
    labels: dict[str, dict[int, str]] = {}
    for row in rows:
        if row["wp"] not in labels:
            period = _Period(row["start"], row["end"])
            labels[row["wp"]] = {q.number: q.label for q in quarters_of(period)}
        key = (row["wp"], row["quarter"])
        if key not in found:
            label = labels[row["wp"]].get(row["quarter"], f"Q{row['quarter']}")
            found[key] = QuarterStatus(row["wp"], row["quarter"], f"{row['wp']} {label}", {})
        found[key].counts[row["status"]] = row["n"]
    return [found[key] for key in sorted(found)]


@dataclass(frozen=True)
class _Period:
    period_start: datetime.date
    period_end: datetime.date


def activities_by_province(*, projects: Projects) -> dict[str | None, tuple[str, int]]:
    """{province code: (name, activities)} for the in-force approved workplans' activities
    of `projects` (an activity in two provinces counts in each; None: no province), one
    query."""
    return {
        row["prov"]: (row["prov_name"] or "", row["n"])
        for row in Activity.objects.filter(_in_force(projects))
        .order_by()
        .values(prov=F("provinces__code"), prov_name=F("provinces__name"))
        .annotate(n=Count("pk"))
    }
