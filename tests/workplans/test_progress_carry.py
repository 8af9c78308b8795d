"""Revisions never strand work: when the EWG approves a revision, every draft, submitted or
returned update on an earlier version moves to the same activity (same lineage) of the
approved version, with its values, evidence, transitions and history, and can be finished
there; one the revision cannot take is closed and its author told why. Verified updates stay."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ctportal.exceptions import DomainError
from organisations.models import Role
from tests.factories import (
    ActivityFactory,
    EwgMeetingFactory,
    ProgressUpdateFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from tests.workplans import approved_version, counterpart, counterpart_user, planned_activity
from workplans.models import (
    AchievedValue,
    Activity,
    ActivityTarget,
    EvidenceFile,
    ProgressTransition,
    ProgressUpdate,
    Workplan,
    WorkplanVersion,
)
from workplans.services import (
    activity_delete,
    evidence_attach,
    progress_update_return,
    progress_update_save,
    progress_update_submit,
    progress_update_verify,
    version_approve,
    version_revise,
    version_submit,
)

pytestmark = pytest.mark.django_db

State = ProgressUpdate.State
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def lead():
    return counterpart("CTD-PB")


@pytest.fixture
def reporter(lead):
    return counterpart_user(lead, username="pb-officer", first_name="Amna", last_name="Khan")


@pytest.fixture
def v1():
    return approved_version()


@pytest.fixture
def activity(v1, lead):
    return planned_activity(v1, lead=lead, code="A1")


def save(activity, user, quarter, **overrides):
    arguments = {
        "activity": activity,
        "quarter": quarter,
        "user": user,
        "status": "on_track",
        "percent_complete": 40,
        "narrative": f"Q{quarter} work.",
        "values": [(activity.plain, "", None, Decimal("1"))],
    }
    arguments.update(overrides)
    return progress_update_save(**arguments)


def submit(activity, user, quarter, **overrides):
    return progress_update_submit(update=save(activity, user, quarter, **overrides), user=user)


def revise(version, manager) -> WorkplanVersion:
    return version_revise(workplan=version.workplan, user=manager)


def approve(revision, manager, ewg_secretary) -> WorkplanVersion:
    version_submit(version=revision, user=manager)
    meeting = EwgMeetingFactory(
        sub_programme=revision.workplan.sub_programme, date=timezone.localdate()
    )
    return version_approve(version=revision, meeting=meeting, user=ewg_secretary)


def copy_of(activity, version) -> Activity:
    """The same activity in `version`, with the indicators planned_activity gave it."""
    copy = Activity.objects.get(version=version, lineage=activity.lineage)
    copy.plain, copy.trained = getattr(activity, "plain", None), getattr(activity, "trained", None)
    return copy


def transitions(update) -> list[tuple]:
    return list(
        ProgressTransition.objects.filter(update=update)
        .order_by("at", "pk")
        .values_list("from_state", "to_state", "by__username")
    )


def last_comment(update) -> str:
    return ProgressTransition.objects.filter(update=update).order_by("at", "pk").last().comment


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


# --- Closing what does not continue -----------------------------------------------------


def test_an_update_of_a_dropped_activity_is_closed_and_its_author_told(
    v1,
    activity,
    lead,
    reporter,
    manager,
    ewg_secretary,
    django_capture_on_commit_callbacks,
    settings,
):
    dropped = planned_activity(v1, lead=lead, code="A2")
    kept = save(activity, reporter, 1)
    left = save(dropped, reporter, 1)
    revision = revise(v1, manager)
    activity_delete(activity=copy_of(dropped, revision), user=manager)
    code = v1.workplan.code

    with django_capture_on_commit_callbacks(execute=True):
        approve(revision, manager, ewg_secretary)

    left.refresh_from_db()
    assert (left.state, left.activity_id, left.revision) == (State.CLOSED, dropped.pk, 2)
    assert transitions(left) == [("draft", "closed", "ewg")]
    notice = (
        f"Closed when version 2 of {code} was approved: version 2 no longer has activity A2. "
        "What it said is kept here, read-only."
    )
    assert last_comment(left) == notice
    assert left.history.latest().history_change_reason == "Closed on approval of version 2"
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([reporter.email], f"Progress closed by a revision: {code} v2")
    ]
    body = mail.outbox[0].body
    assert body.startswith(f"Version 2 of {code} was approved by EWG ")
    assert f"- A2 Q1, closed\n  {notice}\n  " in body
    # No request is behind an approval's e-mails: links are absolute, on PORTAL_BASE_URL.
    base = settings.PORTAL_BASE_URL.rstrip("/")
    assert base.startswith("http")
    assert base + reverse("workplans:progress-form", args=[dropped.pk, 1]) in body
    assert "- A1 Q1, moved: finish it there" in body
    assert reverse("workplans:progress-form", args=[kept.activity_id, 1]) not in body
    assert reverse("workplans:progress-form", args=[copy_of(activity, revision).pk, 1]) in body


def test_each_author_is_told_only_of_their_own_updates(
    v1, activity, lead, reporter, manager, ewg_secretary, django_capture_on_commit_callbacks
):
    colleague = counterpart_user(lead, username="pb-colleague")
    save(activity, reporter, 1)
    save(activity, colleague, 2)
    revision = revise(v1, manager)
    with django_capture_on_commit_callbacks(execute=True):
        approve(revision, manager, ewg_secretary)
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        (user.email, f"Progress moved to the revision: {v1.workplan.code} v2")
        for user in (reporter, colleague)
    )
    mine = next(m for m in mail.outbox if m.to == [reporter.email])
    assert "A1 Q1" in mine.body
    assert "A1 Q2" not in mine.body


def test_a_rolled_back_approval_moves_nothing_and_sends_nothing(
    activity, reporter, manager, ewg_secretary, django_capture_on_commit_callbacks
):
    drafted = save(activity, reporter, 1)
    revision = revise(activity.version, manager)

    def approve_then_fail():
        with transaction.atomic():
            approve(revision, manager, ewg_secretary)
            raise RuntimeError("the request failed after the approval")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        approve_then_fail()
    drafted.refresh_from_db()
    assert (drafted.activity_id, drafted.state) == (activity.pk, State.DRAFT)
    assert mail.outbox == []


def test_an_update_of_an_activity_given_to_another_counterpart_is_closed(
    activity, reporter, manager, ewg_secretary
):
    drafted = save(activity, reporter, 1)
    revision = revise(activity.version, manager)
    Activity.objects.filter(pk=copy_of(activity, revision).pk).update(
        lead_counterpart=counterpart("NACTA")
    )

    approve(revision, manager, ewg_secretary)

    drafted.refresh_from_db()
    assert (drafted.state, drafted.activity_id) == (State.CLOSED, activity.pk)
    assert "version 2 gives activity A1 to NACTA." in last_comment(drafted)


def test_an_update_of_a_quarter_the_workplan_no_longer_has_is_closed(
    activity, reporter, manager, ewg_secretary
):
    fourth = save(activity, reporter, 4)
    third = save(activity, reporter, 3)
    revision = revise(activity.version, manager)
    # Jul 2022 - Mar 2023: three quarters left.
    Workplan.objects.filter(pk=activity.version.workplan_id).update(
        period_end=datetime.date(2023, 3, 31)
    )

    approve(revision, manager, ewg_secretary)

    fourth.refresh_from_db()
    third.refresh_from_db()
    assert (fourth.state, fourth.activity_id) == (State.CLOSED, activity.pk)
    code = activity.version.workplan.code
    assert f"{code} now has quarters 1 to 3; there is no Q4 any more." in last_comment(fourth)
    assert (third.state, third.activity_id) == (State.DRAFT, copy_of(activity, revision).pk)


def test_when_the_new_version_already_holds_the_quarter_that_update_stays(
    activity, reporter, manager, ewg_secretary
):
    carried = save(activity, reporter, 2)
    revision = revise(activity.version, manager)
    target = copy_of(activity, revision)
    # Only the ORM can do this (the services report on approved versions only).
    there = ProgressUpdateFactory(activity=target, quarter=2, author=reporter, state=State.DRAFT)

    approve(revision, manager, ewg_secretary)

    carried.refresh_from_db()
    there.refresh_from_db()
    assert (carried.state, carried.activity_id) == (State.CLOSED, activity.pk)
    assert (there.state, there.activity_id, there.revision) == (State.DRAFT, target.pk, 1)
    assert "version 2 already holds a Q2 update of A1; report there." in last_comment(carried)


def test_of_two_updates_left_for_one_quarter_the_latest_changed_moves(
    lead, reporter, manager, ewg_secretary
):
    """Drafts stranded on two earlier versions (before revisions carried them): v1 is
    superseded with an old draft, v2 in force with a newer one, v3 is being approved."""
    v2 = approved_version(number=2)
    workplan = v2.workplan
    v1 = WorkplanVersionFactory(
        workplan=workplan, number=1, status=WorkplanVersion.Status.SUPERSEDED
    )
    current = planned_activity(v2, lead=lead, code="A1")
    older = ActivityFactory(
        version=v1, lineage=current.lineage, code="A1", output=current.output, lead_counterpart=lead
    )
    newer_draft = save(current, reporter, 2, narrative="Newer.")
    older_draft = ProgressUpdateFactory(activity=older, quarter=2, author=reporter)
    ProgressUpdate.objects.filter(pk=older_draft.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=30)
    )
    v3 = WorkplanVersionFactory(
        workplan=workplan,
        number=3,
        status=WorkplanVersion.Status.SUBMITTED,
        based_on=v2,
        submitted_at=timezone.now(),
    )
    target = ActivityFactory(
        version=v3, lineage=current.lineage, code="A1", output=current.output, lead_counterpart=lead
    )
    meeting = EwgMeetingFactory(sub_programme=workplan.sub_programme, date=timezone.localdate())

    version_approve(version=v3, meeting=meeting, user=ewg_secretary)

    newer_draft.refresh_from_db()
    older_draft.refresh_from_db()
    assert (newer_draft.state, newer_draft.activity_id) == (State.DRAFT, target.pk)
    assert (older_draft.state, older_draft.activity_id) == (State.CLOSED, older.pk)
    assert "version 3 already holds a Q2 update of A1; report there." in last_comment(older_draft)


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
