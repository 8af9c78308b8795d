"""What the kept latest verified updates (VerifiedProgress) must say, computed without them:
the progress summary searched through the updates as each viewer sees them, and each
group of viewers' latest update per lineage and quarter, in Python."""

from ctportal.figures import percent_complete
from organisations import access
from workplans.models import Activity, ProgressUpdate, VerifiedProgress, WorkplanVersion
from workplans.selectors import versions_visible_to, visible_progress_updates

State = ProgressUpdate.State
STATUSES = [*ProgressUpdate.Status.values, "not_reported"]
QUARTERS = [None, 1, 2, 3, 4, 9]  # 9: past every update's quarter


def searched_summary(*, user, group_by: str, workplan_id: int | None, quarter: int | None):
    """progress_summary's (rows, total) found by searching, activity by activity, for the
    latest verified update among those the user sees (as the summary did before the rows
    were kept), and added up here by ctportal.figures' definition."""
    in_force = versions_visible_to(user).filter(status=WorkplanVersion.Status.APPROVED)
    activities = Activity.objects.filter(version__in=in_force.values("pk")).select_related(
        "version__workplan", "output"
    )
    if access.is_counterpart(user):
        activities = activities.filter(lead_counterpart=access.organisation_of(user))
    if workplan_id is not None:
        activities = activities.filter(version__workplan_id=workplan_id)
    activities = list(activities)
    # The verified updates the user sees of these activities' lineages, searched in one
    # query (the tests ask thousands of times).
    updates = visible_progress_updates(
        user,
        ProgressUpdate.objects.filter(
            activity__lineage__in={activity.lineage for activity in activities},
            state=State.VERIFIED,
        ),
    )
    if quarter is not None:
        updates = updates.filter(quarter__lte=quarter)
    # Oldest first, so each lineage ends on its highest quarter, the newest on a tie.
    latest = {
        lineage: (status, percent)
        for lineage, status, percent in updates.order_by("quarter", "pk").values_list(
            "activity__lineage", "status", "percent_complete"
        )
    }
    groups: dict = {}
    everything = []
    for activity in activities:
        pair = latest.get(activity.lineage, (None, None))
        everything.append(pair)
        if group_by == "workplan":
            workplan = activity.version.workplan
            key = (workplan.pk, workplan.code, workplan.title)
        elif group_by == "output":
            key = (activity.output_id, activity.output.code, activity.output.title)
        else:
            key = (pair[0] or "not_reported", "", "")
        groups.setdefault(key, []).append(pair)
    total = _row(None, "Total", "", everything)
    if group_by == "status":
        labels = dict(ProgressUpdate.Status.choices) | {"not_reported": "No verified update"}
        rows = [_row(s, labels[s], "", groups.get((s, "", ""), [])) for s in STATUSES]
    else:
        rows = [
            _row(key, label, detail, pairs)
            for (key, label, detail), pairs in sorted(
                groups.items(), key=lambda i: (i[0][1], i[0][0])
            )
        ]
    return rows, total


def _row(key, label: str, detail: str, pairs: list[tuple]) -> dict:
    reported = [status for status, _percent in pairs if status is not None]
    return {
        "key": key,
        "label": label,
        "detail": detail,
        "activities": len(pairs),
        "reported": len(reported),
        "not_reported": len(pairs) - len(reported),
        **{status: reported.count(status) for status in ProgressUpdate.Status.values},
        # The mean over activities not cancelled (ctportal.figures); none when none is left.
        "average_percent_complete": percent_complete(pairs)
        if any(status != "cancelled" for status, _percent in pairs)
        else None,
    }


# --- Each group of viewers' latest update, per lineage and quarter ----------------------


def expected_latest() -> dict[tuple, int]:
    """{(group, lineage, quarter): the update id}, from every update in Python: the verified
    update with the highest quarter up to `quarter` (None: any), the newest on a tie, among
    those the group sees: "everyone", "decided" (on versions the EWG decided), or a lead
    counterpart's id (of the activities it leads)."""
    updates = [
        u
        for u in ProgressUpdate.objects.select_related("activity__version")
        if u.state == State.VERIFIED
    ]
    latest: dict[tuple, tuple] = {}
    for update in updates:
        activity = update.activity
        seen_by = {
            "everyone",
            *(["decided"] if activity.version.status in WorkplanVersion.DECIDED else []),
            activity.lead_counterpart_id,
        }
        for group in seen_by:
            for quarter in QUARTERS:
                if quarter is not None and update.quarter > quarter:
                    continue
                key = (group, activity.lineage, quarter)
                if key not in latest or (update.quarter, update.pk) > latest[key]:
                    latest[key] = (update.quarter, update.pk)
    return {key: pk for key, (_quarter, pk) in latest.items()}


def kept_latest() -> dict[tuple, int]:
    """The same, as the kept rows say it; a group reading two rows for one lineage and
    quarter fails."""
    kept: dict[tuple, int] = {}
    for row in VerifiedProgress.objects.all():
        groups = [
            *(["everyone"] if row.everyone else []),
            *(["decided"] if row.decided else []),
            *([row.lead_counterpart_id] if row.lead_counterpart_id else []),
        ]
        assert groups, f"{row} is read by nobody"
        for group in groups:
            for quarter in QUARTERS:
                if quarter is None:
                    held = row.until_quarter is None
                else:
                    held = row.quarter <= quarter and (
                        row.until_quarter is None or quarter < row.until_quarter
                    )
                if held:
                    key = (group, row.lineage, quarter)
                    assert key not in kept, f"two rows for {key}"
                    kept[key] = row.update_id
    return kept


def kept_figures_match() -> None:
    """Every kept row says what its update says."""
    for row in VerifiedProgress.objects.select_related("update"):
        assert (row.status, row.percent_complete, row.quarter) == (
            row.update.status,
            row.update.percent_complete,
            row.update.quarter,
        ), str(row)
