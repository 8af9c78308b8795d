"""What may happen next to one activity's progress in one quarter: the one place that
decides it. The services refuse with the errors it gives; the pages offer only the actions
it allows and show its message for the others, so a page never offers what will then be
refused. Who may act (role, organisation) is asked of organisations.access, here for
every progress service (reporter_require, reviewer_require)."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from ctportal.exceptions import DomainError
from organisations import access
from workplans.models import Activity, ProgressUpdate, WorkplanVersion
from workplans.quarters import quarter_get

State = ProgressUpdate.State
EDITABLE_STATES = (State.DRAFT, State.RETURNED)
# What a revision carries to the version it approves (or closes).
OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.RETURNED)


@dataclass(frozen=True)
class Refusal:
    """Why an action is not possible now, as the service raises it and the page says it."""

    message: str
    code: str
    field: str | None = None

    def error(self) -> DomainError:
        return DomainError(self.message, field=self.field, code=self.code)


@dataclass(frozen=True)
class ProgressActions:
    """Each action on one update (or on a quarter not reported yet): None when it is
    possible, otherwise the refusal. `edit` covers saving, submitting with the form and
    adding or removing evidence."""

    edit: Refusal | None
    submit: Refusal | None
    verify: Refusal | None
    return_: Refusal | None

    @property
    def can_edit(self) -> bool:
        return self.edit is None

    @property
    def can_submit(self) -> bool:
        return self.submit is None

    @property
    def can_verify(self) -> bool:
        return self.verify is None

    @property
    def can_return(self) -> bool:
        return self.return_ is None

    @property
    def notice(self) -> str:
        """The one message a page shows where the update cannot be edited."""
        return self.edit.message if self.edit is not None else ""


def closing_notice(update: ProgressUpdate) -> str:
    """What its author was told when a revision closed the update (its last transition's
    comment; transitions prefetched on the pages)."""
    closing = [t for t in update.transitions.all() if t.to_state == State.CLOSED]
    if closing and closing[-1].comment:
        return closing[-1].comment
    return f"The Q{update.quarter} update of {update.activity.code} was closed by a revision."


def _name(activity: Activity, quarter: int) -> str:
    return f"The Q{quarter} update of {activity.code}"


def _closed(update: ProgressUpdate) -> Refusal:
    return Refusal(closing_notice(update), code="update_closed")


def _version_refusal(version: WorkplanVersion) -> Refusal | None:
    if version.status == WorkplanVersion.Status.APPROVED:
        return None
    return Refusal(
        f"Version {version.number} of {version.workplan.code} is "
        f"{version.get_status_display().lower()}; progress is reported only on the "
        "approved version.",
        code="version_not_approved",
    )


def _not_started(activity: Activity, quarter: int, today: datetime.date) -> Refusal | None:
    period = quarter_get(activity.version.workplan, quarter)
    if period is None or period.start <= today:
        return None
    return Refusal(
        f"{period.label} has not started yet; report on it once it has.",
        code="quarter_not_started",
        field="quarter",
    )


def _state_refusal(activity: Activity, update: ProgressUpdate) -> Refusal:
    """Why a submitted or verified update cannot be edited."""
    name = _name(activity, update.quarter)
    if update.state == State.SUBMITTED:
        message = (
            f"{name} is submitted and waits for a programme manager's verification; "
            "it cannot be edited now."
        )
    else:
        by = ""
        if update.verified_by_id:
            who = update.verified_by
            by = f" by {who.get_full_name() or who.get_username()}"
            if update.verified_at:
                by += f" on {timezone.localtime(update.verified_at):%d %b %Y}"
        message = f"{name} is verified{by}; its figures count in reports and can no longer change."
    return Refusal(message, code="not_editable")


def _illegal(activity: Activity, update: ProgressUpdate, action: str) -> Refusal:
    return Refusal(
        f"{_name(activity, update.quarter)} is {update.get_state_display().lower()}; "
        f"it cannot be {action}.",
        code="illegal_transition",
        field="state",
    )


def progress_actions(
    *,
    activity: Activity,
    update: ProgressUpdate | None,
    quarter: int | None = None,
    today: datetime.date | None = None,
) -> ProgressActions:
    """What may happen to `update` (or, when None, to quarter `quarter` of `activity`, not
    reported yet). `activity` is the update's own, with its version and workplan loaded.

    Editing needs an update that is not closed, on the approved version, in a quarter that
    has started, in draft or returned. Verifying needs a submitted update. Returning needs
    a submitted update someone can then correct: on the approved version."""
    today = today or timezone.localdate()
    number = update.quarter if update is not None else quarter
    closed = update is not None and update.state == State.CLOSED
    edit = (
        (_closed(update) if closed else None)
        or _version_refusal(activity.version)
        or (_not_started(activity, number, today) if number is not None else None)
    )
    if update is None:
        nothing = Refusal(f"{_name(activity, number)} has not been written yet.", "not_found")
        return ProgressActions(edit=edit, submit=edit, verify=nothing, return_=nothing)
    submit = edit
    if edit is None and update.state not in EDITABLE_STATES:
        edit = _state_refusal(activity, update)
        submit = _illegal(activity, update, "submitted")
    if update.state != State.SUBMITTED:
        verify = _illegal(activity, update, "verified")
        return_ = _illegal(activity, update, "returned")
    else:
        verify = None
        return_ = None
        if activity.version.status != WorkplanVersion.Status.APPROVED:
            return_ = Refusal(
                f"{_name(activity, update.quarter)} is on version {activity.version.number} "
                f"of {activity.version.workplan.code}, which is no longer in force: nobody "
                "could correct it if it were returned. Verify it, or leave it as it is.",
                code="cannot_be_corrected",
            )
    return ProgressActions(edit=edit, submit=submit, verify=verify, return_=return_)


def require(refusal: Refusal | None) -> None:
    """Raise the refusal, if there is one."""
    if refusal is not None:
        raise refusal.error()


def reporter_require(user, activity: Activity) -> None:
    """Only staff of the counterpart that leads the activity write, submit and attach."""
    access.require(
        access.can_report_progress_for(user, activity.lead_counterpart_id),
        "Only staff of the counterpart that leads this activity report its progress.",
    )


def reviewer_require(user, update: ProgressUpdate) -> None:
    """A programme manager verifies or returns, never on their own organisation's report."""
    access.require(access.can_review_progress(user), "Only programme managers review progress.")
    organisation = access.organisation_of(user)
    own = user.pk == update.author_id or (
        organisation is not None and organisation.pk == update.activity.lead_counterpart_id
    )
    access.require(not own, "Nobody reviews a progress report of their own organisation.")


def update_lock(update_id: int) -> ProgressUpdate:
    """The update row as it is now, locked, with its activity, version and workplan."""
    return (
        ProgressUpdate.objects.select_for_update(of=("self",))
        .select_related("activity", "activity__version__workplan")
        .get(pk=update_id)
    )
