"""Workplans and the life cycle of their versions: draft -> submitted -> approved (or
returned) -> superseded by an approved revision."""

import calendar
import datetime

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ctportal.audit_trail import save_audited
from ctportal.exceptions import DomainError
from organisations import access
from projects.models import SubProgramme
from workplans import alerts
from workplans.models import Activity, ActivityTarget, EwgMeeting, Workplan, WorkplanVersion
from workplans.selectors_meetings import meeting_decision_list

from .common import illegal_transition, lock_version, lock_workplan, require_text
from .progress_carry import progress_carry

Status = WorkplanVersion.Status


def _is_date(value) -> bool:
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def workplan_period_validate(*, period_start: datetime.date, period_end: datetime.date) -> None:
    """A workplan runs from the first day of a month to the last day of a later month."""
    if not _is_date(period_start):
        raise DomainError(
            "Enter the first day of the period.", field="period_start", code="required"
        )
    if not _is_date(period_end):
        raise DomainError("Enter the last day of the period.", field="period_end", code="required")
    if period_start.day != 1:
        raise DomainError(
            f"The period must start on the first day of a month, not {period_start:%d %B %Y}.",
            field="period_start",
            code="not_first_of_month",
        )
    last_day = calendar.monthrange(period_end.year, period_end.month)[1]
    if period_end.day != last_day:
        raise DomainError(
            f"The period must end on the last day of a month, not {period_end:%d %B %Y}.",
            field="period_end",
            code="not_last_of_month",
        )
    if period_end <= period_start:
        raise DomainError(
            "The period must end after it starts.", field="period_end", code="end_before_start"
        )


@transaction.atomic
def workplan_create(
    *,
    sub_programme: SubProgramme,
    code: str,
    title: str,
    period_start: datetime.date,
    period_end: datetime.date,
    user,
) -> Workplan:
    """Managers create a workplan for a whole-month period; it starts with a draft version 1."""
    access.require(access.can_edit_workplans(user), "Only programme managers create workplans.")
    code = require_text(code, field="code", what="The code", max_length=40)
    title = require_text(title, field="title", what="The title", max_length=250)
    workplan_period_validate(period_start=period_start, period_end=period_end)
    if Workplan.objects.filter(code=code).exists():
        raise DomainError(
            f"A workplan with code {code} already exists.", field="code", code="duplicate_code"
        )
    workplan = Workplan(
        sub_programme=sub_programme,
        code=code,
        title=title,
        period_start=period_start,
        period_end=period_end,
    )
    save_audited(workplan, user=user, reason="Created")
    version = WorkplanVersion(workplan=workplan, number=1, status=Status.DRAFT)
    save_audited(version, user=user, reason="Created as a draft")
    return workplan


@transaction.atomic
def version_submit(
    *, version: WorkplanVersion, user, submitted_at: datetime.datetime | None = None
) -> WorkplanVersion:
    """A draft or returned version with at least one activity goes to the EWG for approval.

    `submitted_at` lets the secretariat record a submission made earlier (on paper);
    it defaults to now and cannot be in the future.
    """
    access.require(
        access.can_submit_workplans(user),
        "Only programme managers and the EWG secretariat submit workplans.",
    )
    now = timezone.now()
    if submitted_at is None:
        submitted_at = now
    elif timezone.is_naive(submitted_at) or submitted_at > now:
        raise DomainError(
            "The submission time must be a time zone-aware moment that is not in the future.",
            field="submitted_at",
            code="invalid_submitted_at",
        )
    lock_workplan(version.workplan_id)
    locked = lock_version(version.pk)
    if locked.status not in WorkplanVersion.EDITABLE:
        raise illegal_transition(
            what=str(locked), current_label=locked.get_status_display(), action="submitted"
        )
    if not locked.activities.exists():
        raise DomainError(
            f"{locked} has no activities; add at least one before submitting it.",
            code="no_activities",
        )
    locked.status = Status.SUBMITTED
    locked.submitted_at = submitted_at
    locked.submitted_by = user
    save_audited(locked, user=user, reason="Submitted for approval")
    alerts.version_submitted_alert(version=locked)
    _refresh(version, locked)
    return locked


def _check_meeting(version: WorkplanVersion, meeting: EwgMeeting) -> None:
    """The deciding EWG is of the workplan's sub-programme, held on or after the submission
    and not in the future: one of meeting_decision_list, which the decision forms offer.
    The checks below only say why another meeting is refused."""
    if meeting is None:
        raise DomainError("Choose the EWG meeting that decided.", field="meeting", code="required")
    if meeting_decision_list(version=version).filter(pk=meeting.pk).exists():
        return
    if meeting.sub_programme_id != version.workplan.sub_programme_id:
        raise DomainError(
            f"{meeting} is a meeting of another sub-programme than {version.workplan.code}.",
            field="meeting",
            code="meeting_of_other_sub_programme",
        )
    if version.submitted_at and meeting.date < timezone.localdate(version.submitted_at):
        raise DomainError(
            f"{meeting} was held before {version} was submitted "
            f"({timezone.localdate(version.submitted_at):%d %b %Y}).",
            field="meeting",
            code="meeting_before_submission",
        )
    if meeting.date > timezone.localdate():
        raise DomainError(
            f"{meeting} has not been held yet.", field="meeting", code="meeting_in_future"
        )
    raise DomainError(
        f"{meeting} cannot decide on {version}.", field="meeting", code="meeting_cannot_decide"
    )


