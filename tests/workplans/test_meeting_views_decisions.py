"""EWG meetings in the browser: the attendees grid (labelled, rows added and removed), the
edit page, documents (content-checked uploads, downloads only for those who see the
meeting, removal after a question), the list's search and sorting, and decision forms
that offer only the meetings (and versions) the services accept."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ctportal.exceptions import DomainError
from tests.factories import (
    AttendanceFactory,
    EwgMeetingFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
)
from tests.workplans import SUBMITTED_AT, counterpart, snapshot
from tests.workplans.meeting_views_support import ROLES, attendees, meeting_data
from workplans import selectors
from workplans.models import EwgMeeting, WorkplanVersion
from workplans.services import version_approve

pytestmark = pytest.mark.django_db


# --- Decisions: only the meetings (and versions) the services accept --------------------


@pytest.fixture
def decision_world(sp):
    """A version of SP-IV submitted on 15 Jul 2022, and meetings around it."""
    version = WorkplanVersionFactory(
        workplan=WorkplanFactory(sub_programme=sp, code="WP-IV"),
        status=WorkplanVersion.Status.SUBMITTED,
        submitted_at=SUBMITTED_AT,
    )
    today = timezone.localdate()
    return {
        "version": version,
        "before": EwgMeetingFactory(sub_programme=sp, date=datetime.date(2022, 7, 1)),
        "same_day": EwgMeetingFactory(sub_programme=sp, date=datetime.date(2022, 7, 15)),
        "after": EwgMeetingFactory(sub_programme=sp, date=datetime.date(2022, 7, 26)),
        "future": EwgMeetingFactory(sub_programme=sp, date=today + datetime.timedelta(days=3)),
        "other_sp": EwgMeetingFactory(
            sub_programme=SubProgrammeFactory(code="SP-I", title="Border management"),
            date=datetime.date(2022, 7, 26),
        ),
    }


def test_the_version_page_offers_only_meetings_that_may_decide_it(ewg_client, decision_world):
    version = decision_world["version"]

    response = ewg_client.get(reverse("workplans:version-detail", args=[version.pk]))

    offered = list(response.context["decision_form"].fields["meeting"].queryset)
    assert offered == [decision_world["after"], decision_world["same_day"]]


def test_a_meeting_page_offers_only_versions_it_may_decide(ewg_client, decision_world):
    version = decision_world["version"]
    offered = {}
    for name in ("before", "same_day", "after", "future", "other_sp"):
        meeting = decision_world[name]
        response = ewg_client.get(reverse("workplans:meeting-detail", args=[meeting.pk]))
        offered[name] = list(response.context["form"].fields["version"].queryset)
    assert offered == {
        "before": [],
        "same_day": [version],
        "after": [version],
        "future": [],
        "other_sp": [],
    }
    future_page = ewg_client.get(
        reverse("workplans:meeting-detail", args=[decision_world["future"].pk])
    ).content.decode()
    assert "This meeting is dated in the future" in future_page


def test_the_forms_offer_exactly_what_the_service_accepts(ewg_secretary, decision_world):
    version = decision_world["version"]
    accepted = set()
    for name in ("before", "same_day", "after", "future", "other_sp"):
        meeting = decision_world[name]
        refused = None
        with transaction.atomic():
            try:
                version_approve(version=version, meeting=meeting, user=ewg_secretary)
            except DomainError as error:
                refused = error.field
            else:
                accepted.add(name)
            transaction.set_rollback(True)
        assert refused in (None, "meeting"), name
        version.refresh_from_db()
        offered = meeting in selectors.meeting_decision_list(version=version)
        assert offered == (name in accepted), name
        assert (version in selectors.version_decision_list(meeting=meeting)) == offered, name
    assert accepted == {"same_day", "after"}


def test_approving_from_the_version_page_with_an_offered_meeting(
    ewg_client, ewg_secretary, decision_world
):
    version = decision_world["version"]
    meeting = decision_world["after"]

    response = ewg_client.post(
        reverse("workplans:version-decide", args=[version.pk]),
        {"meeting": meeting.pk, "decision": "approve", "comment": ""},
    )

    assert response.status_code == 302
    version.refresh_from_db()
    assert (version.status, version.decided_by_meeting) == ("approved", meeting)


@pytest.mark.parametrize("name", ["before", "future", "other_sp"])
def test_a_meeting_that_cannot_decide_is_refused_on_the_field(ewg_client, decision_world, name):
    version = decision_world["version"]
    before = snapshot()

    response = ewg_client.post(
        reverse("workplans:version-decide", args=[version.pk]),
        {"meeting": decision_world[name].pk, "decision": "approve", "comment": ""},
    )

    assert response.status_code == 400
    assert response.context["decision_form"].errors == {
        "meeting": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert snapshot() == before


def test_the_version_page_says_when_no_meeting_can_decide_yet(ewg_client, sp):
    version = WorkplanVersionFactory(
        workplan=WorkplanFactory(sub_programme=sp),
        status=WorkplanVersion.Status.SUBMITTED,
        submitted_at=SUBMITTED_AT,
    )
    EwgMeetingFactory(sub_programme=sp, date=datetime.date(2022, 7, 1))

    html = ewg_client.get(reverse("workplans:version-detail", args=[version.pk])).content
    html = html.decode()

    assert f"No EWG meeting of {sp} has been held since this version was submitted" in html
    assert reverse("workplans:meeting-create") in html


#                       anon cp   ewg  donor admin mgr
DECIDE = (302, 404, 302, 404, 403, 302)


def test_each_role_may_or_may_not_record_a_decision_from_the_version_page(
    client, users, sp, decision_world
):
    got = {}
    for role in ROLES:
        version = WorkplanVersionFactory(
            workplan=WorkplanFactory(sub_programme=sp),
            status=WorkplanVersion.Status.SUBMITTED,
            submitted_at=SUBMITTED_AT,
        )
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        got[role] = client.post(
            reverse("workplans:version-decide", args=[version.pk]),
            {"meeting": decision_world["after"].pk, "decision": "approve", "comment": ""},
        ).status_code
    assert got == dict(zip(ROLES, DECIDE, strict=True))
    assert WorkplanVersion.objects.filter(status="approved").count() == 2


def test_a_removed_attendee_stays_removed_when_the_form_returns_with_errors(ewg_client, meeting):
    nacta = counterpart("NACTA")
    AttendanceFactory(meeting=meeting, organisation=nacta, mode="in_person")
    rows = [{"organisation": nacta.pk, "mode": "in_person", "DELETE": "on"}]

    response = ewg_client.post(
        reverse("workplans:meeting-update", args=[meeting.pk]),
        meeting_data(meeting.sub_programme, rows, initial=1, venue=""),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert '<tr data-formset-row data-testid="attendee-row" hidden>' in html
    assert 'name="attendance-0-DELETE" id="id_attendance-0-DELETE" checked' in html
    assert attendees(meeting) == [("NACTA", "in_person", "")]


def test_a_row_removed_in_the_browser_leaves_a_gap_that_is_ignored(ewg_client, sp):
    """formset.js drops a new row from the page: its number is missing from the post."""
    nacta, fmu = counterpart("NACTA"), counterpart("FMU")
    data = meeting_data(
        sp,
        [{"organisation": nacta.pk, "mode": "in_person"}, {}, {}],
        **{"attendance-TOTAL_FORMS": "3"},
    )
    data.update({"attendance-2-organisation": fmu.pk, "attendance-2-mode": "video"})

    response = ewg_client.post(reverse("workplans:meeting-create"), data)

    assert response.status_code == 302
    assert attendees(EwgMeeting.objects.get()) == [("FMU", "video", ""), ("NACTA", "in_person", "")]
