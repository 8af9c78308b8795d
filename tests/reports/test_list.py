"""The reports list sorts by its columns and finds reports by a search box."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html

from organisations.models import Role
from reports.models import Report
from tests.factories import DonorFactory, WorkplanFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db):
    return user_with_role(
        Role.PROGRAMME_MANAGER, username="sana", first_name="Sana", last_name="Qureshi"
    )


@pytest.fixture
def listed(manager):
    """Four reports whose columns all sort differently."""
    japan = DonorFactory(short_name="Japan", name="Government of Japan")
    canada = DonorFactory(short_name="GAC", name="Global Affairs Canada")
    workplan = WorkplanFactory(code="WP-SP4-2022-23", title="Sub-Programme IV workplan")

    def report(key, **fields):
        fields.setdefault("kind", Report.Kind.DISBURSEMENT)
        end = fields.pop("end")
        return key, Report.objects.create(
            period_start=end.replace(day=1),
            period_end=end,
            requested_at=timezone.now(),
            **fields,
        )

    return dict(
        [
            report(
                "japan",
                donor=japan,
                end=datetime.date(2023, 3, 31),
                status=Report.Status.DONE,
                requested_by=manager,
            ),
            report("overall", end=datetime.date(2023, 5, 31), status=Report.Status.FAILED),
            report("canada", donor=canada, end=datetime.date(2023, 1, 31), status="queued"),
            report(
                "progress",
                kind=Report.Kind.PROGRESS,
                workplan=workplan,
                quarter=2,
                end=datetime.date(2022, 12, 31),
                status=Report.Status.RUNNING,
            ),
        ]
    )


def _order(client, listed, **params) -> list[str]:
    page = client.get(reverse("reports:report-list"), params)
    assert page.status_code == 200
    by_pk = {str(report.pk): key for key, report in listed.items()}
    rows = html.fromstring(page.text).xpath("//table[@data-testid='report-table']/tbody/tr")
    return [by_pk[row.get("data-report")] for row in rows]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["overall", "japan", "canada", "progress"]),  # newest period first
        ("period", ["progress", "canada", "japan", "overall"]),
        ("-period", ["overall", "japan", "canada", "progress"]),
        # Disbursement before Progress, newest period first among equals.
        ("report", ["overall", "japan", "canada", "progress"]),
        ("-report", ["progress", "overall", "japan", "canada"]),
        # As the column shows the scope: All donors, GAC, Japan, WP-SP4-2022-23.
        ("scope", ["overall", "canada", "japan", "progress"]),
        ("-scope", ["progress", "japan", "canada", "overall"]),
        # done, failed, queued, running
        ("status", ["japan", "overall", "canada", "progress"]),
        ("-status", ["progress", "canada", "overall", "japan"]),
        ("nonsense", ["overall", "japan", "canada", "progress"]),
    ],
)
def test_the_report_list_sorts_by_its_columns(client, manager, listed, sort, expected):
    client.force_login(manager)
    assert _order(client, listed, sort=sort) == expected


def test_column_headers_link_to_their_sort_and_say_which_is_current(client, manager, listed):
    client.force_login(manager)
    page = client.get(reverse("reports:report-list"), {"sort": "scope", "q": "a"})
    tree = html.fromstring(page.text)
    headers = tree.xpath("//table[@data-testid='report-table']/thead//th")
    assert [" ".join(th.xpath("string(.//a/text())").split()) for th in headers] == [
        "Report",
        "Scope",
        "Period",
        "Status",
    ]
    assert [th.get("aria-sort") for th in headers] == [None, "ascending", None, None]
    scope_link = tree.xpath("//a[@data-testid='sort-scope']/@href")[0]
    assert scope_link == "?sort=-scope&q=a"  # the other way round, search kept


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("japan", {"japan"}),
        ("Global Affairs", {"canada"}),
        ("WP-SP4", {"progress"}),
        ("progress", {"progress"}),
        ("disbursement", {"japan", "overall", "canada"}),
        ("all donors", {"overall"}),
        ("Qureshi", {"japan"}),
        ("japan progress", set()),
        ("nothing-like-this", set()),
    ],
)
def test_the_search_box_finds_reports_by_kind_scope_or_requester(
    client, manager, listed, search, expected
):
    client.force_login(manager)
    assert set(_order(client, listed, q=search)) == expected


def test_a_search_says_how_many_match_and_keeps_the_filters(client, manager, listed):
    client.force_login(manager)
    page = client.get(reverse("reports:report-list"), {"q": "japan", "status": "done"})
    count = html.fromstring(page.text).xpath("string(//*[@data-testid='report-count'])")
    assert " ".join(count.split()) == "1 report matches “japan”."
    assert _order(client, listed, q="japan", status="failed") == []
    count = html.fromstring(client.get(reverse("reports:report-list")).text).xpath(
        "string(//*[@data-testid='report-count'])"
    )
    assert " ".join(count.split()) == "4 reports."


def test_a_donor_searches_only_the_reports_it_may_see(client, listed):
    japan = listed["japan"].donor
    client.force_login(user_with_role(Role.DONOR_VIEWER, organisation=japan))
    assert _order(client, listed) == ["japan"]
    assert _order(client, listed, q="GAC") == []
    assert _order(client, listed, sort="-scope") == ["japan"]


def test_the_sort_is_also_a_choice_in_the_form_for_phones(client, manager, listed):
    client.force_login(manager)
    page = client.get(reverse("reports:report-list"), {"sort": "-status"})
    select = html.fromstring(page.text).xpath("//select[@name='sort']")[0]
    options = [(o.get("value"), o.text, o.get("selected") is not None) for o in select]
    assert options == [
        ("", "Newest period first", False),
        ("period", "Oldest period first", False),
        ("report", "Report", False),
        ("scope", "Scope", False),
        ("status", "Status", False),
        ("-status", "Status (reversed)", True),
    ]
    assert _order(client, listed, sort="period") == ["progress", "canada", "japan", "overall"]


def test_a_reports_history_names_people_as_the_pages_do(client, manager, listed):
    report = listed["japan"]
    report.status = Report.Status.FAILED
    report._history_user = manager
    report._change_reason = "Cancelled"
    report.save()
    client.force_login(manager)
    page = client.get(reverse("reports:report-detail", args=[report.pk]))
    items = html.fromstring(page.text).xpath("//h2[.='History']/following-sibling::ul[1]/li")
    assert items[0].text_content().endswith(": Failed (Cancelled), Sana Qureshi")
