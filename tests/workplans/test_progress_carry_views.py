"""After a revision, the pages offer only what the services will allow: "My activities" and the
update page lead to the version in force, say one thing, and show closed updates read-only;
a manager is not offered (and cannot make) a return nobody could correct; the API reports
the closed state. Every refusal leaves the data as it was."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from organisations.models import Role
from organisations.tokens import api_token_create
from tests.factories import EwgMeetingFactory, ProgressUpdateFactory, user_with_role
from tests.workplans import approved_version, counterpart, counterpart_user, planned_activity
from workplans import services
from workplans.models import Activity, ProgressUpdate, WorkplanVersion

pytestmark = pytest.mark.django_db

State = ProgressUpdate.State


@pytest.fixture
def lead():
    return counterpart("CTD-PB")


@pytest.fixture
def reporter(lead):
    return counterpart_user(lead, username="pb-officer")


def save(activity, user, quarter: int):
    return services.progress_update_save(
        activity=activity,
        quarter=quarter,
        user=user,
        status="on_track",
        percent_complete=40,
        narrative=f"Q{quarter} narrative.",
        values=[(activity.plain, "", None, Decimal("1"))],
    )


def submit(activity, user, quarter: int):
    return services.progress_update_submit(update=save(activity, user, quarter), user=user)


def form_url(activity_id: int, quarter: int) -> str:
    return reverse("workplans:progress-form", args=[activity_id, quarter])


def review_url(update) -> str:
    return reverse("workplans:review-detail", args=[update.pk])


def row(update) -> tuple:
    """What a refused request must leave alone."""
    update.refresh_from_db()
    return (update.state, update.revision, update.activity_id, update.transitions.count())


@pytest.fixture
def revised(lead, reporter, manager, ewg_secretary):
    """Version 1 with A1 (a draft in Q1, a returned update in Q2, a submitted one in Q3) and
    A2 (a draft in Q1); version 2 drops A2 and is approved."""
    v1 = approved_version()
    a1 = planned_activity(v1, lead=lead, code="A1")
    a2 = planned_activity(v1, lead=lead, code="A2")
    drafted = save(a1, reporter, 1)
    returned = services.progress_update_return(
        update=submit(a1, reporter, 2), user=manager, comment="Add the attendance list."
    )
    sent = submit(a1, reporter, 3)
    left = save(a2, reporter, 1)
    v2 = services.version_revise(workplan=v1.workplan, user=manager)
    services.activity_delete(activity=v2.activities.get(code="A2"), user=manager)
    services.version_submit(version=v2, user=manager)
    meeting = EwgMeetingFactory(sub_programme=v1.workplan.sub_programme, date=timezone.localdate())
    services.version_approve(version=v2, meeting=meeting, user=ewg_secretary)
    for update in (drafted, returned, sent, left):
        update.refresh_from_db()
    return {
        "v1": v1,
        "v2": v2,
        "a1": a1,
        "a2": a2,
        "new_a1": v2.activities.get(code="A1"),
        "drafted": drafted,
        "returned": returned,
        "sent": sent,
        "left": left,
    }


# --- My activities ------------------------------------------------------------------------


def test_my_activities_leads_to_the_moved_updates_on_the_version_in_force(
    client, revised, reporter
):
    client.force_login(reporter)
    response = client.get(reverse("workplans:my-activities"))
    assert response.status_code == 200
    rows = {
        (r.activity.code, r.quarter.number): r for g in response.context["groups"] for r in g.rows
    }
    new_a1 = revised["new_a1"]
    assert {key: (r.situation, r.action_label, r.form_activity_id) for key, r in rows.items()} == {
        ("A1", 1): ("draft", "Continue the draft", new_a1.pk),
        ("A1", 2): ("returned", "Correct and resubmit", new_a1.pk),
        ("A1", 3): ("submitted", "View", new_a1.pk),
        ("A1", 4): ("late", "Report progress", new_a1.pk),
    }
    html = response.content.decode()
    assert f'href="{form_url(revised["a1"].pk, 1)}"' not in html
    assert f'href="{form_url(new_a1.pk, 1)}"' in html
    closed = html[html.index('data-testid="closed-updates"') :]
    assert "A2</strong> Q1" in closed
    assert "version 2 no longer has activity A2." in closed
    assert f'href="{form_url(revised["a2"].pk, 1)}"' in closed


def test_a_draft_stranded_before_revisions_carried_updates_is_not_offered_for_editing(
    client, lead, reporter
):
    """Left on version 1 by the ORM, as older portals did: the row reports on version 2."""
    v1 = approved_version(status=WorkplanVersion.Status.SUPERSEDED)
    old = planned_activity(v1, lead=lead, code="A1")
    stranded = ProgressUpdateFactory(activity=old, quarter=1, author=reporter, state=State.DRAFT)
    v2 = approved_version(workplan=v1.workplan, number=2)
    new = planned_activity(v2, lead=lead, code="A1")
    Activity.objects.filter(pk=new.pk).update(lineage=old.lineage)
    client.force_login(reporter)

    response = client.get(reverse("workplans:my-activities"))

    first = next(r for g in response.context["groups"] for r in g.rows if r.quarter.number == 1)
    assert (first.update, first.situation, first.action_label, first.form_activity_id) == (
        None,
        "late",
        "Report progress",
        new.pk,
    )
    page = client.get(form_url(old.pk, 1)).content.decode()
    assert page.count('data-testid="progress-notice"') == 1
    code = v1.workplan.code
    assert (
        f"Version 1 of {code} is superseded; progress is reported only on the approved version."
        in page
    )
    assert f'href="{form_url(new.pk, 1)}"' in page
    assert 'data-testid="progress-form"' not in page
    stranded.refresh_from_db()
    assert (stranded.state, stranded.activity_id) == (State.DRAFT, old.pk)


def test_my_activities_searches_code_and_title_and_sorts_by_a_column(
    client, lead, reporter, manager
):
    version = approved_version()
    for code, title, percent in (
        ("A1", "Prosecutors' course", 10),
        ("A2", "Forensics lab", 90),
        ("A10", "Prosecutors' manual", 50),
    ):
        activity = planned_activity(version, lead=lead, code=code, title=title)
        services.progress_update_save(
            activity=activity,
            quarter=1,
            user=reporter,
            status="on_track",
            percent_complete=percent,
        )
    client.force_login(reporter)
    url = reverse("workplans:my-activities")

    def q1(query: str) -> list[str]:
        response = client.get(url + query)
        assert response.status_code == 200
        group = next(g for g in response.context["groups"] if g.quarter.number == 1)
        return [r.activity.code for r in group.rows]

    assert q1("") == ["A1", "A2", "A10"]
    assert q1("?q=prosecutor") == ["A1", "A10"]
    assert q1("?q=a10") == ["A10"]
    assert q1("?sort=-complete") == ["A2", "A10", "A1"]
    assert q1("?sort=complete&q=prosecutor") == ["A1", "A10"]
    assert q1("?sort=-activity") == ["A10", "A2", "A1"]
    assert q1("?sort=nonsense") == ["A1", "A2", "A10"]
    html = client.get(url + "?sort=-complete&q=prosecutor").content.decode()
    assert 'aria-sort="descending"' in html
    # The header link reverses the order and keeps the search.
    assert 'href="?sort=complete&amp;q=prosecutor"' in html
    empty = client.get(url + "?q=nothing-like-this")
    assert empty.context["groups"] == []
    assert "No activity of yours matches" in empty.content.decode()


# --- The update page ------------------------------------------------------------------------


def test_the_page_of_a_moved_update_is_the_form_on_the_new_version(client, revised, reporter):
    client.force_login(reporter)
    page = client.get(form_url(revised["new_a1"].pk, 2))
    html = page.content.decode()
    assert 'data-testid="progress-form"' in html
    assert "Add the attendance list." in html
    assert "Correct the update below and submit it again." in html
    assert 'data-testid="progress-notice"' not in html
    assert page.context["form"]["narrative"].value() == "Q2 narrative."


def test_the_old_page_of_a_moved_update_says_one_thing_and_leads_to_the_new_one(
    client, revised, reporter
):
    client.force_login(reporter)
    html = client.get(form_url(revised["a1"].pk, 2)).content.decode()
    assert html.count('data-testid="progress-notice"') == 1
    code = revised["v1"].workplan.code
    assert (
        f"Version 1 of {code} is superseded; progress is reported only on the approved version."
        in html
    )
    assert f'href="{form_url(revised["new_a1"].pk, 2)}"' in html
    assert 'data-testid="progress-form"' not in html
    assert "Correct the update below" not in html


def test_a_closed_update_is_shown_read_only_with_its_notice_and_cannot_be_saved(
    client, revised, reporter
):
    left, a2 = revised["left"], revised["a2"]
    before = row(left)
    client.force_login(reporter)

    page = client.get(form_url(a2.pk, 1))
    html = page.content.decode()
    notice = page.context["actions"].notice
    assert notice.startswith(f"Closed when version 2 of {revised['v1'].workplan.code} was")
    assert html.count('data-testid="progress-notice"') == 1
    assert "Closed by a revision of the workplan" in html
    assert notice in html
    assert "Q1 narrative." in html  # what it said, read-only
    assert 'data-testid="progress-form"' not in html
    assert 'data-testid="in-force-link"' not in html  # the activity was dropped

    data = {"status": "on_track", "percent_complete": "50", "revision": str(left.revision)}
    response = client.post(form_url(a2.pk, 1), {**data, "action": "submit"})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [notice]
    assert row(left) == before


def test_a_returned_update_left_on_an_old_version_shows_no_correction_it_cannot_take(
    client, lead, reporter, manager
):
    v1 = approved_version()
    activity = planned_activity(v1, lead=lead, code="A1")
    update = services.progress_update_return(
        update=submit(activity, reporter, 2), user=manager, comment="Add Sindh."
    )
    WorkplanVersion.objects.filter(pk=v1.pk).update(status=WorkplanVersion.Status.SUPERSEDED)
    client.force_login(reporter)
    html = client.get(form_url(activity.pk, 2)).content.decode()
    assert "Add Sindh." in html
    assert "Correct the update below" not in html
    assert html.count('data-testid="progress-notice"') == 1
    assert 'data-testid="progress-form"' not in html
    assert update.state == State.RETURNED


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
