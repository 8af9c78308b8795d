"""Revisions never strand work: when the EWG approves a revision, every draft, submitted or
returned update on an earlier version moves to the same activity (same lineage) of the
approved version, with its values, evidence, transitions and history, and can be finished
there; one the revision cannot take is closed and its author told why. Verified updates stay."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from ctportal.exceptions import DomainError
from organisations.models import Role
from tests.factories import (
    user_with_role,
)
from tests.workplans import counterpart, counterpart_user, planned_activity
from tests.workplans.progress_carry_support import (
    PDF,
    State,
    approve,
    copy_of,
    last_comment,
    revise,
    save,
    submit,
)
from workplans.models import (
    ProgressUpdate,
    WorkplanVersion,
)
from workplans.services import (
    activity_delete,
    evidence_attach,
    progress_update_return,
    progress_update_submit,
    progress_update_verify,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return counterpart("CTD-PB")


@pytest.fixture
def reporter(lead):
    return counterpart_user(lead, username="pb-officer", first_name="Amna", last_name="Khan")


@pytest.fixture
def activity(v1, lead):
    return planned_activity(v1, lead=lead, code="A1")


# --- A closed update is read-only ----------------------------------------------------------


def test_nothing_can_be_done_with_a_closed_update(
    v1, activity, lead, reporter, manager, ewg_secretary
):
    dropped = planned_activity(v1, lead=lead, code="A2")
    left = submit(dropped, reporter, 1)
    revision = revise(v1, manager)
    activity_delete(activity=copy_of(dropped, revision), user=manager)
    approve(revision, manager, ewg_secretary)
    left.refresh_from_db()
    before = ProgressUpdate.objects.filter(pk=left.pk).values().get()

    with pytest.raises(DomainError) as saving:
        save(dropped, reporter, 1)
    with pytest.raises(DomainError) as submitting:
        progress_update_submit(update=left, user=reporter)
    with pytest.raises(DomainError) as attaching:
        evidence_attach(
            update=left,
            user=reporter,
            uploaded_file=SimpleUploadedFile("x.pdf", PDF, "application/pdf"),
        )
    with pytest.raises(DomainError) as verifying:
        progress_update_verify(update=left, user=manager)
    with pytest.raises(DomainError) as returning:
        progress_update_return(update=left, user=manager, comment="Fix it.")

    assert [e.value.domain_code for e in (saving, submitting, attaching)] == ["update_closed"] * 3
    assert saving.value.messages == [last_comment(left)]
    assert [e.value.domain_code for e in (verifying, returning)] == ["illegal_transition"] * 2
    assert returning.value.messages == [
        "The Q1 update of A2 is closed by a revision; it cannot be returned."
    ]
    assert ProgressUpdate.objects.filter(pk=left.pk).values().get() == before


# --- Returning only what can be corrected ---------------------------------------------------


def test_a_submitted_update_left_on_a_superseded_version_is_verified_but_not_returned(
    activity, reporter, manager
):
    """Left there before revisions carried updates: nobody could correct it if returned."""
    sent = submit(activity, reporter, 2)
    WorkplanVersion.objects.filter(pk=activity.version_id).update(
        status=WorkplanVersion.Status.SUPERSEDED
    )
    before = ProgressUpdate.objects.filter(pk=sent.pk).values().get()

    with pytest.raises(DomainError) as error:
        progress_update_return(update=sent, user=manager, comment="Add the list.")

    assert (error.value.field, error.value.domain_code) == (None, "cannot_be_corrected")
    assert error.value.messages == [
        f"The Q2 update of A1 is on version 1 of {activity.version.workplan.code}, which is no "
        "longer in force: nobody could correct it if it were returned. Verify it, or leave it "
        "as it is."
    ]
    assert ProgressUpdate.objects.filter(pk=sent.pk).values().get() == before
    assert progress_update_verify(update=sent, user=manager).state == State.VERIFIED


def test_only_managers_outside_the_reporting_organisation_are_told_it_cannot_be_corrected(
    activity, reporter, lead
):
    """Who may review is checked first: others get a 403, not a hint about the update."""
    sent = submit(activity, reporter, 2)
    WorkplanVersion.objects.filter(pk=activity.version_id).update(
        status=WorkplanVersion.Status.SUPERSEDED
    )
    for user in (
        reporter,
        user_with_role(Role.EWG_SECRETARIAT),
        user_with_role(Role.PROGRAMME_MANAGER, lead),
    ):
        with pytest.raises(PermissionDenied):
            progress_update_return(update=sent, user=user, comment="No.")
