"""Workplans and the version life cycle: create, submit, approve or return, revise."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ctportal.exceptions import DomainError
from organisations.models import Role
from tests.factories import (
    ActivityFactory,
    EwgMeetingFactory,
    SubProgrammeFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from tests.workplans import (
    SUBMITTED_AT,
    approved_version,
    counterpart,
    snapshot,
)
from tests.workplans.versions_support import Status
from workplans.models import Workplan
from workplans.services import (
    meeting_create,
    meeting_update,
    version_submit,
    workplan_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sub_programme(db):
    return SubProgrammeFactory()


def create_fy2022(sub_programme, user, **overrides):
    values = {
        "sub_programme": sub_programme,
        "code": "WP-SP4-2022",
        "title": "SP-IV workplan 2022-23",
        "period_start": datetime.date(2022, 7, 1),
        "period_end": datetime.date(2023, 6, 30),
        "user": user,
    }
    values.update(overrides)
    return workplan_create(**values)


# --- workplan_create ----------------------------------------------------------


def test_workplan_create_opens_a_draft_version_1_and_records_who(sub_programme, manager):
    workplan = create_fy2022(sub_programme, manager)

    version = workplan.versions.get()
    assert (version.number, version.status, version.based_on) == (1, Status.DRAFT, None)
    assert workplan.history.get().history_user == manager
    assert version.history.get().history_user == manager


@pytest.mark.parametrize(
    "role", [Role.EWG_SECRETARIAT, Role.COUNTERPART_STAFF, Role.DONOR_VIEWER, Role.ADMINISTRATOR]
)
def test_only_managers_create_workplans(sub_programme, role):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        create_fy2022(sub_programme, user_with_role(role))
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"period_start": datetime.date(2022, 7, 2)}, "period_start", "not_first_of_month"),
        ({"period_end": datetime.date(2023, 6, 29)}, "period_end", "not_last_of_month"),
        (
            {"period_start": datetime.date(2023, 7, 1), "period_end": datetime.date(2023, 6, 30)},
            "period_end",
            "end_before_start",
        ),
        ({"title": "  "}, "title", "required"),
        ({"code": ""}, "code", "required"),
    ],
)
def test_workplan_create_refuses_a_bad_period_or_missing_text(
    sub_programme, manager, overrides, field, code
):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        create_fy2022(sub_programme, manager, **overrides)
    assert (error.value.field, error.value.domain_code) == (field, code)
    assert snapshot() == before


def test_workplan_create_refuses_a_code_already_used(sub_programme, manager):
    create_fy2022(sub_programme, manager)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        create_fy2022(sub_programme, manager, title="Another")
    assert (error.value.field, error.value.domain_code) == ("code", "duplicate_code")
    assert snapshot() == before
    assert Workplan.objects.count() == 1


# --- version_submit -----------------------------------------------------------


@pytest.mark.parametrize("submitter", ["manager", "ewg_secretary"])
def test_a_draft_with_activities_is_submitted_by_a_manager_or_the_secretariat(request, submitter):
    user = request.getfixturevalue(submitter)
    version = WorkplanVersionFactory()
    ActivityFactory(version=version)

    version_submit(version=version, user=user)

    version.refresh_from_db()
    assert version.status == Status.SUBMITTED
    assert version.submitted_by == user
    assert version.submitted_at is not None
    assert version.history.latest().history_user == user


def test_a_past_submission_can_be_recorded_with_its_time(manager):
    version = WorkplanVersionFactory()
    ActivityFactory(version=version)
    version_submit(version=version, user=manager, submitted_at=SUBMITTED_AT)
    version.refresh_from_db()
    assert version.submitted_at == SUBMITTED_AT


def test_a_submission_time_in_the_future_is_refused(manager):
    version = WorkplanVersionFactory()
    ActivityFactory(version=version)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        version_submit(
            version=version,
            user=manager,
            submitted_at=timezone.now() + datetime.timedelta(days=1),
        )
    assert error.value.field == "submitted_at"
    assert snapshot() == before


def test_a_version_without_activities_cannot_be_submitted(manager):
    version = WorkplanVersionFactory()
    before = snapshot()
    with pytest.raises(DomainError) as error:
        version_submit(version=version, user=manager)
    assert error.value.domain_code == "no_activities"
    assert snapshot() == before


@pytest.mark.parametrize("user_fixture", ["counterpart_staff", "donor_viewer", "administrator"])
def test_counterparts_donors_and_administrators_cannot_submit(request, user_fixture):
    version = WorkplanVersionFactory()
    ActivityFactory(version=version)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        version_submit(version=version, user=request.getfixturevalue(user_fixture))
    assert snapshot() == before


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.SUPERSEDED])
def test_only_a_draft_or_returned_version_can_be_submitted(manager, status):
    version = WorkplanVersionFactory(status=status, submitted_at=SUBMITTED_AT)
    ActivityFactory(version=version)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        version_submit(version=version, user=manager)
    assert (error.value.field, error.value.domain_code) == ("status", "illegal_transition")
    assert snapshot() == before


# --- EWG meetings -------------------------------------------------------------


def test_meeting_create_records_attendance_and_numbered_decisions(ewg_secretary, sub_programme):
    nacta, ctd = counterpart("NACTA"), counterpart("CTD-KP")
    meeting = meeting_create(
        sub_programme=sub_programme,
        date=datetime.date(2022, 7, 26),
        venue="NACTA Headquarters, Islamabad",
        chair="National Coordinator, NACTA",
        chair_organisation=nacta,
        attendees=[(nacta, "in_person", "A. Khan, B. Ali"), (ctd, "video")],
        decisions=["The workplan 2022-23 is approved.", "The next EWG meets in January."],
        user=ewg_secretary,
    )

    assert [(a.organisation, a.mode, a.names) for a in meeting.attendances.order_by("pk")] == [
        (nacta, "in_person", "A. Khan, B. Ali"),
        (ctd, "video", ""),
    ]
    assert list(meeting.decisions.values_list("number", "text")) == [
        (1, "The workplan 2022-23 is approved."),
        (2, "The next EWG meets in January."),
    ]
    assert meeting.history.get().history_user == ewg_secretary


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"venue": ""}, "venue", "required"),
        ({"chair": " "}, "chair", "required"),
        ({"attendees": [("NACTA", "telepathy")]}, "attendees", "invalid_mode"),
        (
            {"attendees": [("NACTA", "video"), ("NACTA", "in_person")]},
            "attendees",
            "duplicate_attendee",
        ),
        ({"decisions": ["Approved.", ""]}, "decisions", "required"),
    ],
)
def test_meeting_create_refuses_incomplete_records(
    ewg_secretary, sub_programme, overrides, field, code
):
    nacta = counterpart("NACTA")
    if "attendees" in overrides:
        overrides["attendees"] = [(nacta, mode) for _name, mode in overrides["attendees"]]
    values = {
        "sub_programme": sub_programme,
        "date": datetime.date(2022, 7, 26),
        "venue": "Islamabad",
        "chair": "National Coordinator",
        "user": ewg_secretary,
    }
    values.update(overrides)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        meeting_create(**values)
    assert (error.value.field, error.value.domain_code) == (field, code)
    assert snapshot() == before


def test_counterparts_do_not_record_meetings(counterpart_staff, sub_programme):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        meeting_create(
            sub_programme=sub_programme,
            date=datetime.date(2022, 7, 26),
            venue="Islamabad",
            chair="National Coordinator",
            user=counterpart_staff,
        )
    assert snapshot() == before


def test_meeting_update_replaces_attendees_and_decisions_only_when_given(ewg_secretary):
    meeting = EwgMeetingFactory()
    nacta = counterpart("NACTA")
    meeting_update(
        meeting=meeting,
        user=ewg_secretary,
        attendees=[(nacta, "video")],
        decisions=["Approved with changes."],
    )
    meeting_update(meeting=meeting, user=ewg_secretary, venue="Serena Hotel, Islamabad")

    meeting.refresh_from_db()
    assert meeting.venue == "Serena Hotel, Islamabad"
    assert [(a.organisation, a.mode) for a in meeting.attendances.all()] == [(nacta, "video")]
    assert list(meeting.decisions.values_list("number", "text")) == [(1, "Approved with changes.")]


def test_a_meeting_that_approved_a_version_keeps_a_consistent_date_and_sub_programme(
    ewg_secretary,
):
    version = approved_version()
    meeting = version.decided_by_meeting
    other = SubProgrammeFactory(code="SP-I", title="Border management")
    before = snapshot()
    with pytest.raises(DomainError) as error:
        meeting_update(meeting=meeting, user=ewg_secretary, sub_programme=other)
    assert (error.value.field, error.value.domain_code) == (
        "sub_programme",
        "meeting_has_decided_versions",
    )
    with pytest.raises(DomainError) as error:
        meeting_update(meeting=meeting, user=ewg_secretary, date=datetime.date(2022, 7, 1))
    assert (error.value.field, error.value.domain_code) == ("date", "meeting_before_submission")
    assert snapshot() == before