def _require_decider(user) -> None:
    access.require(
        access.can_record_meetings(user),
        "Only programme managers and the EWG secretariat record EWG decisions.",
    )


def _refresh(stale: WorkplanVersion, fresh: WorkplanVersion) -> None:
    """Bring the caller's instance up to date, so it does not save old values later."""
    if stale is not fresh:
        stale.refresh_from_db()


@transaction.atomic
def version_approve(*, version: WorkplanVersion, meeting: EwgMeeting, user) -> WorkplanVersion:
    """An EWG meeting approves a submitted version; the version it replaces is superseded.
    Progress not yet verified on earlier versions moves to the approved one (or is closed,
    its author told why): see progress_carry."""
    _require_decider(user)
    lock_workplan(version.workplan_id)
    locked = lock_version(version.pk)
    if locked.status != Status.SUBMITTED:
        raise illegal_transition(
            what=str(locked), current_label=locked.get_status_display(), action="approved"
        )
    _check_meeting(locked, meeting)
    for previous in WorkplanVersion.objects.filter(
        workplan_id=locked.workplan_id, status=Status.APPROVED
    ):
        previous.status = Status.SUPERSEDED
        save_audited(previous, user=user, reason=f"Superseded by version {locked.number}")
    locked.status = Status.APPROVED
    locked.decided_by_meeting = meeting
    locked.approved_at = timezone.now()
    save_audited(locked, user=user, reason=f"Approved by {meeting}")
    progress_carry(version=locked, user=user)
    alerts.version_decided_alert(version=locked)
    _refresh(version, locked)
    return locked


@transaction.atomic
def version_return(
    *, version: WorkplanVersion, meeting: EwgMeeting, comment: str, user
) -> WorkplanVersion:
    """An EWG meeting returns a submitted version with comments; it becomes editable again."""
    _require_decider(user)
    comment = require_text(comment, field="comment", what="A comment saying what to change")
    lock_workplan(version.workplan_id)
    locked = lock_version(version.pk)
    if locked.status != Status.SUBMITTED:
        raise illegal_transition(
            what=str(locked), current_label=locked.get_status_display(), action="returned"
        )
    _check_meeting(locked, meeting)
    locked.status = Status.RETURNED
    locked.decided_by_meeting = meeting
    locked.review_comment = comment
    save_audited(locked, user=user, reason=f"Returned by {meeting}")
    alerts.version_decided_alert(version=locked)
    _refresh(version, locked)
    return locked


@transaction.atomic
def version_revise(*, workplan: Workplan, user) -> WorkplanVersion:
    """Managers revise the approved version: a new draft copying every activity, provinces
    and targets, with the same lineage; only when no other version is open."""
    access.require(access.can_edit_workplans(user), "Only programme managers revise workplans.")
    workplan = lock_workplan(workplan.pk)
    versions = list(workplan.versions.all())
    open_version = next((v for v in versions if v.status in WorkplanVersion.OPEN_STATUSES), None)
    if open_version is not None:
        raise DomainError(
            f"Version {open_version.number} of {workplan.code} is still "
            f"{open_version.get_status_display().lower()}; finish it before starting a revision.",
            code="open_version_exists",
        )
    approved = next((v for v in versions if v.status == Status.APPROVED), None)
    if approved is None:
        raise DomainError(
            f"{workplan.code} has no approved version to revise.", code="no_approved_version"
        )
    revision = WorkplanVersion(
        workplan=workplan,
        number=max(v.number for v in versions) + 1,
        status=Status.DRAFT,
        based_on=approved,
    )
    save_audited(revision, user=user, reason=f"Revision of version {approved.number}")
    reason = f"Copied from version {approved.number}"
    targets: list[ActivityTarget] = []
    sources = approved.activities.prefetch_related("provinces", "targets").order_by("code")
    for source in sources:
        copy = Activity(
            version=revision,
            lineage=source.lineage,
            code=source.code,
            title=source.title,
            description=source.description,
            output_id=source.output_id,
            lead_counterpart_id=source.lead_counterpart_id,
            project_id=source.project_id,
            budget=source.budget,
            budget_currency=source.budget_currency,
        )
        save_audited(copy, user=user, reason=reason)
        provinces = list(source.provinces.all())
        if provinces:
            copy.provinces.set(provinces)
        targets.extend(
            ActivityTarget(
                activity=copy, indicator_id=t.indicator_id, quarter=t.quarter, value=t.value
            )
            for t in source.targets.all()
        )
    if targets:
        bulk_create_with_history(
            targets, ActivityTarget, default_user=user, default_change_reason=reason
        )
    return revision
