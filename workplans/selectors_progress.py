"""Reads for progress reporting, the lists: what each counterpart owes per quarter ("My
activities"), the updates a revision closed, and the managers' review queue. One update's
pages read selectors_progress_update."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery

from ctportal.listing import sort_parse
from organisations import access
from projects.models import Province
from workplans.models import (
    Activity,
    ActivityTarget,
    ProgressTransition,
    ProgressUpdate,
    Workplan,
    WorkplanVersion,
)
from workplans.quarters import Quarter, quarters_of
from workplans.selectors import visible_progress_updates
from workplans.services.progress_rules import ProgressActions, progress_actions

State = ProgressUpdate.State
Status = ProgressUpdate.Status

# Where an activity stands for one quarter, in the order a counterpart should act on them.
SITUATIONS = ("returned", "late", "due", "draft", "submitted", "verified")
SITUATION_LABELS = {
    "returned": "Returned to you",
    "late": "Late",
    "due": "Due",
    "draft": "Draft",
    "submitted": "Submitted",
    "verified": "Verified",
}
# An update in one of these states counts as reported for its quarter.
REPORTED = (State.SUBMITTED, State.VERIFIED)
# Once a reported update says this, later quarters owe no update.
FINISHED = (Status.COMPLETED, Status.CANCELLED)


@dataclass(frozen=True)
class ActivityQuarter:
    """One activity in one quarter: its update (if any) and where it stands."""

    activity: Activity
    quarter: Quarter
    update: ProgressUpdate | None
    situation: str
    # The quarter is over and nothing was submitted for it (a draft or returned update
    # of an ended quarter is late too).
    late: bool
    today: datetime.date

    @cached_property
    def actions(self) -> ProgressActions:
        """What the counterpart may do with it now (the rule the services enforce); worked
        out for the rows a page shows only (a decade holds hundreds of thousands)."""
        update = self.update
        return progress_actions(
            activity=update.activity if update is not None else self.activity,
            update=update,
            quarter=self.quarter.number,
            today=self.today,
        )

    @property
    def situation_label(self) -> str:
        return SITUATION_LABELS[self.situation]

    @property
    def needs_action(self) -> bool:
        return self.actions.can_edit and self.situation in ("returned", "late", "due", "draft")

    @property
    def action_label(self) -> str:
        """The link's words: only an action the services will then allow."""
        if not self.actions.can_edit:
            return "View"
        if self.update is None:
            return "Report progress"
        return "Correct and resubmit" if self.situation == "returned" else "Continue the draft"

    @property
    def form_activity_id(self) -> int:
        """The activity whose form holds this quarter (an update reported on an earlier
        version of the activity stays on that version's activity)."""
        return self.update.activity_id if self.update is not None else self.activity.pk


@dataclass(frozen=True)
class QuarterGroup:
    """The activities of one approved workplan version in one of its quarters."""

    workplan: Workplan
    version: WorkplanVersion
    quarter: Quarter
    rows: list[ActivityQuarter]


def _situation(update: ProgressUpdate | None, quarter: Quarter, today: datetime.date) -> tuple:
    ended = quarter.end < today
    if update is None:
        return ("late" if ended else "due"), ended
    late = ended and update.state not in REPORTED
    return update.state, late


_ROW_FIELDS = (
    "activity_id",
    "quarter",
    "state",
    "status",
    "percent_complete",
    "review_comment",
    "verified_at",
    "verified_by_id",
    "revision",
    "activity__lineage",
    "activity__code",
    "activity__lead_counterpart_id",
    "activity__version__number",
    "activity__version__status",
    "activity__version__workplan__code",
    "activity__version__workplan__period_start",
    "activity__version__workplan__period_end",
    "verified_by__username",
    "verified_by__first_name",
    "verified_by__last_name",
)


