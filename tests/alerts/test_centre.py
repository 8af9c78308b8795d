"""The notification centre, in the browser and the API: a person sees only what was told to
them (another's is a 404), newest first, read or not, each leading where they act; the
menu counts what still needs them; preferences refuse bad input on its field; and the
query count does not grow with the number of notifications."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html
from rest_framework.test import APIClient

from alerts.models import Kind, Notification, NotificationPreference
from alerts.services import Event, notification_mark_read, notifications_resolve, notify
from tests.alerts.conftest import PEOPLE

pytestmark = pytest.mark.django_db


def _tell(user, n: int, *, kind: str = Kind.TRANCHE_DUE, subject: str = "s") -> None:
    for i in range(n):
        notify(
            event=Event(
                kind=kind,
                subject=subject,
                dedupe_key=f"{kind}:{subject}:{i}",
                title=f"Alert {i}",
                body="Something to do.",
                url="/funding/",
                action="See it",
            ),
            recipients=[user],
        )


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _nav_count(response) -> str:
    tree = html.fromstring(response.content)
    links = tree.xpath("//nav[@aria-label='Main']//a[contains(@class,'nav-link')]")
    link = next(a for a in links if a.get("href") == "/notifications/")
    return " ".join(link.text_content().split())


def test_the_page_lists_my_notifications_newest_first_and_the_menu_counts_them(client, people):
    me, other = people["manager"], people["japan_viewer"]
    _tell(me, 3)
    _tell(other, 1, subject="theirs")
    client.force_login(me)
    response = client.get(reverse("alerts:notification-list"))
    assert response.status_code == 200
    assert [n.title for n in response.context["notifications"]] == [
        "Alert 2",
        "Alert 1",
        "Alert 0",
    ]
    assert _nav_count(response) == "Notifications 3 need you"


def test_opening_one_marks_it_read_and_leads_where_i_act(client, people):
    me = people["manager"]
    _tell(me, 1)
    mine = Notification.objects.get()
    client.force_login(me)
    response = client.get(reverse("alerts:notification-open", args=[mine.pk]))
    assert (response.status_code, response["Location"]) == (302, "/funding/")
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert _nav_count(client.get("/")) == "Notifications"


@pytest.mark.parametrize("name", [p for p in PEOPLE if p != "manager"])
def test_another_persons_notification_is_a_404_on_the_page_and_the_api(client, people, name):
    _tell(people["manager"], 1)
    theirs = Notification.objects.get()
    client.force_login(people[name])
    assert client.get(reverse("alerts:notification-open", args=[theirs.pk])).status_code == 404
    api = _api(people[name])
    # A user with no role has no API access at all (403), as on every endpoint.
    expected = 403 if name == "no_role" else 404
    assert api.get(f"/api/v1/notifications/{theirs.pk}/").status_code == expected
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == expected
    theirs.refresh_from_db()
    assert theirs.read_at is None
    if name != "no_role":
        assert api.get("/api/v1/notifications/").json()["count"] == 0


def test_the_api_lists_filters_and_marks_read(people):
    me = people["lead_staff"]
    _tell(me, 2)
    api = _api(me)
    body = api.get("/api/v1/notifications/").json()
    assert [n["title"] for n in body["results"]] == ["Alert 1", "Alert 0"]
    first = body["results"][0]
    assert (first["read"], first["done"], first["url"], first["action"]) == (
        False,
        False,
        "/funding/",
        "See it",
    )
    assert api.post(f"/api/v1/notifications/{first['id']}/read/").json()["read"] is True
    unread = api.get("/api/v1/notifications/", {"unread": "true"}).json()
    assert [n["title"] for n in unread["results"]] == ["Alert 0"]
    notifications_resolve(subject="s")
    assert api.get("/api/v1/notifications/", {"unread": "true"}).json()["count"] == 0
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked_read": 0}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"unread": "maybe"}, "unread"), ({"kind": "nope"}, "kind"), ({"colour": "red"}, "colour")],
)
def test_bad_filters_are_a_400_naming_the_field(people, params, field):
    response = _api(people["manager"]).get("/api/v1/notifications/", params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_preferences_through_the_api_and_a_bad_one_is_a_400_naming_it(people):
    api = _api(people["manager"])
    rows = {r["kind"]: r["delivery"] for r in api.get("/api/v1/notification-preferences/").json()}
    assert rows[Kind.PROGRESS_SUBMITTED] == "immediate"
    assert rows[Kind.TRANCHE_OVERDUE] == "digest"
    response = api.patch(
        "/api/v1/notification-preferences/",
        {Kind.TRANCHE_OVERDUE: "portal", Kind.TRANCHE_DUE: "pigeon"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [Kind.TRANCHE_DUE]
    assert not NotificationPreference.objects.exists()  # nothing half-saved
    response = api.patch(
        "/api/v1/notification-preferences/", {"no_such_kind": "portal"}, format="json"
    )
    assert (response.status_code, list(response.json()["error"]["fields"])) == (
        400,
        ["no_such_kind"],
    )
    response = api.patch(
        "/api/v1/notification-preferences/", {Kind.TRANCHE_OVERDUE: "portal"}, format="json"
    )
    assert response.status_code == 200
    assert {r["kind"]: r["delivery"] for r in response.json()}[Kind.TRANCHE_OVERDUE] == "portal"


def test_preferences_page_saves_and_shows_a_bad_choice_on_its_field(client, people):
    client.force_login(people["japan_viewer"])
    response = client.post(
        reverse("alerts:notification-preferences"), {Kind.TRANCHE_OVERDUE: "pigeon"}
    )
    assert response.status_code == 400
    assert 'id="pref-tranche_overdue-error"' in response.content.decode()
    assert not NotificationPreference.objects.exists()
    response = client.post(
        reverse("alerts:notification-preferences"), {Kind.TRANCHE_OVERDUE: "immediate"}
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get().kind == Kind.TRANCHE_OVERDUE
    assert NotificationPreference.objects.get().delivery == "immediate"


def test_query_counts_do_not_grow_with_the_number_of_notifications(
    client, people, django_assert_num_queries
):
    me = people["manager"]
    client.force_login(me)
    api = _api(me)
    _tell(me, 1)
    with CaptureQueriesContext(connection) as one_page:
        client.get(reverse("alerts:notification-list"))
    with CaptureQueriesContext(connection) as one_api:
        api.get("/api/v1/notifications/")
    _tell(me, 5, subject="more")
    with django_assert_num_queries(len(one_page.captured_queries)):
        client.get(reverse("alerts:notification-list"))
    with django_assert_num_queries(len(one_api.captured_queries)):
        api.get("/api/v1/notifications/")


def test_a_harvest_of_my_notifications_with_modified_since_finds_what_changed(people):
    manager = people["manager"]
    _tell(manager, 3)
    since = timezone.now()
    first = Notification.objects.filter(recipient=manager).order_by("pk").first()
    notification_mark_read(notification=first)
    changed = _api(manager).get("/api/v1/notifications/", {"modified_since": since.isoformat()})
    assert changed.status_code == 200
    assert [row["id"] for row in changed.json()["results"]] == [first.pk]
    bad = _api(manager).get("/api/v1/notifications/", {"modified_since": "soon"})
    assert (bad.status_code, list(bad.json()["error"]["fields"])) == (400, ["modified_since"])
