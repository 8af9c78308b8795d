"""After a revision, the pages offer only what the services will allow: "My activities" and the
update page lead to the version in force, say one thing, and show closed updates read-only;
a manager is not offered (and cannot make) a return nobody could correct; the API reports
the closed state. Every refusal leaves the data as it was."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from organisations.models import Role
from organisations.tokens import api_token_create
from tests.factories import ProgressUpdateFactory, user_with_role
from tests.workplans import approved_version, counterpart, counterpart_user, planned_activity
from tests.workplans.progress_carry_views_support import State, form_url, row, submit
from workplans.models import WorkplanVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return counterpart("CTD-PB")


@pytest.fixture
def reporter(lead):
    return counterpart_user(lead, username="pb-officer")


def review_url(update) -> str:
    return reverse("workplans:review-detail", args=[update.pk])


# --- Review: no return that nobody could correct -----------------------------------------------


@pytest.fixture
def stranded_submission(lead, reporter):
    """A submitted update left on a superseded version (before revisions carried them)."""
    v1 = approved_version()
    activity = planned_activity(v1, lead=lead, code="A1")
    update = submit(activity, reporter, 2)
    WorkplanVersion.objects.filter(pk=v1.pk).update(status=WorkplanVersion.Status.SUPERSEDED)
    return update


def test_the_review_page_offers_verify_but_no_return_when_nobody_could_correct_it(
    client, stranded_submission, manager
):
    client.force_login(manager)
    html = client.get(review_url(stranded_submission)).content.decode()
    assert 'value="verify"' in html
    assert 'value="return"' not in html
    assert 'name="comment"' not in html
    assert "nobody could correct it if it were returned" in html


def test_a_manager_posting_a_return_nobody_could_correct_is_refused_on_the_page(
    client, stranded_submission, manager
):
    before = row(stranded_submission)
    client.force_login(manager)
    response = client.post(
        review_url(stranded_submission), {"action": "return", "comment": "Add the list."}
    )
    assert response.status_code == 400
    [message] = response.context["form"].non_field_errors()
    assert message.endswith(
        "which is no longer in force: nobody could correct it if it were returned. Verify it, "
        "or leave it as it is."
    )
    assert message in response.content.decode()
    assert row(stranded_submission) == before
    assert client.post(review_url(stranded_submission), {"action": "verify"}).status_code == 302
    stranded_submission.refresh_from_db()
    assert stranded_submission.state == State.VERIFIED


def test_a_moved_submission_can_be_returned_on_the_new_version(client, revised, manager):
    sent = revised["sent"]
    client.force_login(manager)
    html = client.get(review_url(sent)).content.decode()
    assert 'value="return"' in html
    response = client.post(review_url(sent), {"action": "return", "comment": "Which province?"})
    assert response.status_code == 302
    sent.refresh_from_db()
    assert (sent.state, sent.activity_id) == (State.RETURNED, revised["new_a1"].pk)


def test_the_review_page_of_a_closed_update_offers_no_decision(client, revised, manager):
    client.force_login(manager)
    html = client.get(review_url(revised["left"])).content.decode()
    assert 'data-testid="review-form"' not in html
    assert "Closed by a revision of the workplan" in html


# --- The review queue: search and sort ----------------------------------------------------------


def test_the_queue_searches_activity_and_organisation_and_sorts_by_column(client, manager):
    version = approved_version()
    specs = [
        ("A1", "Prosecutors' course", "CTD-PB", 2, 30),
        ("A2", "Forensics lab", "CTD-SD", 1, 80),
        ("B1", "Border posts", "FIA", 3, 55),
    ]
    for code, title, org, quarter, percent in specs:
        activity = planned_activity(version, lead=counterpart(org), code=code, title=title)
        ProgressUpdateFactory(
            activity=activity,
            quarter=quarter,
            state=State.SUBMITTED,
            percent_complete=percent,
            submitted_at=timezone.now(),
        )
    client.force_login(manager)
    url = reverse("workplans:review-list")

    def codes(query: str) -> list[str]:
        response = client.get(url + query)
        assert response.status_code == 200
        return [u.activity.code for u in response.context["updates"]]

    assert codes("") == ["A1", "A2", "B1"]  # oldest submission first
    assert codes("?q=forensics") == ["A2"]
    assert codes("?q=ctd") == ["A1", "A2"]  # the counterpart's name
    assert codes("?q=b1") == ["B1"]
    assert codes("?sort=-complete") == ["A2", "B1", "A1"]
    assert codes("?sort=quarter") == ["A2", "A1", "B1"]
    assert codes("?sort=-counterpart") == ["B1", "A2", "A1"]
    assert codes("?sort=-activity&q=ctd") == ["A2", "A1"]
    html = client.get(url + "?sort=quarter").content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'href="?sort=-quarter"' in html
    assert "Clear filters" not in html  # sorting alone filters nothing


def test_queue_query_count_does_not_change_with_search_and_sort(client, manager):
    version = approved_version()
    for i in range(4):
        activity = planned_activity(version, lead=counterpart(f"CTD-{i}"), code=f"A{i}")
        ProgressUpdateFactory(activity=activity, state=State.SUBMITTED, submitted_at=timezone.now())
    client.force_login(manager)
    url = reverse("workplans:review-list")
    counts = []
    for query in ("", "?q=a&sort=-complete", "?sort=counterpart"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url + query).status_code == 200
        counts.append(len(queries))
    assert counts == [counts[0]] * 3


# --- The API ------------------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    _, key = api_token_create(user=user, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_api_refuses_a_return_nobody_could_correct_with_the_error_shape(
    stranded_submission, manager
):
    before = row(stranded_submission)
    response = api(manager).post(
        f"/api/v1/progress-updates/{stranded_submission.pk}/return/",
        {"comment": "Add the list."},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"error"}
    assert (body["error"]["code"], body["error"]["fields"]) == ("cannot_be_corrected", {})
    assert "nobody could correct it if it were returned" in body["error"]["message"]
    assert row(stranded_submission) == before


def test_the_api_reports_a_closed_update_and_filters_by_the_closed_state(revised, manager):
    client = api(manager)
    left = revised["left"]
    one = client.get(f"/api/v1/progress-updates/{left.pk}/")
    assert (one.status_code, one.json()["state"], one.json()["activity"]) == (
        200,
        "closed",
        revised["a2"].pk,
    )
    listed = client.get("/api/v1/progress-updates/?state=closed")
    assert [u["id"] for u in listed.json()["results"]] == [left.pk]
    moved = client.get(f"/api/v1/progress-updates/{revised['drafted'].pk}/").json()
    assert (moved["state"], moved["activity"]) == ("draft", revised["new_a1"].pk)


# --- Who may do what with a closed or uncorrectable update ---------------------------------


@pytest.mark.parametrize(
    ("who", "page", "decision", "api_return"),
    [
        ("manager", 200, 400, 400),
        ("ewg", 200, 403, 403),
        ("administrator", 200, 403, 403),
        ("lead_counterpart", 200, 403, 403),
        # The API refuses a role before looking the update up.
        ("other_counterpart", 404, 404, 403),
        ("donor", 404, 404, 403),
        ("anonymous", 302, 302, 401),
    ],
)
def test_matrix_of_an_uncorrectable_submission(
    client, stranded_submission, reporter, manager, who, page, decision, api_return
):
    users = {
        "manager": manager,
        "ewg": user_with_role(Role.EWG_SECRETARIAT, username="ewg2"),
        "administrator": user_with_role(Role.ADMINISTRATOR, username="admin2"),
        "lead_counterpart": counterpart_user(
            stranded_submission.activity.lead_counterpart, username="pb-2"
        ),
        "other_counterpart": counterpart_user(counterpart("CTD-KP"), username="kp-1"),
        "donor": user_with_role(Role.DONOR_VIEWER, username="donor-1"),
        "anonymous": None,
    }
    user = users[who]
    before = row(stranded_submission)
    if user is not None:
        client.force_login(user)
    assert client.get(review_url(stranded_submission)).status_code == page
    response = client.post(
        review_url(stranded_submission), {"action": "return", "comment": "Add the list."}
    )
    assert response.status_code == decision
    api_client = api(user) if user is not None else APIClient()
    answer = api_client.post(
        f"/api/v1/progress-updates/{stranded_submission.pk}/return/",
        {"comment": "Add the list."},
        format="json",
    )
    assert answer.status_code == api_return
    assert row(stranded_submission) == before


@pytest.mark.parametrize(
    ("who", "form_page"),
    [
        ("lead_counterpart", 200),
        ("manager", 403),
        ("other_counterpart", 403),
        ("donor", 404),
        ("anonymous", 302),
    ],
)
def test_matrix_of_a_closed_update_page(client, revised, manager, who, form_page):
    users = {
        "lead_counterpart": counterpart_user(revised["a2"].lead_counterpart, username="pb-2"),
        "manager": manager,
        "other_counterpart": counterpart_user(counterpart("CTD-KP"), username="kp-1"),
        "donor": user_with_role(Role.DONOR_VIEWER, username="donor-1"),
        "anonymous": None,
    }
    if users[who] is not None:
        client.force_login(users[who])
    assert client.get(form_url(revised["a2"].pk, 1)).status_code == form_page