def _updates_by_lineage(
    activities: list[Activity],
) -> dict[tuple[int, object, int], ProgressUpdate]:
    """Updates of these activities' lineages in their workplans, keyed by (workplan, lineage,
    quarter), in one query. An update submitted or verified on an earlier version of the same
    activity still counts; the in-force activity's own update wins where both exist. Closed
    updates, and drafts left on an earlier version (before revisions carried them), do not
    count: the quarter can be reported on the version in force."""
    if not activities:
        return {}
    in_force = {a.pk for a in activities}
    updates = (
        ProgressUpdate.objects.filter(
            activity__lineage__in={a.lineage for a in activities},
            activity__version__workplan_id__in={a.version.workplan_id for a in activities},
        )
        .exclude(state=State.CLOSED)
        .select_related("activity__version__workplan", "verified_by")
        # What a row, its actions and the callers read: thousands of rows at scale, whose
        # other columns (texts, timestamps) cost more to load than the rest.
        .only(*_ROW_FIELDS)
    )
    found: dict[tuple[int, object, int], ProgressUpdate] = {}
    for update in updates:
        if update.activity_id not in in_force and update.state not in REPORTED:
            continue
        key = (update.activity.version.workplan_id, update.activity.lineage, update.quarter)
        if key not in found or update.activity_id in in_force:
            found[key] = update
    return found


def activity_quarter_rows(
    activities: Iterable[Activity], *, today: datetime.date
) -> list[ActivityQuarter]:
    """For each activity (annotated with `first_quarter`, its first planned target), every
    quarter that has started from that one on, until a reported update says the activity
    is completed or cancelled. One query for the updates, whatever the number of rows."""
    activities = list(activities)
    updates = _updates_by_lineage(activities)
    quarters_by_workplan: dict[int, list[Quarter]] = {}
    rows: list[ActivityQuarter] = []
    for activity in activities:
        workplan = activity.version.workplan
        if workplan.pk not in quarters_by_workplan:
            quarters_by_workplan[workplan.pk] = quarters_of(workplan)
        quarters = quarters_by_workplan[workplan.pk]
        first = getattr(activity, "first_quarter", None) or 1
        finished = False
        for quarter in quarters[first - 1 :]:
            if quarter.start > today:
                break
            update = updates.get((workplan.pk, activity.lineage, quarter.number))
            if finished and update is None:
                continue
            situation, late = _situation(update, quarter, today)
            rows.append(
                ActivityQuarter(
                    activity=activity,
                    quarter=quarter,
                    update=update,
                    situation=situation,
                    late=late,
                    today=today,
                )
            )
            if update is not None and update.state in REPORTED and update.status in FINISHED:
                finished = True
    return rows


def approved_activities() -> QuerySet[Activity]:
    """Activities of approved (in force) versions, each with `first_quarter`: the first
    quarter it plans a target in (a subquery, so no GROUP BY over the joined rows)."""
    first_target = (
        ActivityTarget.objects.filter(activity=OuterRef("pk")).order_by("quarter").values("quarter")
    )
    return (
        Activity.objects.filter(version__status=WorkplanVersion.Status.APPROVED)
        .select_related("version__workplan__sub_programme", "output", "lead_counterpart")
        .annotate(first_quarter=Subquery(first_target[:1]))
    )


# The columns "My activities" sorts by ("-" before one sorts it descending).
MY_ACTIVITIES_SORTS = ("activity", "situation", "status", "complete")


def _row_key(name: str):
    order = {situation: index for index, situation in enumerate(SITUATIONS)}

    def key(row: ActivityQuarter) -> tuple:
        code = _natural(row.activity.code)
        update = row.update
        if name == "activity":
            return (code,)
        if name == "status":
            return (update is None, update.get_status_display() if update else "", code)
        if name == "complete":
            return (update.percent_complete if update else -1, code)
        return (order[row.situation], code)

    return key


def activity_quarter_list(
    *, user, today: datetime.date, search: str = "", sort: str = ""
) -> list[QuarterGroup]:
    """ "My activities": the activities of approved (in force) workplan versions that the
    user's organisation leads, grouped by workplan and quarter (latest quarter first), each
    due, late, returned, draft, submitted or verified. Two queries, whatever the rows.

    search: words in the activity's code or title; sort: one of MY_ACTIVITIES_SORTS, "-"
    first for descending, applied within each quarter (default: what to act on first)."""
    organisation = access.organisation_of(user)
    if not access.is_counterpart(user) or organisation is None:
        return []
    activities = (
        approved_activities()
        .filter(lead_counterpart=organisation)
        .order_by("version__workplan__code", "code")
    )
    search = (search or "").strip()
    if search:
        activities = activities.filter(Q(code__icontains=search) | Q(title__icontains=search))
    groups: dict[tuple[int, int], QuarterGroup] = {}
    for row in activity_quarter_rows(activities, today=today):
        version = row.activity.version
        key = (version.pk, row.quarter.number)
        if key not in groups:
            groups[key] = QuarterGroup(
                workplan=version.workplan, version=version, quarter=row.quarter, rows=[]
            )
        groups[key].rows.append(row)
    name, descending = sort_parse(sort, MY_ACTIVITIES_SORTS, "situation")
    for group in groups.values():
        group.rows.sort(key=_row_key(name), reverse=descending)
    return sorted(groups.values(), key=lambda g: (-g.quarter.start.toordinal(), g.workplan.code))


