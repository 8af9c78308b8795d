"""After a revision, the pages offer only what the services will allow: "My activities" and the
update page lead to the version in force, say one thing, and show closed updates read-only;
a manager is not offered (and cannot make) a return nobody could correct; the API reports
the closed state. Every refusal leaves the data as it was."""

import pytest
from django.urls import reverse

from tests.factories import ProgressUpdateFactory
from tests.workplans import approved_version, counterpart, counterpart_user, planned_activity
from tests.workplans.progress_carry_views_support import State, form_url, row, submit
from workplans import services
from workplans.models import Activity, WorkplanVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return counterpart("CTD-PB")


@pytest.fixture
def reporter(lead):
    return counterpart_user(lead, username="pb-officer")


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
