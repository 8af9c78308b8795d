"""Verified results: what the indicators have achieved, quarter by quarter, and which
activities are late in reporting. Only verified updates count. The activities counted by
the status of their latest update (the progress summary) are workplans.selectors_summary."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Sum

from projects.models import Project
from workplans.models import (
    AchievedValue,
    Activity,
    ActivityTarget,
    ProgressUpdate,
    WorkplanVersion,
)
from workplans.quarters import Quarter, quarters_of
from workplans.selectors import versions_visible_to
from workplans.selectors_progress import activity_quarter_rows, approved_activities

ZERO = Decimal("0")


@dataclass(frozen=True)
class QuarterTotal:
    """The verified total of one indicator in one quarter of one workplan."""

    workplan_code: str
    quarter: Quarter
    value: Decimal

    @property
    def label(self) -> str:
        return self.quarter.label


@dataclass
class IndicatorProgress:
    """An indicator's verified achievements: per quarter (oldest first) and cumulative."""

    indicator_id: int
    quarters: list[QuarterTotal] = field(default_factory=list)
    cumulative: Decimal = ZERO

    def current(self, baseline: Decimal) -> Decimal:
        """Where the indicator stands now: its baseline plus what was achieved since."""
        return baseline + self.cumulative

    def share_of_target(self, baseline: Decimal, target: Decimal) -> Decimal | None:
        """How far from the baseline to the target the achievements have gone, in percent
        (above 100 when the target is passed); None when the target is not above the
        baseline."""
        if target is None or baseline is None or target <= baseline:
            return None
        return self.cumulative * 100 / (target - baseline)


def indicator_progress(
    *, indicator_ids: Iterable[int], project: Project | None = None
) -> dict[int, IndicatorProgress]:
    """{indicator id: verified achievements} for every id asked, in one grouped query.

    Only values of verified updates count; with `project`, only those of its activities.
    Where an update gives an indicator's total (no sex, no province) as well as its
    breakdown, the total stands for the update and the breakdown is not added again.
    """
    ids = sorted(set(indicator_ids))
    progress = {pk: IndicatorProgress(indicator_id=pk) for pk in ids}
    if not ids:
        return progress
    total_row = AchievedValue.objects.filter(
        update=OuterRef("update"), indicator=OuterRef("indicator"), sex="", province__isnull=True
    )
    values = AchievedValue.objects.filter(
        indicator_id__in=ids, update__state=ProgressUpdate.State.VERIFIED
    ).filter(Q(sex="", province__isnull=True) | ~Exists(total_row))
    if project is not None:
        values = values.filter(update__activity__project=project)
    workplan = "update__activity__version__workplan"
    rows = (
        values.values(
            "indicator_id",
            f"{workplan}_id",
            f"{workplan}__code",
            f"{workplan}__period_start",
            f"{workplan}__period_end",
            "update__quarter",
        )
        .annotate(total=Sum("value"))
        .order_by()
    )
    quarters_of_workplan: dict[int, list[Quarter]] = {}
    for row in rows:
        workplan_id = row[f"{workplan}_id"]
        if workplan_id not in quarters_of_workplan:
            period = _Period(row[f"{workplan}__period_start"], row[f"{workplan}__period_end"])
            quarters_of_workplan[workplan_id] = quarters_of(period)
        quarters = quarters_of_workplan[workplan_id]
        number = row["update__quarter"]
        if not 1 <= number <= len(quarters):
            continue  # an update outside its workplan's period cannot be placed in time
        entry = progress[row["indicator_id"]]
        entry.quarters.append(
            QuarterTotal(
                workplan_code=row[f"{workplan}__code"],
                quarter=quarters[number - 1],
                value=row["total"],
            )
        )
        entry.cumulative += row["total"]
    for entry in progress.values():
        entry.quarters.sort(key=lambda q: (q.quarter.start, q.workplan_code))
    return progress


@dataclass(frozen=True)
class _Period:
    period_start: datetime.date
    period_end: datetime.date


@dataclass(frozen=True)
class LateActivity:
    """An activity with quarters that ended without a submitted update."""

    activity: Activity
    quarters: list[Quarter]


