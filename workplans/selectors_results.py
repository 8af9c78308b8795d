"""Verified results: what the indicators have achieved, quarter by quarter, which
activities are late in reporting, and the activities counted by the status of their
latest update (the progress summary). Only verified updates count."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum

from ctportal.figures import CANCELLED, percent_complete_rounded
from organisations import access
from projects.models import Output, Project
from workplans.models import (
    AchievedValue,
    Activity,
    ActivityTarget,
    ProgressUpdate,
    VerifiedProgress,
    WorkplanVersion,
)
from workplans.quarters import Quarter, quarters_of
from workplans.selectors import verified_progress_audience, versions_visible_to
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


# --- The progress summary --------------------------------------------------------------

Status = ProgressUpdate.Status
PROGRESS_GROUP_BYS = ("workplan", "output", "status")
NOT_REPORTED = "not_reported"


def progress_summary(*, user, group_by: str, workplan_id: int | None, quarter: int | None):
    """Activities of the approved (in force) versions the user may see, each counted by the
    status of its latest verified update (up to `quarter`) among the updates the user sees,
    per workplan, output or status. Counterpart staff count the activities their
    organisation leads, whose updates they see; only verified figures count. One query,
    whatever the number of activities: each activity's latest update is read by key where
    it is kept (VerifiedProgress), for every viewer and quarter, not searched for."""
    in_force = versions_visible_to(user).filter(status=WorkplanVersion.Status.APPROVED)
    activities = Activity.objects.filter(version__in=in_force.values("pk"))
    if access.is_counterpart(user):
        activities = activities.filter(lead_counterpart=access.organisation_of(user))
    if workplan_id is not None:
        activities = activities.filter(version__workplan_id=workplan_id)
    grouped = _latest_grouped(
        activities,
        PROGRESS_GROUPS[group_by],
        audience=verified_progress_audience(user),
        quarter=quarter,
    )
    total = _summary_row(
        _folded((g["s"], g["n"], g["p"]) for g in grouped), key=None, label="Total", detail=""
    )
    if group_by == "status":
        statuses = [*Status.choices, (NOT_REPORTED, "No verified update")]
        rows = [
            _summary_row(
                _folded(
                    (g["s"], g["n"], g["p"])
                    for g in grouped
                    if g["s"] == (None if key == NOT_REPORTED else key)
                ),
                key=key,
                label=label,
                detail="",
            )
            for key, label in statuses
        ]
        return rows, total
    by_key: dict[object, list[dict]] = {}
    for g in grouped:
        by_key.setdefault(g["k"], []).append(g)
    rows = [
        _summary_row(
            _folded((g["s"], g["n"], g["p"]) for g in parts),
            key=key,
            label=parts[0]["l1"],
            detail=parts[0]["l2"],
        )
        for key, parts in sorted(by_key.items(), key=lambda item: (item[1][0]["l1"], item[0]))
    ]
    return rows, total


@dataclass(frozen=True)
class _Grouping:
    """How the summary groups activities: by an activity column (`column`), whose rows
    `labels` names: a queryset of (`grp`: the column's value, `k`: the row's key, `l1`,
    `l2`: its label and detail)."""

    column: str | None
    labels: Callable[[], QuerySet] | None = None


PROGRESS_GROUPS = {
    # By version, each named by its workplan: activities need no join to be grouped.
    "workplan": _Grouping(
        "version_id",
        lambda: WorkplanVersion.objects.values(
            grp=F("id"), k=F("workplan_id"), l1=F("workplan__code"), l2=F("workplan__title")
        ),
    ),
    "output": _Grouping(
        "output_id",
        lambda: Output.objects.values(grp=F("id"), k=F("id"), l1=F("code"), l2=F("title")),
    ),
    "status": _Grouping(None),
}


def _latest_grouped(
    activities: QuerySet[Activity],
    grouping: _Grouping,
    *,
    audience: dict[str, object] | None,
    quarter: int | None,
) -> list[dict]:
    """The activities grouped by `grouping` (its rows' key k, label l1 and detail l2) and
    the status `s` of the latest verified update the audience sees up to `quarter` (None:
    not reported), with how many they are (`n`) and their percent complete summed (`p`):
    one query. A key may come in several parts (a workplan's versions), to be added up.

    Each activity is joined to its lineage's kept row for the audience and the quarter.
    Written in SQL because the ORM joins only along relations, and a lineage is none; as
    correlated subqueries (one per column, per activity) the same read took three times as
    long at a decade's scale (50,000 activities). The activities are grouped by an integer
    column and named after grouping: hashing each one's workplan or output code and title
    took half of the query's time."""
    columns = {"lineage_key": F("lineage")}
    if grouping.column is not None:
        columns["grp"] = F(grouping.column)
    inner = activities.order_by().values(**columns)
    try:
        inner_sql, inner_params = inner.query.sql_with_params()
    except EmptyResultSet:
        return []  # a user who may see no version: no activity to count
    name = connection.ops.quote_name
    meta = VerifiedProgress._meta

    def kept(field: str) -> str:
        return f"kept.{name(meta.get_field(field).column)}"

    on, params = [f"{kept('lineage')} = a.{name('lineage_key')}"], []
    if audience is None:
        on.append("1 = 0")  # sees no update: every activity counts as not reported
    else:
        for field, value in audience.items():
            on.append(f"{kept(field)} = %s")
            params.append(value)
    if quarter is None:
        on.append(f"{kept('until_quarter')} IS NULL")
    else:
        on.append(
            f"{kept('quarter')} <= %s AND "
            f"({kept('until_quarter')} IS NULL OR {kept('until_quarter')} > %s)"
        )
        params += [quarter, quarter]
    grouped = ([f"a.{name('grp')}"] if grouping.column else []) + [kept("status")]
    sql = (
        f"SELECT {', '.join(grouped)}, COUNT(*), SUM(COALESCE({kept('percent_complete')}, 0)) "
        f"FROM ({inner_sql}) a LEFT JOIN {name(meta.db_table)} kept ON {' AND '.join(on)} "
        f"GROUP BY {', '.join(grouped)}"
    )
    params = [*inner_params, *params]
    keys = ["s", "n", "p"]
    if grouping.column is not None:
        labels_sql, labels_params = grouping.labels().order_by().query.sql_with_params()
        sql = (
            f"SELECT lab.{name('k')}, lab.{name('l1')}, lab.{name('l2')}, g.* "
            f"FROM ({sql}) g INNER JOIN ({labels_sql}) lab ON lab.{name('grp')} = g.{name('grp')}"
        )
        params += labels_params
        keys = ["k", "l1", "l2", "grp", *keys]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]


def _folded(groups) -> dict:
    """A group's figures from its (latest status, activities, sum of latest percent) rows:
    ctportal.figures.DEFINITIONS["percent_complete"] leaves cancelled activities out and
    counts an activity with no verified update as 0 %."""
    figures = {"activities": 0, "reported": 0, **dict.fromkeys(Status.values, 0)}
    counted, percent = 0, 0
    for status, activities, percent_sum in groups:
        figures["activities"] += activities
        if status is not None:
            figures["reported"] += activities
            figures[status] += activities
        if status != CANCELLED:
            counted += activities
            percent += percent_sum or 0
    figures["average"] = Decimal(percent) / counted if counted else None
    return figures


def _summary_row(figures: dict, *, key, label: str, detail: str) -> dict:
    average = figures["average"]
    return {
        "key": key,
        "label": label,
        "detail": detail,
        "activities": figures["activities"],
        "reported": figures["reported"],
        "not_reported": figures["activities"] - figures["reported"],
        **{value: figures[value] for value in Status.values},
        "average_percent_complete": percent_complete_rounded(average),
    }


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
