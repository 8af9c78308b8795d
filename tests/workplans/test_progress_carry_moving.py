"""Revisions never strand work: when the EWG approves a revision, every draft, submitted or
returned update on an earlier version moves to the same activity (same lineage) of the
approved version, with its values, evidence, transitions and history, and can be finished
there; one the revision cannot take is closed and its author told why. Verified updates stay."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ctportal.exceptions import DomainError
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
    transitions,
)
from workplans.models import (
    AchievedValue,
    ActivityTarget,
    EvidenceFile,
    ProgressUpdate,
)
from workplans.services import (
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


# --- Moving what continues --------------------------------------------------------------


def test_open_updates_move_to_the_approved_activity_with_values_evidence_and_history(
    activity, reporter, manager, ewg_secretary
):
    drafted = save(activity, reporter, 1)
    evidence = evidence_attach(
        update=drafted,
        user=reporter,
        uploaded_file=SimpleUploadedFile("list.pdf", PDF, "application/pdf"),
    )
    sent = submit(activity, reporter, 2, values=[(activity.trained, "female", None, 7)])
    returned = progress_update_return(
        update=submit(activity, reporter, 3), user=manager, comment="Add the list."
    )
    revision = revise(activity.version, manager)
    before = {u.pk: u.revision for u in (drafted, sent, returned)}

    approve(revision, manager, ewg_secretary)

    target = copy_of(activity, revision)
    moved = {u.quarter: u for u in ProgressUpdate.objects.filter(activity=target)}
    assert {q: (u.pk, u.state) for q, u in moved.items()} == {
        1: (drafted.pk, State.DRAFT),
        2: (sent.pk, State.SUBMITTED),
        3: (returned.pk, State.RETURNED),
    }
    for update in moved.values():
        assert update.revision == before[update.pk] + 1
        latest = update.history.latest()
        assert (latest.history_change_reason, latest.history_user) == (
            "Moved to version 2 on approval",
            ewg_secretary,
        )
    assert [(v.indicator.code, v.sex, v.value) for v in moved[2].values.all()] == [
        ("I-TRAINED", "female", Decimal("7.00"))
    ]
    assert list(EvidenceFile.objects.values_list("pk", "update_id")) == [(evidence.pk, drafted.pk)]
    assert transitions(moved[3]) == [
        ("draft", "submitted", "pb-officer"),
        ("submitted", "returned", "manager"),
        ("returned", "returned", "ewg"),
    ]
    assert last_comment(moved[3]) == (
        f"Moved from version 1 to version 2 of {activity.version.workplan.code} when version 2 "
        "was approved; it stays returned with comments and can be finished there."
    )
    assert moved[3].review_comment == "Add the list."
    assert not ProgressUpdate.objects.filter(activity=activity).exists()


def test_a_moved_update_is_finished_on_the_new_version(activity, reporter, manager, ewg_secretary):
    drafted = save(activity, reporter, 1)
    returned = progress_update_return(
        update=submit(activity, reporter, 2), user=manager, comment="Add the list."
    )
    sent = submit(activity, reporter, 3)
    revision = revise(activity.version, manager)
    approve(revision, manager, ewg_secretary)
    target = copy_of(activity, revision)
    drafted.refresh_from_db()

    finished = save(target, reporter, 1, percent_complete=70, expected_revision=drafted.revision)
    progress_update_submit(update=finished, user=reporter)
    corrected = save(target, reporter, 2, expected_revision=returned.revision + 1)
    progress_update_submit(update=corrected, user=reporter)
    progress_update_return(update=sent, user=manager, comment="Which province?")

    states = dict(ProgressUpdate.objects.filter(activity=target).values_list("quarter", "state"))
    assert states == {1: State.SUBMITTED, 2: State.SUBMITTED, 3: State.RETURNED}
    assert ProgressUpdate.objects.get(pk=drafted.pk).percent_complete == 70


def test_a_form_opened_before_the_approval_is_stale_after_it(
    activity, reporter, manager, ewg_secretary
):
    drafted = save(activity, reporter, 1)
    revision = revise(activity.version, manager)
    approve(revision, manager, ewg_secretary)
    with pytest.raises(DomainError) as error:
        save(copy_of(activity, revision), reporter, 1, expected_revision=drafted.revision)
    assert error.value.domain_code == "stale_revision"


def test_verified_updates_stay_where_they_are(activity, reporter, manager, ewg_secretary):
    done = progress_update_verify(update=submit(activity, reporter, 1), user=manager)
    before = (
        ProgressUpdate.objects.filter(pk=done.pk).values().get(),
        list(AchievedValue.objects.filter(update=done).values()),
        transitions(done),
    )
    revision = revise(activity.version, manager)

    approve(revision, manager, ewg_secretary)

    assert (
        ProgressUpdate.objects.filter(pk=done.pk).values().get(),
        list(AchievedValue.objects.filter(update=done).values()),
        transitions(done),
    ) == before
    assert not ProgressUpdate.objects.filter(activity__version=revision).exists()


def test_values_of_an_indicator_the_revision_no_longer_targets_are_removed_on_the_move(
    activity, reporter, manager, ewg_secretary
):
    drafted = save(
        activity,
        reporter,
        2,
        values=[(activity.plain, "", None, 2), (activity.trained, "male", None, 9)],
    )
    revision = revise(activity.version, manager)
    ActivityTarget.objects.filter(
        activity=copy_of(activity, revision), indicator=activity.trained
    ).delete()

    approve(revision, manager, ewg_secretary)

    drafted.refresh_from_db()
    assert [(v.indicator.code, v.value) for v in drafted.values.all()] == [
        ("I-PLAIN", Decimal("2.00"))
    ]
    gone = AchievedValue.history.get(history_type="-")
    assert (gone.indicator_id, gone.history_change_reason, gone.history_user) == (
        activity.trained.pk,
        "Moved to version 2 on approval: indicator no longer targeted",
        ewg_secretary,
    )
    assert last_comment(drafted).endswith(
        "Its values of I-TRAINED were removed: version 2 no longer targets that indicator on A1."
    )
