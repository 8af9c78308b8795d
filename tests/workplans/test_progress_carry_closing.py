"""Revisions never strand work: when the EWG approves a revision, every draft, submitted or
returned update on an earlier version moves to the same activity (same lineage) of the
approved version, with its values, evidence, transitions and history, and can be finished
there; one the revision cannot take is closed and its author told why. Verified updates stay."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    ActivityFactory,
    EwgMeetingFactory,
    ProgressUpdateFactory,
    WorkplanVersionFactory,
)
from tests.workplans import approved_version, counterpart, counterpart_user, planned_activity
from tests.workplans.progress_carry_support import (
    State,
    approve,
    copy_of,
    last_comment,
    revise,
    save,
    transitions,
)
from workplans.models import (
    Activity,
    ProgressUpdate,
    Workplan,
    WorkplanVersion,
)
from workplans.services import (
    activity_delete,
    version_approve,
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
