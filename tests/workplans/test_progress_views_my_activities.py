"""Progress pages through the Django test client: counterparts report, managers verify or
return; every refusal leaves the data as it was; field errors land on their fields; a stale
form is refused; evidence is served only to who may see it; e-mails go on commit; the
queue, "my activities" and the project page cost the same queries for 1 and 5 rows."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import Role
from tests.factories import (
    OutcomeFactory,
    OutputFactory,
    ProjectFactory,
    WorkplanFactory,
    user_with_role,
)
from tests.workplans import (
    approved_version,
    counterpart,
    counterpart_user,
    planned_activity,
    punjab,
    sindh,
)
from tests.workplans.progress_views_support import (
    State,
    count_queries,
    draft,
    form_url,
    submitted,
    verified,
)
from workplans import services
from workplans.models import (
    AchievedValue,
)
from workplans.selectors_results import indicator_progress, late_activities

pytestmark = pytest.mark.django_db


# --- My activities --------------------------------------------------------------------------


def _months_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


@pytest.fixture
def running_version():
    """A workplan whose first quarter ended last month and whose second is under way."""
    start = _months_before(timezone.localdate(), 4)
    workplan = WorkplanFactory(
        period_start=start, period_end=_months_before(start, -12) - datetime.timedelta(days=1)
    )
    return approved_version(workplan=workplan)


def test_my_activities_shows_what_is_due_late_returned_and_reported(
    client, running_version, lead, reporter, manager
):
    def activity(code: str):
        return planned_activity(running_version, lead=lead, code=code)

    nothing, drafted, returned, sent, done = (activity(c) for c in ("A1", "A2", "A3", "A4", "A5"))
    planned_activity(running_version, lead=counterpart("CTD-SD"), code="A9")  # not theirs
    draft(drafted, reporter, quarter=1)
    update = submitted(returned, reporter, quarter=1)
    services.progress_update_return(update=update, user=manager, comment="Add the Q1 list.")
    submitted(sent, reporter, quarter=1)
    verified(done, reporter, manager, quarter=1, status="completed", percent_complete=100)
    client.force_login(reporter)

    response = client.get(reverse("workplans:my-activities"))

    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g.quarter.number for g in groups] == [2, 1]  # latest quarter first
    assert [(r.activity.code, r.situation, r.late) for r in groups[1].rows] == [
        ("A3", "returned", True),
        ("A1", "late", True),
        ("A2", "draft", True),
        ("A4", "submitted", False),
        ("A5", "verified", False),
    ]
    # A5 was reported completed: nothing more is due for it.
    assert [(r.activity.code, r.situation) for r in groups[0].rows] == [
        ("A1", "due"),
        ("A2", "due"),
        ("A3", "due"),
        ("A4", "due"),
    ]
    assert dict((name, count) for name, _, count in response.context["counts"]) == {
        "returned": 1,
        "late": 3,
        "due": 4,
        "draft": 1,
        "submitted": 1,
        "verified": 1,
    }
    html = response.content.decode()
    assert "Add the Q1 list." in html
    assert form_url(nothing, 2) in html
    # Row ids, not a bare "A9": the page's random CSRF token can contain those two characters.
    assert set(re.findall(r'data-testid="row-(A\d+)-q\d"', html)) == {"A1", "A2", "A3", "A4", "A5"}
    assert 'href="/workplans/my-activities/"' in html  # the menu entry


@pytest.mark.parametrize("role", [Role.PROGRAMME_MANAGER, Role.DONOR_VIEWER])
def test_my_activities_is_for_counterpart_staff(client, role):
    client.force_login(user_with_role(role))
    assert client.get(reverse("workplans:my-activities")).status_code == 403


def test_my_activities_query_count_is_the_same_for_1_and_5_updates(
    client, running_version, lead, reporter
):
    client.force_login(reporter)
    url = reverse("workplans:my-activities")

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            activity = planned_activity(running_version, lead=lead, code=f"A{i}")
            activity.provinces.set([punjab()])
            draft(activity, reporter, quarter=1)

    add(1, 1)
    one = count_queries(client, url)
    add(4, 2)
    assert len(client.get(url).context["groups"][1].rows) == 5
    assert count_queries(client, url) == one


# --- Verified figures on the project page ---------------------------------------------------


@pytest.fixture
def results(activity, reporter, colleague, manager, project):
    """I-TRAINED (baseline 0, target 100) of `activity`: verified Q1 female/male in
    Punjab; verified Q2 with a total and its breakdown; a submitted Q3 that must not count.
    Q4 is over and was never reported: late."""
    trained, pb, sd = activity.trained, punjab(), sindh()
    verified(
        activity,
        reporter,
        manager,
        quarter=1,
        values=[(trained, "female", pb, Decimal("5")), (trained, "male", pb, Decimal("7"))],
    )
    verified(
        activity,
        reporter,
        manager,
        quarter=2,
        values=[
            (trained, "", None, Decimal("20")),
            (trained, "female", sd, Decimal("8")),
            (trained, "male", sd, Decimal("12")),
            (activity.plain, "", None, Decimal("2")),
        ],
    )
    submitted(activity, colleague, quarter=3, values=[(trained, "", None, Decimal("50"))])
    return activity


def test_indicator_progress_sums_verified_values_per_quarter_in_one_query(
    results, project, django_assert_num_queries
):
    trained, plain = results.trained, results.plain
    with django_assert_num_queries(1):
        progress = indicator_progress(
            indicator_ids=[trained.pk, plain.pk, 999_999], project=project
        )
    assert [(q.label, q.value) for q in progress[trained.pk].quarters] == [
        ("Q1 (Jul-Sep 2022)", Decimal("12")),
        ("Q2 (Oct-Dec 2022)", Decimal("20")),  # the total, not total + breakdown
    ]
    assert progress[trained.pk].cumulative == Decimal("32")
    assert progress[trained.pk].share_of_target(Decimal("0"), Decimal("100")) == Decimal("32")
    assert progress[plain.pk].cumulative == Decimal("2")
    assert progress[999_999].cumulative == 0
    other = ProjectFactory(code="P-ELSE")
    assert indicator_progress(indicator_ids=[trained.pk], project=other)[trained.pk].cumulative == 0
    everywhere = indicator_progress(indicator_ids=[trained.pk])
    assert everywhere[trained.pk].cumulative == Decimal("32")


def test_late_activities_lists_ended_quarters_without_a_submitted_update(results, project):
    late = late_activities(project=project, today=timezone.localdate())
    assert [(entry.activity.code, [q.number for q in entry.quarters]) for entry in late] == [
        (results.code, [4])
    ]
    assert late_activities(project=project, today=datetime.date(2023, 3, 1)) == []


def test_project_page_shows_verified_figures_against_the_target_and_late_activities(
    client, results, project, manager
):
    client.force_login(manager)
    response = client.get(reverse("projects:project-detail", args=[project.code]))
    assert response.status_code == 200
    html = response.content.decode()
    achieved = re.search(r'data-testid="achieved-I-TRAINED">(.*?)</td>', html, re.S).group(1)
    assert "<strong>32</strong>" in achieved
    assert "Q1 (Jul-Sep 2022): 12" in achieved
    assert "Q2 (Oct-Dec 2022): 20" in achieved
    bar = re.search(r'data-testid="progress-I-TRAINED">(.*?)</td>', html, re.S).group(1)
    assert '<progress class="result-progress" max="100" value="32"' in bar
    assert "<strong>32%</strong> of target · now 32 of 100" in bar
    late = re.search(r'data-testid="late-activities">(.*?)</div>', html, re.S).group(1)
    assert results.code in late
    assert "Q4 (Apr-Jun 2023)" in late


def test_project_page_query_count_does_not_grow_with_indicators_and_activities(client, manager):
    def build(n: int):
        project = ProjectFactory()
        outcome = OutcomeFactory(sub_programme=project.sub_programme, project=project)
        lead = counterpart("CTD-PB")
        reporter = counterpart_user(lead, username=f"r-{project.code}")
        version = approved_version()
        for _ in range(n):
            activity = planned_activity(
                version, lead=lead, project=project, output=OutputFactory(outcome=outcome)
            )
            verified(activity, reporter, manager, quarter=1)
        return project

    client.force_login(manager)
    small, large = build(1), build(5)
    url = "projects:project-detail"
    large_page = client.get(reverse(url, args=[large.code]))
    assert len(large_page.context["late_activities"]) == 5
    assert len([v for v in large_page.context["indicator_progress"].values() if v.cumulative]) == 5
    assert count_queries(client, reverse(url, args=[small.code])) == count_queries(
        client, reverse(url, args=[large.code])
    )


def test_only_verified_values_count(results, project):
    submitted_total = AchievedValue.objects.filter(update__state=State.SUBMITTED).get()
    assert submitted_total.value == Decimal("50")
    progress = indicator_progress(indicator_ids=[results.trained.pk], project=project)
    assert progress[results.trained.pk].cumulative == Decimal("32")
