"""Workplans and the version life cycle: create, submit, approve or return, revise."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ctportal.exceptions import DomainError
from tests.factories import (
    ActivityFactory,
    EwgMeetingFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
)
from tests.workplans import (
    SUBMITTED_AT,
    approved_version,
    counterpart,
    planned_activity,
    punjab,
    snapshot,
)
from tests.workplans.versions_support import Status
from workplans.models import Activity, ActivityTarget, WorkplanVersion
from workplans.services import (
    activity_create,
    version_approve,
    version_return,
    version_revise,
    version_submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(db):
    """A submitted version 1 with one activity, submitted on 15 Jul 2022."""
    version = WorkplanVersionFactory(status=Status.SUBMITTED, submitted_at=SUBMITTED_AT)
    ActivityFactory(version=version)
    return version


@pytest.fixture
def ewg(submitted):
    """The EWG of 26 Jul 2022 of the submitted version's sub-programme."""
    return EwgMeetingFactory(sub_programme=submitted.workplan.sub_programme)


# --- version_approve / version_return -----------------------------------------


@pytest.mark.parametrize("decider", ["manager", "ewg_secretary"])
def test_an_ewg_meeting_approves_a_submitted_version(request, submitted, ewg, decider):
    user = request.getfixturevalue(decider)
    version_approve(version=submitted, meeting=ewg, user=user)

    submitted.refresh_from_db()
    assert submitted.status == Status.APPROVED
    assert submitted.decided_by_meeting == ewg
    assert submitted.approved_at is not None
    assert submitted.history.latest().history_user == user


def test_a_meeting_of_another_sub_programme_cannot_approve(manager, submitted):
    meeting = EwgMeetingFactory(sub_programme=SubProgrammeFactory(code="SP-I", title="Borders"))
    before = snapshot()
    with pytest.raises(DomainError) as error:
        version_approve(version=submitted, meeting=meeting, user=manager)
    assert (error.value.field, error.value.domain_code) == (
        "meeting",
        "meeting_of_other_sub_programme",
    )
    assert snapshot() == before


def test_a_meeting_held_before_the_submission_cannot_approve(manager, submitted):
    meeting = EwgMeetingFactory(
        sub_programme=submitted.workplan.sub_programme, date=datetime.date(2022, 7, 14)
    )
    before = snapshot()
    with pytest.raises(DomainError) as error:
        version_approve(version=submitted, meeting=meeting, user=manager)
    assert (error.value.field, error.value.domain_code) == ("meeting", "meeting_before_submission")
    assert snapshot() == before


def test_a_meeting_on_the_day_of_submission_can_approve(manager):
    version = WorkplanVersionFactory()
    ActivityFactory(version=version)
    version_submit(version=version, user=manager)
    meeting = EwgMeetingFactory(
        sub_programme=version.workplan.sub_programme, date=timezone.localdate()
    )
    version_approve(version=version, meeting=meeting, user=manager)
    assert version.status == Status.APPROVED


def test_a_meeting_not_yet_held_cannot_approve(manager, submitted):
    meeting = EwgMeetingFactory(
        sub_programme=submitted.workplan.sub_programme,
        date=timezone.localdate() + datetime.timedelta(days=3),
    )
    before = snapshot()
    with pytest.raises(DomainError) as error:
        version_approve(version=submitted, meeting=meeting, user=manager)
    assert (error.value.field, error.value.domain_code) == ("meeting", "meeting_in_future")
    assert snapshot() == before


@pytest.mark.parametrize("status", [Status.DRAFT, Status.RETURNED, Status.APPROVED])
def test_only_a_submitted_version_can_be_approved_or_returned(manager, status):
    version = WorkplanVersionFactory(status=status, submitted_at=SUBMITTED_AT)
    meeting = EwgMeetingFactory(sub_programme=version.workplan.sub_programme)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        version_approve(version=version, meeting=meeting, user=manager)
    assert (error.value.field, error.value.domain_code) == ("status", "illegal_transition")
    with pytest.raises(DomainError) as error:
        version_return(version=version, meeting=meeting, comment="Redo it.", user=manager)
    assert (error.value.field, error.value.domain_code) == ("status", "illegal_transition")
    assert snapshot() == before


@pytest.mark.parametrize("user_fixture", ["counterpart_staff", "donor_viewer", "administrator"])
def test_only_managers_and_the_secretariat_record_ewg_decisions(
    request, submitted, ewg, user_fixture
):
    user = request.getfixturevalue(user_fixture)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        version_approve(version=submitted, meeting=ewg, user=user)
    with pytest.raises(PermissionDenied):
        version_return(version=submitted, meeting=ewg, comment="No.", user=user)
    assert snapshot() == before


