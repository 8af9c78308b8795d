"""What the workplans' use cases tell people (alerts.services.notify), called by the services
themselves (progress, versions, the carrying of progress to a revision), never by an
interface: a page, the API or a script making the same change tells the same people.

Each alert goes to whoever must act on it and may see it: a submitted update to the
programme managers, a returned or verified one to its author, a version submitted to the
EWG secretariat, an approval to the managers and to the counterparts whose activities the
version holds (a returned version is a draft again, which counterparts do not see: it goes
to the managers only). Links are paths; e-mails put the portal's address before them.
"""

from django.urls import reverse

from alerts import selectors as audience
from alerts.models import Kind
from alerts.services import Event, notifications_resolve, notify, portal_base
from workplans.models import ProgressUpdate, WorkplanVersion


def update_subject(update: ProgressUpdate) -> str:
    return f"progress-update:{update.pk}"


def activity_quarter_subject(*, workplan_id: int, lineage, quarter: int) -> str:
    """An activity's quarter across the versions of its workplan (reports.services.alerting
    alerts on it while nothing is submitted; a submission resolves it)."""
    return f"activity-quarter:{workplan_id}:{lineage}:{quarter}"


def version_subject(version: WorkplanVersion) -> str:
    return f"workplan-version:{version.pk}"


def _form_url(update: ProgressUpdate) -> str:
    return reverse("workplans:progress-form", args=[update.activity_id, update.quarter])


def _title(update: ProgressUpdate) -> str:
    activity = update.activity
    return f"{activity.version.workplan.code} {activity.code} Q{update.quarter}"


def progress_submitted_alert(*, update: ProgressUpdate, user, base_url: str = "") -> None:
    """Every active programme manager: an update awaits verification. Whatever asked the
    counterpart for it (a returned update, a quarter without one) is done."""
    activity = update.activity
    author = user.get_full_name() or user.get_username()
    notifications_resolve(subject=update_subject(update))
    notifications_resolve(
        subject=activity_quarter_subject(
            workplan_id=activity.version.workplan_id,
            lineage=activity.lineage,
            quarter=update.quarter,
        )
    )
    notify(
        event=Event(
            kind=Kind.PROGRESS_SUBMITTED,
            subject=update_subject(update),
            dedupe_key=f"progress_submitted:{update.pk}:r{update.revision}",
            title=f"Progress to verify: {_title(update)}",
            body=(
                f"{author} ({activity.lead_counterpart.short_name}) submitted the progress "
                f"update for Q{update.quarter} of activity {activity.code} "
                f'"{activity.title}" ({activity.version.workplan.code}).\n\n'
                f"Status: {update.get_status_display()}, {update.percent_complete}% complete."
            ),
            url=reverse("workplans:review-detail", args=[update.pk]),
            action="Verify it or return it with comments",
        ),
        recipients=audience.audience_managers(),
        base_url=base_url,
    )


def progress_returned_alert(*, update: ProgressUpdate, base_url: str = "") -> None:
    """The update's author: it was returned, with the reviewer's comment."""
    activity = update.activity
    notifications_resolve(subject=update_subject(update))
    notify(
        event=Event(
            kind=Kind.PROGRESS_RETURNED,
            subject=update_subject(update),
            dedupe_key=f"progress_returned:{update.pk}:r{update.revision}",
            title=f"Progress returned with comments: {_title(update)}",
            body=(
                f"Your progress update for Q{update.quarter} of activity {activity.code} "
                f'"{activity.title}" was returned with this comment:\n\n'
                f"{update.review_comment}"
            ),
            url=_form_url(update),
            action="Correct it and submit it again",
        ),
        recipients=[update.author_id],
        base_url=base_url,
    )


def progress_verified_alert(*, update: ProgressUpdate) -> None:
    """The update's author: it was verified, and its figures now count."""
    activity = update.activity
    notifications_resolve(subject=update_subject(update))
    notify(
        event=Event(
            kind=Kind.PROGRESS_VERIFIED,
            subject=update_subject(update),
            dedupe_key=f"progress_verified:{update.pk}",
            title=f"Progress verified: {_title(update)}",
            body=(
                f"Your progress update for Q{update.quarter} of activity {activity.code} "
                f'"{activity.title}" was verified; its figures now count.'
            ),
            url=_form_url(update),
            action="See it",
        ),
        recipients=[update.author_id],
    )


