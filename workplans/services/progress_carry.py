"""When the EWG approves a revision, the progress still being worked on follows its activity
into it, so no work is stranded on a version that can no longer be reported on.

Every draft, submitted or returned update on an earlier version of the workplan moves to the
approved version's activity of the same lineage: the same row (values, evidence, transitions
and history kept), re-pointed. It is closed instead, with a notice to its author, when the
revision dropped the activity, gave it to another counterpart (whose staff must not see this
one's draft), has no such quarter any more, or already holds an update for that quarter
(one update per activity and quarter; the one already there stays). Verified updates stay
where they are: their figures count from any version of the activity.
"""

from collections import defaultdict
from dataclasses import dataclass

from ctportal.audit_trail import delete_audited, save_audited
from workplans import alerts
from workplans.models import Activity, ProgressTransition, ProgressUpdate, WorkplanVersion
from workplans.quarters import quarter_count

from .progress_rules import OPEN_STATES

State = ProgressUpdate.State


@dataclass(frozen=True)
class Carried:
    """What happened to one update, as its author is told."""

    update: ProgressUpdate
    moved: bool
    notice: str


def _record(update: ProgressUpdate, *, to: str, user, comment: str) -> None:
    ProgressTransition.objects.create(
        update=update, from_state=update.state, to_state=to, by=user, comment=comment
    )
    update.state = to
    # Whoever had the update open before the approval edits a stale copy.
    update.revision += 1


def _close(update: ProgressUpdate, *, why: str, version: WorkplanVersion, user) -> Carried:
    notice = (
        f"Closed when version {version.number} of {version.workplan.code} was approved: {why} "
        "What it said is kept here, read-only."
    )
    _record(update, to=State.CLOSED, user=user, comment=notice)
    save_audited(update, user=user, reason=f"Closed on approval of version {version.number}")
    return Carried(update=update, moved=False, notice=notice)


def _move(update: ProgressUpdate, *, target: Activity, version: WorkplanVersion, user) -> Carried:
    """Re-point the update at `target`. Values on an indicator the new version's activity no
    longer targets go (kept in their history): its form could neither show nor save them,
    and a verification must not count them."""
    carried = {t.indicator_id for t in target.targets.all()}
    dropped = sorted(
        {v.indicator.code for v in update.values.all() if v.indicator_id not in carried}
    )
    reason = f"Moved to version {version.number} on approval"
    for value in update.values.all():
        if value.indicator_id not in carried:
            delete_audited(value, user=user, reason=f"{reason}: indicator no longer targeted")
    notice = (
        f"Moved from version {update.activity.version.number} to version {version.number} "
        f"of {version.workplan.code} when version {version.number} was approved; "
        f"it stays {update.get_state_display().lower()} and can be finished there."
    )
    if dropped:
        notice += (
            f" Its values of {', '.join(dropped)} were removed: version {version.number} no "
            f"longer targets {'that indicator' if len(dropped) == 1 else 'those indicators'} "
            f"on {target.code}."
        )
    _record(update, to=update.state, user=user, comment=notice)
    update.activity = target
    save_audited(update, user=user, reason=reason)
    return Carried(update=update, moved=True, notice=notice)


def progress_carry(*, version: WorkplanVersion, user) -> list[Carried]:
    """Move or close every open update on the earlier versions of `version`'s workplan; its
    authors are told (workplans.alerts), by e-mail once the approval commits. Called by
    version_approve, inside its transaction and its workplan lock."""
    workplan = version.workplan
    # A save of progress locks its activity first: holding these, none slips a new draft
    # onto an earlier version while its updates are being carried.
    list(
        Activity.objects.select_for_update(of=("self",))
        .filter(version__workplan=workplan)
        .exclude(version=version)
        .only("pk")
    )
    continuing = {
        activity.lineage: activity
        for activity in Activity.objects.filter(version=version)
        .select_related("lead_counterpart")
        .prefetch_related("targets")
    }
    open_updates = list(
        ProgressUpdate.objects.select_for_update(of=("self",))
        .filter(activity__version__workplan=workplan, state__in=OPEN_STATES)
        .exclude(activity__version=version)
        .select_related("activity__version", "activity__lead_counterpart", "author")
        .prefetch_related("values__indicator")
        # The latest change first: of two updates for one quarter, it is the one that moves.
        .order_by("-updated_at", "-pk")
    )
    taken = set(
        ProgressUpdate.objects.filter(activity__version=version).values_list(
            "activity_id", "quarter"
        )
    )
    quarters = quarter_count(workplan)
    outcomes: list[Carried] = []
    for update in open_updates:
        activity = update.activity
        target = continuing.get(activity.lineage)
        name = f"activity {activity.code}"
        if target is None:
            why = f"version {version.number} no longer has {name}."
        elif update.quarter > quarters:
            why = (
                f"{workplan.code} now has quarters 1 to {quarters}; "
                f"there is no Q{update.quarter} any more."
            )
        elif target.lead_counterpart_id != activity.lead_counterpart_id:
            why = f"version {version.number} gives {name} to {target.lead_counterpart.short_name}."
        elif (target.pk, update.quarter) in taken:
            why = (
                f"version {version.number} already holds a Q{update.quarter} update of "
                f"{target.code}; report there."
            )
        else:
            outcomes.append(_move(update, target=target, version=version, user=user))
            taken.add((target.pk, update.quarter))
            continue
        outcomes.append(_close(update, why=why, version=version, user=user))
    if outcomes:
        by_author: dict[int, list[Carried]] = defaultdict(list)
        for outcome in outcomes:
            by_author[outcome.update.author_id].append(outcome)
        for author_id, carried in by_author.items():
            alerts.progress_carried_alert(
                author_id=author_id,
                updates=[(c.update, c.moved, c.notice) for c in carried],
                version=version,
            )
    return outcomes
