"""A progress report's figures: one workplan's approved version in one quarter, read
through workplans' selectors. Only verified progress counts."""

import datetime
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum

from ctportal import figures
from ctportal.exceptions import DomainError
from reports.figures.progress_detail import (
    BreakdownRow,
    IndicatorMeta,
    QuarterRow,
    breakdown_rows,
    quarter_rows,
)
from workplans.models import ActivityTarget, ProgressUpdate, Workplan, WorkplanVersion
from workplans.quarters import quarters_of
from workplans.selectors_progress import activity_quarter_rows, approved_activities
from workplans.selectors_results import indicator_progress

ZERO = Decimal("0")

NOT_REPORTED = "not_reported"
STATUS_LABELS = {
    **dict(ProgressUpdate.Status.choices),
    NOT_REPORTED: "No verified update",
}
STATUS_ORDER = [*ProgressUpdate.Status.values, NOT_REPORTED]


@dataclass
class ActivityRow:
    code: str
    title: str
    lead: str
    budget: Decimal
    budget_currency: str
    status: str
    percent: int
    reported_quarter: int | None
    narrative: str
    challenges: str
    late_quarters: list[int] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_late(self) -> bool:
        return bool(self.late_quarters) or self.status == ProgressUpdate.Status.DELAYED


@dataclass
class IndicatorRow:
    code: str
    title: str
    unit: str
    baseline: Decimal
    framework_target: Decimal
    target_to_date: Decimal
    target_total: Decimal
    achieved_to_date: Decimal

    @property
    def share_of_target(self) -> Decimal | None:
        """Achieved to date against the workplan's targets to date (1 = 100 %)."""
        if not self.target_to_date:
            return None
        return (self.achieved_to_date / self.target_to_date).quantize(
            Decimal("0.0001"), ROUND_HALF_UP
        )


@dataclass
class ProgressFigures:
    workplan_code: str
    workplan_title: str
    version_number: int
    quarter: int
    quarter_label: str
    period_start: datetime.date
    period_end: datetime.date
    activities: list[ActivityRow]
    indicators: list[IndicatorRow]
    # Targets against actuals quarter by quarter, and the breakdowns by sex and province
    # (reports.figures.progress_detail).
    quarterly: list[QuarterRow] = field(default_factory=list)
    breakdowns: list[BreakdownRow] = field(default_factory=list)

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        """(status, label, activities) for every status, in the life-cycle order."""
        counts = Counter(a.status for a in self.activities)
        return [(s, STATUS_LABELS[s], counts.get(s, 0)) for s in STATUS_ORDER]

    @property
    def percent_complete(self) -> Decimal:
        """ctportal.figures.DEFINITIONS["percent_complete"]."""
        return figures.percent_complete((a.status, a.percent) for a in self.activities)

    @property
    def late_activities(self) -> list[ActivityRow]:
        return [a for a in self.activities if a.is_late]


def _natural(code: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code))


def progress_figures(*, workplan: Workplan, quarter: int) -> ProgressFigures:
    """The approved version of `workplan` up to the end of `quarter`: each activity's last
    verified status and percent, the indicators' verified achievements against the targets
    planned to date, and the activities that are late (an ended quarter without a
    submitted update, or verified as delayed) with their last verified narrative."""
    version = WorkplanVersion.objects.filter(
        workplan=workplan, status=WorkplanVersion.Status.APPROVED
    ).first()
    if version is None:
        raise DomainError(
            f"Workplan {workplan.code} has no approved version to report on.",
            field="workplan",
            code="no_approved_version",
        )
    quarters = quarters_of(workplan)
    this_quarter = quarters[quarter - 1]
    activities = sorted(
        approved_activities().filter(version=version), key=lambda a: _natural(a.code)
    )
    verified = {}
    for update in (
        ProgressUpdate.objects.filter(
            activity__version__workplan=workplan,
            activity__lineage__in=[a.lineage for a in activities],
            state=ProgressUpdate.State.VERIFIED,
            quarter__lte=quarter,
        )
        .select_related("activity")
        .order_by("quarter", "pk")
    ):
        verified[update.activity.lineage] = update  # the latest quarter wins
    late = defaultdict(list)
    day_after = this_quarter.end + datetime.timedelta(days=1)
    for row in activity_quarter_rows(activities, today=day_after):
        if row.late and row.quarter.number <= quarter:
            late[row.activity.pk].append(row.quarter.number)
    rows = []
    for activity in activities:
        update = verified.get(activity.lineage)
        rows.append(
            ActivityRow(
                code=activity.code,
                title=activity.title,
                lead=activity.lead_counterpart.short_name,
                budget=activity.budget,
                budget_currency=activity.budget_currency,
                status=update.status if update else NOT_REPORTED,
                percent=update.percent_complete if update else 0,
                reported_quarter=update.quarter if update else None,
                narrative=update.narrative if update else "",
                challenges=update.challenges if update else "",
                late_quarters=late.get(activity.pk, []),
            )
        )

    targets = (
        ActivityTarget.objects.filter(activity__version=version)
        .values(
            "indicator",
            "indicator__code",
            "indicator__title",
            "indicator__unit",
            "indicator__baseline",
            "indicator__target",
        )
        .annotate(
            total=Sum("value"),
            to_date=Sum("value", filter=Q(quarter__lte=quarter)),
        )
        .order_by()
    )
    targets = sorted(targets, key=lambda t: _natural(t["indicator__code"]))
    achieved = indicator_progress(indicator_ids=[t["indicator"] for t in targets])
    indicators = []
    for target in targets:
        progress = achieved[target["indicator"]]
        to_date = sum(
            (
                q.value
                for q in progress.quarters
                if q.workplan_code == workplan.code and q.quarter.number <= quarter
            ),
            ZERO,
        )
        indicators.append(
            IndicatorRow(
                code=target["indicator__code"],
                title=target["indicator__title"],
                unit=target["indicator__unit"],
                baseline=target["indicator__baseline"],
                framework_target=target["indicator__target"],
                target_to_date=target["to_date"] or ZERO,
                target_total=target["total"] or ZERO,
                achieved_to_date=to_date,
            )
        )
    metas = [
        IndicatorMeta(
            indicator_id=t["indicator"],
            code=t["indicator__code"],
            title=t["indicator__title"],
            unit=t["indicator__unit"],
        )
        for t in targets
    ]
    return ProgressFigures(
        workplan_code=workplan.code,
        workplan_title=workplan.title,
        version_number=version.number,
        quarter=quarter,
        quarter_label=this_quarter.label,
        period_start=this_quarter.start,
        period_end=this_quarter.end,
        activities=rows,
        indicators=indicators,
        quarterly=quarter_rows(
            version=version,
            workplan_code=workplan.code,
            quarters=quarters,
            quarter=quarter,
            indicators=metas,
            achieved=achieved,
        ),
        breakdowns=breakdown_rows(workplan_id=workplan.pk, quarter=quarter, indicators=metas),
    )