def late_activities(*, project: Project, today: datetime.date, user=None) -> list[LateActivity]:
    """Activities of approved workplan versions paid for by `project` (of the versions
    `user` may see, when given) with at least one ended quarter, from their first planned
    one, that has no submitted or verified update. Two queries."""
    activities = approved_activities().filter(project=project)
    if user is not None:
        visible = versions_visible_to(user)
        activities = activities.filter(version__in=visible.values("pk"))
    late: dict[int, LateActivity] = {}
    for row in activity_quarter_rows(
        activities.order_by("version__workplan__code", "code"), today=today
    ):
        if row.late:
            entry = late.setdefault(row.activity.pk, LateActivity(row.activity, []))
            entry.quarters.append(row.quarter)
    return list(late.values())


# --- Targets and breakdowns by quarter (the progress report) ----------------------------


def indicator_quarter_targets(*, version: WorkplanVersion) -> dict[tuple[int, int], Decimal]:
    """{(indicator id, quarter): the version's activities' targets summed}, one query."""
    return {
        (row["indicator_id"], row["quarter"]): row["total"]
        for row in ActivityTarget.objects.filter(activity__version=version)
        .values("indicator_id", "quarter")
        .annotate(total=Sum("value"))
        .order_by()
    }


@dataclass(frozen=True)
class BreakdownValue:
    """A verified achieved value of one indicator in one quarter, for one sex (dimension
    "sex", key the Sex value) or one province (dimension "province", key its code)."""

    indicator_id: int
    quarter: int
    dimension: str
    key: str
    label: str
    value: Decimal


def indicator_breakdowns(*, workplan_id: int, up_to_quarter: int) -> list[BreakdownValue]:
    """The verified achieved values of the workplan's activities up to `up_to_quarter`,
    summed by indicator, quarter and sex, and by indicator, quarter and province (one
    query). An update may give a sex's value on its own (no province) or split by
    province; where it gives both, the value on its own stands and the split is not added
    again (so a sex, or a province, is never counted twice), as indicator_progress does
    for totals."""
    values = (
        AchievedValue.objects.filter(
            update__state=ProgressUpdate.State.VERIFIED,
            update__activity__version__workplan_id=workplan_id,
            update__quarter__lte=up_to_quarter,
        )
        .filter(~Q(sex="") | Q(province__isnull=False))
        .values_list(
            "update_id",
            "indicator_id",
            "update__quarter",
            "sex",
            "province_id",
            "province__name",
            "value",
        )
        .order_by()
    )
    sexes = dict(AchievedValue.Sex.choices)
    # (dimension, key) per update and indicator: rows giving it alone, and split rows.
    alone: dict[tuple, Decimal] = {}
    split: dict[tuple, Decimal] = {}
    labels: dict[tuple[str, str], str] = {}
    for update_id, indicator_id, quarter, sex, province, province_name, total in values:
        base = (update_id, indicator_id, quarter)
        if sex:
            target = alone if province is None else split
            key = (*base, "sex", sex)
            target[key] = target.get(key, ZERO) + total
            labels[("sex", sex)] = sexes.get(sex, sex)
        if province is not None:
            target = alone if not sex else split
            key = (*base, "province", province)
            target[key] = target.get(key, ZERO) + total
            labels[("province", province)] = province_name
    given_alone = {(u, i, d) for (u, i, _q, d, _k) in alone}
    sums: dict[tuple[int, int, str, str], Decimal] = {}
    for (_update, indicator_id, quarter, dimension, key), total in [
        *alone.items(),
        *(
            item
            for item in split.items()
            if (item[0][0], item[0][1], item[0][3]) not in given_alone
        ),
    ]:
        group = (indicator_id, quarter, dimension, key)
        sums[group] = sums.get(group, ZERO) + total
    return [
        BreakdownValue(
            indicator_id=indicator_id,
            quarter=quarter,
            dimension=dimension,
            key=key,
            label=labels[(dimension, key)],
            value=value,
        )
        for (indicator_id, quarter, dimension, key), value in sorted(sums.items())
    ]