def test_a_returned_version_carries_the_comment_and_can_be_changed_and_resubmitted(
    manager, ewg_secretary, submitted, ewg
):
    version_return(
        version=submitted, meeting=ewg, comment="Add the Sindh activities.", user=ewg_secretary
    )
    submitted.refresh_from_db()
    assert submitted.status == Status.RETURNED
    assert submitted.review_comment == "Add the Sindh activities."
    assert submitted.decided_by_meeting == ewg

    activity = planned_activity(WorkplanVersionFactory(workplan=WorkplanFactory()))
    activity_create(
        version=submitted,
        code="A-SD-1",
        title="Training of CTD Sindh investigators",
        output=activity.output,
        lead_counterpart=counterpart("CTD-SD"),
        user=manager,
    )
    version_submit(version=submitted, user=ewg_secretary)
    assert submitted.status == Status.SUBMITTED


def test_a_return_needs_a_comment(manager, submitted, ewg):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        version_return(version=submitted, meeting=ewg, comment="  ", user=manager)
    assert (error.value.field, error.value.domain_code) == ("comment", "required")
    assert snapshot() == before


# --- version_revise -----------------------------------------------------------


def test_a_revision_copies_every_activity_with_its_lineage_provinces_and_targets(manager):
    approved = approved_version()
    first = planned_activity(approved, budget=Decimal("125000.00"), description="Two courses")
    first.provinces.set([punjab()])
    second = planned_activity(approved, lead=counterpart("CTD-SD"))

    revision = version_revise(workplan=approved.workplan, user=manager)

    assert (revision.number, revision.status, revision.based_on) == (2, Status.DRAFT, approved)
    copies = {a.lineage: a for a in revision.activities.all()}
    assert set(copies) == {first.lineage, second.lineage}
    for source in (first, second):
        copy = copies[source.lineage]
        assert copy.pk != source.pk
        assert (
            copy.code,
            copy.title,
            copy.description,
            copy.output_id,
            copy.lead_counterpart_id,
            copy.project_id,
            copy.budget,
            copy.budget_currency,
        ) == (
            source.code,
            source.title,
            source.description,
            source.output_id,
            source.lead_counterpart_id,
            source.project_id,
            source.budget,
            source.budget_currency,
        )
        assert set(copy.provinces.all()) == set(source.provinces.all())
        assert sorted(copy.targets.values_list("indicator_id", "quarter", "value")) == sorted(
            source.targets.values_list("indicator_id", "quarter", "value")
        )
    assert copies[first.lineage].history.first().history_user == manager
    copied_targets = ActivityTarget.history.filter(activity_id=copies[first.lineage].pk)
    assert [(h.history_type, h.history_user) for h in copied_targets] == [("+", manager)] * 3
    # The approved version is untouched and still in force.
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED
    assert approved.activities.count() == 2


def test_approving_a_revision_supersedes_the_version_in_force(manager):
    approved = approved_version()
    planned_activity(approved)
    revision = version_revise(workplan=approved.workplan, user=manager)
    version_submit(version=revision, user=manager)
    meeting = EwgMeetingFactory(
        sub_programme=approved.workplan.sub_programme, date=timezone.localdate()
    )

    version_approve(version=revision, meeting=meeting, user=manager)

    approved.refresh_from_db()
    revision.refresh_from_db()
    assert (approved.status, revision.status) == (Status.SUPERSEDED, Status.APPROVED)
    assert approved.history.latest().history_user == manager
    assert list(
        WorkplanVersion.objects.filter(workplan=approved.workplan, status=Status.APPROVED)
    ) == [revision]


@pytest.mark.parametrize("open_status", [Status.DRAFT, Status.SUBMITTED, Status.RETURNED])
def test_no_revision_while_another_version_is_open(manager, open_status):
    approved = approved_version()
    WorkplanVersionFactory(workplan=approved.workplan, number=2, status=open_status)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        version_revise(workplan=approved.workplan, user=manager)
    assert error.value.domain_code == "open_version_exists"
    assert snapshot() == before


def test_no_revision_without_an_approved_version(manager):
    version = WorkplanVersionFactory(status=Status.SUPERSEDED)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        version_revise(workplan=version.workplan, user=manager)
    assert error.value.domain_code == "no_approved_version"
    assert snapshot() == before


@pytest.mark.parametrize("user_fixture", ["ewg_secretary", "counterpart_staff", "donor_viewer"])
def test_only_managers_revise(request, user_fixture):
    approved = approved_version()
    planned_activity(approved)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        version_revise(workplan=approved.workplan, user=request.getfixturevalue(user_fixture))
    assert snapshot() == before
    assert Activity.objects.count() == 1