def progress_carried_alert(
    *, author_id: int, updates: list[tuple[ProgressUpdate, bool, str]], version: WorkplanVersion
) -> None:
    """One author: what the approval of `version` did to their open updates, each (update,
    moved, notice): moved to it, with where to finish them, or closed, with why."""
    # No request is behind an approval made by the admin or the API alike: the links in the
    # text use the configured address.
    base = portal_base()
    lines = []
    for update, moved, notice in updates:
        what = "moved: finish it there" if moved else "closed"
        link = base + _form_url(update)
        lines.append(f"- {update.activity.code} Q{update.quarter}, {what}\n  {notice}\n  {link}")
    workplan = version.workplan.code
    closed = any(not moved for _, moved, _ in updates)
    title = (
        f"Progress closed by a revision: {workplan} v{version.number}"
        if closed
        else f"Progress moved to the revision: {workplan} v{version.number}"
    )
    by = f" by {version.decided_by_meeting}" if version.decided_by_meeting else ""
    notify(
        event=Event(
            kind=Kind.PROGRESS_CARRIED,
            subject=f"progress-carried:{version.pk}",
            dedupe_key=f"progress_carried:{version.pk}",
            title=title,
            body=(
                f"Version {version.number} of {workplan} was approved{by}. This is what it did "
                "to your progress updates that were not yet verified:\n\n" + "\n\n".join(lines)
            ),
            url=reverse("workplans:my-activities"),
            action="See your activities",
        ),
        recipients=[author_id],
    )


def version_submitted_alert(*, version: WorkplanVersion) -> None:
    """The EWG secretariat: a version awaits the EWG's decision."""
    workplan = version.workplan
    notify(
        event=Event(
            kind=Kind.VERSION_SUBMITTED,
            subject=version_subject(version),
            dedupe_key=f"version_submitted:{version.pk}:{version.submitted_at:%Y%m%d%H%M%S%f}",
            title=f"Awaiting EWG approval: {workplan.code} v{version.number}",
            body=(
                f'Version {version.number} of {workplan.code} "{workplan.title}" was '
                "submitted for approval by the EWG."
            ),
            url=reverse("workplans:version-detail", args=[version.pk]),
            action="Record the EWG's decision",
        ),
        recipients=audience.audience_ewg_secretariat(),
    )


def version_decided_alert(*, version: WorkplanVersion) -> None:
    """Approved: the managers and the counterparts whose activities it holds. Returned: the
    managers (a returned version is a draft again, which counterparts do not see)."""
    workplan = version.workplan
    notifications_resolve(subject=version_subject(version))
    approved = version.status == WorkplanVersion.Status.APPROVED
    recipients = set(audience.audience_managers().values_list("pk", flat=True))
    if approved:
        leads = version.activities.values_list("lead_counterpart_id", flat=True).distinct()
        recipients |= set(audience.audience_counterpart_staff(leads).values_list("pk", flat=True))
    meeting = version.decided_by_meeting
    meeting_id = meeting.pk if meeting else 0
    verb = "approved" if approved else "returned"
    body = f'Version {version.number} of {workplan.code} "{workplan.title}" was {verb}'
    body += f" by the {meeting}." if meeting else "."
    if not approved and version.review_comment:
        body += f"\n\nThe EWG's comment:\n\n{version.review_comment}"
    notify(
        event=Event(
            kind=Kind.VERSION_DECIDED,
            subject=version_subject(version),
            dedupe_key=f"version_decided:{version.pk}:{version.status}:{meeting_id}",
            title=f"Workplan {verb}: {workplan.code} v{version.number}",
            body=body,
            url=reverse("workplans:version-detail", args=[version.pk]),
            action="See the version" if approved else "Revise it and submit it again",
        ),
        recipients=recipients,
    )
