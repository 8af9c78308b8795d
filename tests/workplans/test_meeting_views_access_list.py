"""EWG meetings in the browser: the attendees grid (labelled, rows added and removed), the
edit page, documents (content-checked uploads, downloads only for those who see the
meeting, removal after a question), the list's search and sorting, and decision forms
that offer only the meetings (and versions) the services accept."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    EwgMeetingFactory,
    MeetingDocumentFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
)
from tests.workplans import snapshot
from tests.workplans.meeting_views_support import PDF, ROLES, meeting_data, stored_files, upload
from workplans.models import EwgMeeting, MeetingDocument, WorkplanVersion

pytestmark = pytest.mark.django_db


def _statuses(client, users, request) -> dict[str, int]:
    got = {}
    for role in ROLES:
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        got[role] = request(client).status_code
    return got


#                         anon cp   ewg  donor admin mgr
MATRIX = {
    "edit page":          (302, 403, 200, 404, 403, 200),
    "edit post":          (302, 403, 302, 404, 403, 302),
    "upload":             (302, 403, 302, 404, 403, 302),
    "download":           (302, 200, 200, 404, 200, 200),
    "remove question":    (302, 403, 200, 404, 403, 200),
    "meeting list":       (302, 200, 200, 403, 200, 200),
}  # fmt: skip


@pytest.mark.parametrize("action", list(MATRIX))
def test_each_role_reaches_exactly_the_meeting_pages_and_actions_it_may(
    client, users, meeting, action
):
    document = MeetingDocumentFactory(meeting=meeting)
    requests = {
        "edit page": lambda c: c.get(reverse("workplans:meeting-update", args=[meeting.pk])),
        "edit post": lambda c: c.post(
            reverse("workplans:meeting-update", args=[meeting.pk]),
            meeting_data(meeting.sub_programme, []),
        ),
        "upload": lambda c: upload(c, meeting, "minutes.pdf", PDF),
        "download": lambda c: c.get(
            reverse("workplans:meeting-document-download", args=[document.pk])
        ),
        "remove question": lambda c: c.get(
            reverse("workplans:meeting-document-delete", args=[document.pk])
        ),
        "meeting list": lambda c: c.get(reverse("workplans:meeting-list")),
    }
    expected = dict(zip(ROLES, MATRIX[action], strict=True))
    assert _statuses(client, users, requests[action]) == expected


def test_only_recorders_remove_documents(
    client, users, meeting, django_capture_on_commit_callbacks
):
    url_of = {}
    for role in ROLES:
        url_of[role] = reverse(
            "workplans:meeting-document-delete",
            args=[MeetingDocumentFactory(meeting=meeting, title=f"Doc {role}").pk],
        )
    got = {}
    for role in ROLES:
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        with django_capture_on_commit_callbacks(execute=True):
            got[role] = client.post(url_of[role]).status_code
    assert got == dict(zip(ROLES, (302, 403, 302, 404, 403, 302), strict=True))
    assert sorted(MeetingDocument.objects.values_list("title", flat=True)) == [
        "Doc administrator",
        "Doc anonymous",
        "Doc counterpart",
        "Doc donor",
    ]


def test_a_refused_upload_writes_nothing(client, users, meeting, settings):
    before = snapshot()
    for role in ("counterpart", "donor", "administrator"):
        client.force_login(users[role])
        upload(client, meeting, "minutes.pdf", PDF)
    assert snapshot() == before
    assert stored_files(settings) == []


def _listed(response) -> list[str]:
    return [m.venue for m in response.context["meetings"]]


def test_the_meetings_list_searches_venue_chair_and_sub_programme(ewg_client, meetings):
    url = reverse("workplans:meeting-list")

    assert _listed(ewg_client.get(url)) == ["Serena Hotel", "Marriott, Karachi", "NACTA HQ"]
    assert _listed(ewg_client.get(url, {"q": "serena"})) == ["Serena Hotel"]
    assert _listed(ewg_client.get(url, {"q": "ahmed"})) == ["Marriott, Karachi"]
    assert _listed(ewg_client.get(url, {"q": "border"})) == ["Marriott, Karachi"]
    assert _listed(ewg_client.get(url, {"q": "SP-IV"})) == ["Serena Hotel", "NACTA HQ"]
    response = ewg_client.get(url, {"q": "Lahore"})
    assert _listed(response) == []
    assert "No meeting matches “Lahore”." in response.content.decode()


def test_the_meetings_list_sorts_by_its_columns(ewg_client, meetings):
    url = reverse("workplans:meeting-list")

    assert _listed(ewg_client.get(url, {"sort": "date"})) == [
        "NACTA HQ",
        "Marriott, Karachi",
        "Serena Hotel",
    ]
    assert _listed(ewg_client.get(url, {"sort": "venue"})) == [
        "Marriott, Karachi",
        "NACTA HQ",
        "Serena Hotel",
    ]
    assert _listed(ewg_client.get(url, {"sort": "-chair"})) == [
        "NACTA HQ",
        "Serena Hotel",
        "Marriott, Karachi",
    ]
    assert _listed(ewg_client.get(url, {"sort": "sub_programme"})) == [
        "Marriott, Karachi",
        "Serena Hotel",
        "NACTA HQ",
    ]
    html = ewg_client.get(url, {"sort": "venue"}).content.decode()
    assert 'aria-sort="ascending"' in html


def test_an_unknown_sort_lists_newest_first_and_its_header_and_select_say_so(ewg_client, meetings):
    response = ewg_client.get(reverse("workplans:meeting-list"), {"sort": "password"})

    assert _listed(response) == ["Serena Hotel", "Marriott, Karachi", "NACTA HQ"]
    html = response.content.decode()
    date_header = r'<th scope="col" aria-sort="descending"><a [^>]*data-testid="sort-date"'
    assert re.search(date_header, html)
    assert html.count("aria-sort=") == 1
    assert '<option value="" selected>Date, descending</option>' in html


def test_the_meetings_list_runs_as_many_queries_for_5_meetings_as_for_1(ewg_client, sp):
    url = reverse("workplans:meeting-list")
    workplan = WorkplanFactory(sub_programme=sp)

    def add(count):
        for number in range(count):
            meeting = EwgMeetingFactory(sub_programme=sp, venue=f"Venue {number}")
            WorkplanVersionFactory(
                workplan=workplan,
                number=EwgMeeting.objects.count() + 10,
                status=WorkplanVersion.Status.SUPERSEDED,
                decided_by_meeting=meeting,
            )

    add(1)
    with CaptureQueriesContext(connection) as one:
        assert ewg_client.get(url).status_code == 200
    add(4)
    with CaptureQueriesContext(connection) as five:
        assert ewg_client.get(url).status_code == 200
    assert len(five) == len(one)