def situation_counts(groups: Iterable[QuarterGroup]) -> list[tuple[str, str, int]]:
    """(situation, label, how many rows) in SITUATIONS order; "late" counts every late row,
    a late draft or returned update included."""
    counts = dict.fromkeys(SITUATIONS, 0)
    for group in groups:
        for row in group.rows:
            counts[row.situation] += 1
            if row.late and row.situation != "late":
                counts["late"] += 1
    return [(name, SITUATION_LABELS[name], counts[name]) for name in SITUATIONS]


def _natural(code: str) -> tuple:
    """A2 before A10."""
    head = code.rstrip("0123456789")
    tail = code[len(head) :]
    return (head, int(tail) if tail else -1, code)


def closed_updates(*, user, limit: int = 10) -> list[ProgressUpdate]:
    """The latest updates of the user's organisation that a revision closed, each with
    `closed_at` and `notice` (what the closing transition told its author). One query."""
    organisation = access.organisation_of(user)
    if not access.is_counterpart(user) or organisation is None:
        return []
    closing = ProgressTransition.objects.filter(
        update=OuterRef("pk"), to_state=State.CLOSED
    ).order_by("-at", "-pk")
    return list(
        ProgressUpdate.objects.filter(state=State.CLOSED, activity__lead_counterpart=organisation)
        .select_related("activity__version__workplan")
        .annotate(
            closed_at=Subquery(closing.values("at")[:1]),
            notice=Subquery(closing.values("comment")[:1]),
        )
        .order_by(F("closed_at").desc(nulls_last=True), "-pk")[:limit]
    )


# --- The managers' review queue -----------------------------------------------------


# The columns the queue sorts by ("-" before one sorts it descending).
REVIEW_QUEUE_SORTS = {
    "activity": ("activity__code", "quarter"),
    "quarter": ("quarter", "activity__code"),
    "counterpart": ("activity__lead_counterpart__short_name", "activity__code"),
    # Status values sort as their labels do (cancelled, completed, delayed, ...).
    "status": ("status", "activity__code"),
    "complete": ("percent_complete", "activity__code"),
    "submitted": ("submitted_at",),
}


def progress_review_queue(*, user, search: str = "", sort: str = "") -> QuerySet[ProgressUpdate]:
    """Submitted updates the user may see, oldest submission first, with what a row of the
    queue shows (the activity's provinces prefetched).

    search: words in the activity's code or title or its counterpart's name; sort: one of
    REVIEW_QUEUE_SORTS, "-" first for descending."""
    # Only the relations a row shows: each join more costs the planner (with the ten of
    # progress_update_list it took longer to plan than to run at a decade's scale).
    queue = (
        visible_progress_updates(user, ProgressUpdate.objects.filter(state=State.SUBMITTED))
        .select_related(
            "activity__version__workplan__sub_programme", "activity__lead_counterpart", "author"
        )
        .prefetch_related(
            Prefetch("activity__provinces", queryset=Province.objects.order_by("name"))
        )
    )
    search = (search or "").strip()
    if search:
        queue = queue.filter(
            Q(activity__code__icontains=search)
            | Q(activity__title__icontains=search)
            | Q(activity__lead_counterpart__short_name__icontains=search)
            | Q(activity__lead_counterpart__name__icontains=search)
        )
    name, descending = sort_parse(sort, REVIEW_QUEUE_SORTS, "submitted")
    columns = [f"-{c}" if descending else c for c in REVIEW_QUEUE_SORTS[name]]
    return queue.order_by(*columns, "-pk" if descending else "pk")
