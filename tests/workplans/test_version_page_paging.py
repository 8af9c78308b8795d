"""A version's page, the review queue and My activities at scale (issue 14): a version of a
thousand activities is searched and sorted whole and shown a hundred at a time, a
counterpart's quarters are counted whole and shown a hundred rows at a time; no page runs
more queries for more rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    ActivityFactory,
    ActivityTargetFactory,
    IndicatorFactory,
    ProgressUpdateFactory,
    ProvinceFactory,
)
from tests.workplans import approved_version, counterpart, counterpart_user, planned_activity
from workplans.models import ProgressUpdate

pytestmark = pytest.mark.django_db


def _activities(plan, count: int, *, first: int = 1) -> None:
    """Activities A<first>.. with a target in two quarters and a province each, the
    budget falling with the number."""
    indicator = IndicatorFactory(output=plan["output"])
    province = ProvinceFactory()
    for number in range(first, first + count):
        activity = ActivityFactory(
            version=plan["draft"],
            output=plan["output"],
            code=f"A{number}",
            title=f"Activity {'training' if number % 2 else 'workshop'} {number}",
            lead_counterpart=plan["lead"],
            budget=Decimal(100_000 - number),
        )
        activity.provinces.set([province])
        for quarter in (1, 3):
            ActivityTargetFactory(
                activity=activity, indicator=indicator, quarter=quarter, value=Decimal(quarter)
            )


def _codes(response) -> list[str]:
    assert response.status_code == 200
    return [row["activity"].code for row in response.context["rows"]]


def test_the_version_page_shows_its_activities_a_hundred_at_a_time_in_the_whole_order(
    manager_client, plan
):
    _activities(plan, 130)
    url = reverse("workplans:version-detail", args=[plan["draft"].pk])

    first = manager_client.get(url)
    assert _codes(first) == [f"A{n}" for n in range(1, 101)]
    html = first.content.decode()
    assert "Activities 1–100 of 130." in html
    assert "Page 1 of 2" in html
    assert _codes(manager_client.get(url, {"page": 2})) == [f"A{n}" for n in range(101, 131)]
    # Sorted whole, then paged: the cheapest activities come last, on page 2.
    assert _codes(manager_client.get(url, {"sort": "-budget", "page": 2}))[-1] == "A130"
    assert _codes(manager_client.get(url, {"sort": "budget"}))[:2] == ["A130", "A129"]
    # A search reaches every page's activities.
    found = manager_client.get(url, {"q": "workshop 12"})
    assert _codes(found) == [f"A{n}" for n in (12, 112, 120, 122, 124, 126, 128)]
    # Each row shows its targets per quarter and its provinces.
    row = first.context["rows"][0]
    assert [len(targets) for targets in row["quarters"]] == [1, 0, 1, 0]
    assert len(row["activity"].province_list) == 1


def test_the_version_page_runs_as_many_queries_for_a_page_and_a_half_as_for_one_row(
    manager_client, plan
):
    url = reverse("workplans:version-detail", args=[plan["draft"].pk])
    _activities(plan, 1)
    with CaptureQueriesContext(connection) as one:
        assert manager_client.get(url, {"sort": "lead"}).status_code == 200
    _activities(plan, 149, first=2)
    with CaptureQueriesContext(connection) as more:
        assert manager_client.get(url, {"sort": "lead", "page": 2}).status_code == 200
    assert len(more) == len(one)


def test_the_review_queue_runs_as_many_queries_for_two_pages_as_for_one_row(client, manager):
    version = approved_version()
    lead = counterpart("CTD-PB")
    submitted_at = timezone.now() - datetime.timedelta(days=1)

    def submit(count: int, first: int) -> None:
        for number in range(first, first + count):
            activity = planned_activity(version, lead=lead, code=f"A{number}")
            ProgressUpdateFactory(
                activity=activity,
                state=ProgressUpdate.State.SUBMITTED,
                submitted_at=submitted_at + datetime.timedelta(minutes=number),
            )

    client.force_login(manager)
    url = reverse("workplans:review-list")
    submit(1, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    submit(39, 2)
    with CaptureQueriesContext(connection) as more:
        response = client.get(url, {"page": 2})
    assert [u.activity.code for u in response.context["updates"]][:2] == ["A26", "A27"]
    assert len(more) == len(one)


def test_my_activities_counts_every_row_and_shows_a_hundred_a_page(client):
    """70 activities in a workplan whose four quarters are over: 280 late rows."""
    version = approved_version()
    lead = counterpart("CTD-PB")
    for number in range(1, 71):
        planned_activity(version, lead=lead, code=f"A{number}")
    client.force_login(counterpart_user(lead))
    url = reverse("workplans:my-activities")

    with CaptureQueriesContext(connection) as first:
        response = client.get(url)
    assert sum(len(group.rows) for group in response.context["groups"]) == 100
    assert dict((name, count) for name, _label, count in response.context["counts"])["late"] == 280
    assert "Rows 1–100 of 280." in response.content.decode()
    with CaptureQueriesContext(connection) as last:
        response = client.get(url, {"page": 3})
    rows = [row for group in response.context["groups"] for row in group.rows]
    assert len(rows) == 80
    assert rows[-1].action_label == "Report progress"
    assert len(last) == len(first)
