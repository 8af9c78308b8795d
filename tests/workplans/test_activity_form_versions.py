"""The activity form's grid of targets per quarter: labelled cells, rows added and removed,
whole numbers for counts; a frozen version's forms answer with a clear page; removing an
activity asks first; the version page's activities are searchable and sortable."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Role
from tests.factories import (
    ActivityFactory,
    ActivityTargetFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from tests.workplans import SUBMITTED_AT, counterpart, snapshot
from tests.workplans.activity_form_support import form_data
from workplans.models import Activity, WorkplanVersion

pytestmark = pytest.mark.django_db


Status = WorkplanVersion.Status


# --- Frozen versions ---------------------------------------------------------------


def _frozen_pages(version, activity):
    return [
        ("get", reverse("workplans:activity-create", args=[version.pk])),
        ("post", reverse("workplans:activity-create", args=[version.pk])),
        ("get", reverse("workplans:activity-update", args=[activity.pk])),
        ("post", reverse("workplans:activity-update", args=[activity.pk])),
        ("get", reverse("workplans:activity-delete", args=[activity.pk])),
        ("post", reverse("workplans:activity-delete", args=[activity.pk])),
        ("get", reverse("workplans:version-import", args=[version.pk])),
        ("post", reverse("workplans:version-import", args=[version.pk])),
    ]


def test_the_forms_of_an_approved_version_answer_that_it_is_frozen(manager_client, plan):
    approved = WorkplanVersionFactory(
        workplan=plan["draft"].workplan, number=2, status=Status.APPROVED
    )
    plan["draft"].delete()
    activity = ActivityFactory(version=approved, output=plan["output"], code="A1")
    before = snapshot()

    for method, url in _frozen_pages(approved, activity):
        data = form_data(plan, []) if method == "post" else None
        response = getattr(manager_client, method)(url, data)
        assert response.status_code == 409, url
        html = response.content.decode()
        assert "Version 2 of WP-T cannot change" in html, url
        assert "This version is approved and frozen" in html, url
        # The manager may start a revision right there.
        assert reverse("workplans:workplan-revise", args=[approved.workplan.pk]) in html, url
    assert snapshot() == before


def test_a_submitted_version_says_it_waits_for_the_ewg_and_offers_no_revision(manager_client, plan):
    version = plan["draft"]
    version.status, version.submitted_at = Status.SUBMITTED, SUBMITTED_AT
    version.save()
    activity = ActivityFactory(version=version, output=plan["output"])

    response = manager_client.get(reverse("workplans:activity-update", args=[activity.pk]))

    assert response.status_code == 409
    html = response.content.decode()
    assert "submitted to the EWG for approval and frozen" in html
    assert reverse("workplans:workplan-revise", args=[version.workplan.pk]) not in html


def test_the_page_of_a_frozen_version_offers_no_change(manager_client, plan):
    version = plan["draft"]
    version.status = Status.APPROVED
    version.save()
    activity = ActivityFactory(version=version, output=plan["output"])

    html = manager_client.get(reverse("workplans:version-detail", args=[version.pk])).content
    html = html.decode()

    for url in (
        reverse("workplans:activity-create", args=[version.pk]),
        reverse("workplans:version-import", args=[version.pk]),
        reverse("workplans:activity-update", args=[activity.pk]),
        reverse("workplans:activity-delete", args=[activity.pk]),
    ):
        assert url not in html
    assert "Start a revision" in html


@pytest.mark.parametrize("role", [Role.EWG_SECRETARIAT, Role.ADMINISTRATOR])
def test_roles_that_do_not_plan_get_403_before_any_frozen_page(client, plan, role):
    version = plan["draft"]
    version.status = Status.APPROVED
    version.save()
    client.force_login(user_with_role(role))
    response = client.get(reverse("workplans:activity-create", args=[version.pk]))
    assert response.status_code == 403


# --- Removing an activity asks first -----------------------------------------------


def test_removing_an_activity_asks_first_then_removes_it(manager_client, plan):
    activity = ActivityFactory(version=plan["draft"], output=plan["output"], code="A7")
    ActivityTargetFactory(activity=activity, indicator=plan["persons"], quarter=1, value=20)
    url = reverse("workplans:activity-delete", args=[activity.pk])

    page = manager_client.get(url)

    assert page.status_code == 200
    html = page.content.decode()
    assert f"Remove activity A7 “{activity.title}” from WP-T v1, with its 1 target?" in html
    assert f'action="{url}"' in html
    assert Activity.objects.filter(pk=activity.pk).exists()

    response = manager_client.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("workplans:version-detail", args=[plan["draft"].pk])
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_the_version_page_links_remove_to_the_question_not_to_a_direct_post(manager_client, plan):
    activity = ActivityFactory(version=plan["draft"], output=plan["output"])
    html = manager_client.get(
        reverse("workplans:version-detail", args=[plan["draft"].pk])
    ).content.decode()
    url = reverse("workplans:activity-delete", args=[activity.pk])
    assert f'href="{url}"' in html
    assert f'action="{url}"' not in html


# --- Searching and sorting a version's activities -----------------------------------


def _activities(plan, count):
    lead_b = counterpart("CTD-SD")
    for number in range(1, count + 1):
        ActivityFactory(
            version=plan["draft"],
            output=plan["output"],
            code=f"A{number}",
            title=f"Activity {'training' if number % 2 else 'workshop'} {number}",
            lead_counterpart=plan["lead"] if number % 2 else lead_b,
            budget=Decimal(1000 * (11 - number)),
        )


def _codes(response) -> list[str]:
    return [row["activity"].code for row in response.context["rows"]]


def test_activities_are_searched_by_code_or_title(manager_client, plan):
    _activities(plan, 10)
    url = reverse("workplans:version-detail", args=[plan["draft"].pk])

    assert _codes(manager_client.get(url, {"q": "workshop"})) == ["A2", "A4", "A6", "A8", "A10"]
    assert _codes(manager_client.get(url, {"q": "a1"})) == ["A1", "A10"]
    response = manager_client.get(url, {"q": "nothing like it"})
    assert _codes(response) == []
    assert "No activity's code or title contains “nothing like it”." in response.content.decode()


def test_activities_sort_by_their_columns(manager_client, plan):
    _activities(plan, 10)
    url = reverse("workplans:version-detail", args=[plan["draft"].pk])

    assert _codes(manager_client.get(url)) == [f"A{n}" for n in range(1, 11)]
    assert _codes(manager_client.get(url, {"sort": "-code"})) == [f"A{n}" for n in range(10, 0, -1)]
    assert _codes(manager_client.get(url, {"sort": "budget"})) == [
        f"A{n}" for n in range(10, 0, -1)
    ]
    assert _codes(manager_client.get(url, {"sort": "lead"}))[:5] == ["A2", "A4", "A6", "A8", "A10"]
    response = manager_client.get(url, {"sort": "-budget"})
    assert 'aria-sort="descending"' in response.content.decode()


def test_the_version_page_runs_as_many_queries_for_5_activities_as_for_1(manager_client, plan):
    url = reverse("workplans:version-detail", args=[plan["draft"].pk])
    _activities(plan, 1)
    with CaptureQueriesContext(connection) as one:
        manager_client.get(url, {"sort": "lead"})
    Activity.objects.all().delete()
    _activities(plan, 5)
    with CaptureQueriesContext(connection) as five:
        manager_client.get(url, {"sort": "lead"})
    assert len(five) == len(one)
