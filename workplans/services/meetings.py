"""EWG meetings: attendance, numbered decisions and documents, recorded by the secretariat."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from ctportal.audit_trail import save_audited
from ctportal.exceptions import DomainError
from organisations import access
from organisations.models import Organisation
from projects.models import SubProgramme
from workplans.models import Attendance, Decision, EwgMeeting, MeetingDocument

from .common import check_length, require_text
from .files import (
    atomic_with_files,
    save_with_file,
    stored_file,
    uploaded_file_check,
)

UPDATABLE_FIELDS = frozenset(
    {"sub_programme", "date", "venue", "chair", "chair_organisation", "notes"}
)

AttendeeSpec = tuple[Organisation, str] | tuple[Organisation, str, str]


def _require_recorder(user) -> None:
    access.require(
        access.can_record_meetings(user),
        "Only programme managers and the EWG secretariat record EWG meetings.",
    )


def _attendees_validate(attendees: Iterable) -> list[tuple[Organisation, str, str]]:
    cleaned: list[tuple[Organisation, str, str]] = []
    seen: set[int] = set()
    for item in attendees:
        if not isinstance(item, tuple | list) or len(item) not in (2, 3):
            raise DomainError(
                "Each attendee is an organisation, a mode and optionally names.",
                field="attendees",
                code="invalid_attendee",
            )
        organisation, mode = item[0], item[1]
        names = (item[2] if len(item) == 3 else "") or ""
        if organisation is None:
            raise DomainError(
                "Choose the organisation that attended.", field="attendees", code="required"
            )
        if mode not in Attendance.Mode.values:
            raise DomainError(
                f"{mode!r} is not a way of attending; use in person or by video link.",
                field="attendees",
                code="invalid_mode",
            )
        names = names.strip()
        check_length(names, field="attendees", what="The names", max_length=300)
        if organisation.pk in seen:
            raise DomainError(
                f"{organisation} is listed twice among the attendees.",
                field="attendees",
                code="duplicate_attendee",
            )
        seen.add(organisation.pk)
        cleaned.append((organisation, mode, names))
    return cleaned


def _decisions_validate(decisions: Iterable[str]) -> list[str]:
    cleaned = []
    for number, text in enumerate(decisions, start=1):
        text = (text or "").strip() if isinstance(text, str) else ""
        if not text:
            raise DomainError(f"Decision {number} has no text.", field="decisions", code="required")
        cleaned.append(text)
    return cleaned


def _date_validate(date) -> datetime.date:
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise DomainError("Enter the date of the meeting.", field="date", code="required")
    return date


def _write_attendees(meeting: EwgMeeting, attendees: list[tuple[Organisation, str, str]]) -> None:
    meeting.attendances.all().delete()
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, organisation=organisation, mode=mode, names=names)
        for organisation, mode, names in attendees
    )


def _write_decisions(meeting: EwgMeeting, decisions: list[str]) -> None:
    meeting.decisions.all().delete()
    Decision.objects.bulk_create(
        Decision(meeting=meeting, number=number, text=text)
        for number, text in enumerate(decisions, start=1)
    )


@transaction.atomic
def meeting_create(
    *,
    sub_programme: SubProgramme,
    date: datetime.date,
    venue: str,
    chair: str,
    chair_organisation: Organisation | None = None,
    notes: str = "",
    attendees: Iterable[AttendeeSpec] = (),
    decisions: Iterable[str] = (),
    user,
) -> EwgMeeting:
    """The secretariat or a manager records an EWG meeting with its attendees and its
    decisions, numbered from 1."""
    _require_recorder(user)
    if sub_programme is None:
        raise DomainError("Choose the sub-programme.", field="sub_programme", code="required")
    meeting = EwgMeeting(
        sub_programme=sub_programme,
        date=_date_validate(date),
        venue=require_text(venue, field="venue", what="The venue", max_length=200),
        chair=require_text(chair, field="chair", what="The chair", max_length=200),
        chair_organisation=chair_organisation,
        notes=(notes or "").strip(),
    )
    attendee_list = _attendees_validate(attendees)
    decision_list = _decisions_validate(decisions)
    save_audited(meeting, user=user, reason="Recorded")
    _write_attendees(meeting, attendee_list)
    _write_decisions(meeting, decision_list)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: EwgMeeting,
    user,
    attendees: Iterable[AttendeeSpec] | None = None,
    decisions: Iterable[str] | None = None,
    **fields,
) -> EwgMeeting:
    """The secretariat or a manager corrects a meeting; a meeting that decided on workplan
    versions keeps its sub-programme and a date consistent with those decisions."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"meeting_update() cannot change {', '.join(sorted(unknown))}")
    _require_recorder(user)
    current = EwgMeeting.objects.select_for_update().get(pk=meeting.pk)
    if "sub_programme" in fields:
        if fields["sub_programme"] is None:
            raise DomainError("Choose the sub-programme.", field="sub_programme", code="required")
        current.sub_programme = fields["sub_programme"]
    if "date" in fields:
        current.date = _date_validate(fields["date"])
    if "venue" in fields:
        current.venue = require_text(
            fields["venue"], field="venue", what="The venue", max_length=200
        )
    if "chair" in fields:
        current.chair = require_text(
            fields["chair"], field="chair", what="The chair", max_length=200
        )
    if "chair_organisation" in fields:
        current.chair_organisation = fields["chair_organisation"]
    if "notes" in fields:
        current.notes = (fields["notes"] or "").strip()
    decided = list(current.versions_decided.select_related("workplan"))
    for version in decided:
        if version.workplan.sub_programme_id != current.sub_programme_id:
            raise DomainError(
                f"This meeting decided on {version}; it must stay a meeting of "
                f"{version.workplan.sub_programme}.",
                field="sub_programme",
                code="meeting_has_decided_versions",
            )
        if version.submitted_at and current.date < timezone.localdate(version.submitted_at):
            raise DomainError(
                f"This meeting decided on {version}, submitted on "
                f"{timezone.localdate(version.submitted_at):%d %b %Y}; it cannot be dated earlier.",
                field="date",
                code="meeting_before_submission",
            )
        if current.date > timezone.localdate():
            raise DomainError(
                f"This meeting decided on {version}; it cannot be dated in the future.",
                field="date",
                code="meeting_in_future",
            )
    attendee_list = None if attendees is None else _attendees_validate(attendees)
    decision_list = None if decisions is None else _decisions_validate(decisions)
    save_audited(current, user=user)
    if attendee_list is not None:
        _write_attendees(current, attendee_list)
    if decision_list is not None:
        _write_decisions(current, decision_list)
    if meeting is not current:
        meeting.refresh_from_db()
    return current


@atomic_with_files
def meeting_document_attach(
    *, meeting: EwgMeeting, user, title: str, uploaded_file
) -> MeetingDocument:
    """The secretariat or a manager files a meeting document: PDF, image, DOCX or XLSX, at
    most 10 MB. A refused filing leaves no file behind."""
    _require_recorder(user)
    title = require_text(title, field="title", what="The title", max_length=200)
    _mime, extension, _size = uploaded_file_check(uploaded_file, field="file")
    document = MeetingDocument(
        meeting=meeting, title=title, file=stored_file(uploaded_file, extension=extension)
    )
    save_with_file(document, field="file")
    return document


@transaction.atomic
def meeting_document_delete(*, document: MeetingDocument, user) -> None:
    """The secretariat or a manager removes a document filed with a meeting."""
    _require_recorder(user)
    stored = MeetingDocument.objects.select_for_update().get(pk=document.pk)
    name, storage = stored.file.name, stored.file.storage
    stored.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: storage.delete(name))
