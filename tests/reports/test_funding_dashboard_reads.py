"""How the funding dashboard reads and renders at scale (issue 14), on the demo data: its
money-and-results rows take their money from the summary by project it has already read
and their results for the projects it shows alone, within the viewer's scope; its project
filter lists the viewer's projects only while they are few; its tables are rendered in
Python with every value escaped."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from donors.filters import FundingFilterForm, ProjectSelect
from donors.selectors_funding import (
    funding_money_by_project,
    funding_scope,
    funding_summary,
    project_money_of,
)
from donors.tables.base import Cell, Column, Row, Table
from donors.templatetags.funding_table import funding_rows
from projects.models import Project
from reports.funding_results import funding_results

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 22)
DASHBOARD = "/funding/"
VIEWERS = ("manager", "donor_japan", "donor_eu", "donor_canada", "donor_inl")


@pytest.fixture
def users(demo):
    return {u.username: u for u in get_user_model().objects.all()}


@pytest.mark.parametrize("username", VIEWERS)
def test_the_summary_by_project_holds_the_money_by_project(users, username):
    user = users[username]
    summary = funding_summary(user=user, group_by="project", today=TODAY)
    scope = funding_scope(user=user, today=TODAY)

    assert project_money_of(summary) == funding_money_by_project(scope=scope)


@pytest.mark.parametrize("username", VIEWERS)
def test_results_of_some_projects_are_those_projects_rows_of_all(users, username):
    user = users[username]
    everything = funding_results(user=user, today=TODAY)
    money = project_money_of(funding_summary(user=user, group_by="project", today=TODAY))
    with_results = sorted({row.project_code for row in everything if row.output_code})
    # Every other project, and the first with results (where the viewer has one).
    some = [m for i, m in enumerate(money) if i % 2 == 0 or m.code in with_results[:1]]
    codes = {m.code for m in some}

    rows = funding_results(user=user, today=TODAY, money=some)

    assert rows == [row for row in everything if row.project_code in codes]
    assert any(row.output_code for row in rows) == bool(with_results)


def test_results_are_never_read_for_a_project_outside_the_viewers_scope(users):
    japan = users["donor_japan"]
    canada_money = project_money_of(
        funding_summary(user=users["donor_canada"], group_by="project", today=TODAY)
    )
    # Canada's P7 has verified results (tests/donors/test_funding_selectors.py); handed to
    # Japan's figures, its money is the caller's, but no result of it is read.
    rows = funding_results(user=japan, today=TODAY, money=canada_money)

    assert [row.project_code for row in rows] == [m.code for m in canada_money]
    assert all(row.indicators == () and row.output_code is None for row in rows)


def _project_field_html(limit: int, monkeypatch, data=None) -> str:
    monkeypatch.setattr(ProjectSelect, "LISTED", limit)
    form = FundingFilterForm(data or {}, projects=Project.objects.all(), offer_donors=True)
    form.is_valid()
    return str(form["project"])


def test_the_project_filter_lists_few_projects_and_asks_for_a_code_past_that(users, monkeypatch):
    count = Project.objects.count()
    listed = _project_field_html(count, monkeypatch)
    assert listed.startswith("<select")
    assert listed.count("<option") == count + 1
    assert "P7-GAC-CT" in listed

    box = _project_field_html(count - 1, monkeypatch, {"project": "P7-GAC-CT"})
    assert box.startswith('<input type="text"')
    assert "<option" not in box
    assert 'value="P7-GAC-CT"' in box
    assert 'placeholder="Project code"' in box


def test_a_typed_project_code_filters_and_a_wrong_one_is_an_error_not_a_500(
    client, users, monkeypatch
):
    monkeypatch.setattr(ProjectSelect, "LISTED", 1)
    client.force_login(users["manager"])

    page = client.get(DASHBOARD, {"project": "P7-GAC-CT"})
    assert page.status_code == 200
    assert {row.cells[0].value for row in page.context["tables"]["projects"].rows} == {"P7-GAC-CT"}
    html = page.content.decode()
    assert 'class="form-control" id="id_project"' in html
    assert 'value="P7-GAC-CT"' in html

    wrong = client.get(DASHBOARD, {"project": "NO-SUCH"})
    assert wrong.status_code == 200
    assert wrong.context["tables"] == {}
    assert "No project whose figures you may see has this code." in wrong.content.decode()


def test_a_donor_can_filter_only_by_its_own_projects(client, users, monkeypatch):
    monkeypatch.setattr(ProjectSelect, "LISTED", 1)
    client.force_login(users["donor_japan"])

    other = client.get(DASHBOARD, {"project": "P7-GAC-CT"})  # Canada's

    assert other.status_code == 200
    assert other.context["tables"] == {}


def test_table_rows_are_escaped_labelled_and_linked():
    table = Table(
        name="t",
        title="T",
        columns=[
            Column("Project", secondary="Title"),
            Column("Spent", "money", "Spent (USD)"),
            Column("Share", "percent"),
            Column("Since", "date"),
            Column("Count", "int"),
        ],
        rows=[
            Row(
                [
                    Cell("<P1>", "Tom & Jerry", url="/p/?a=1&b=2"),
                    Cell(Decimal("1234.5"), Decimal("1500"), "EUR", url="/s/"),
                    Cell(Decimal("0.256")),
                    Cell(datetime.date(2025, 3, 4)),
                    Cell(None),
                ],
                level=1,
                actions=(("Edit <it>", "/e/?x=1&y=2"),),
            )
        ],
        footer=[Row([Cell("Total"), Cell(None, Decimal("9")), Cell(None), Cell(None), Cell(0)])],
    )

    body = funding_rows(table, table.rows, True)
    footer = funding_rows(table, table.footer, True, footer=True)

    assert body == (
        '<tr class="sub-row"><th scope="row" class="stack-title fw-normal">'
        '<a href="/p/?a=1&amp;b=2">&lt;P1&gt;</a>'
        '<span class="cell-detail">Tom &amp; Jerry</span></th>'
        '<td class="num" data-label="Spent"><a href="/s/">1,234.50</a>'
        '<span class="usd">USD 1,500.00</span></td>'
        '<td class="num" data-label="Share">26%</td>'
        '<td class="num" data-label="Since">4 Mar 2025</td>'
        '<td class="num" data-label="Count"><span class="text-body-secondary">—</span></td>'
        '<td data-label="Actions" class="row-actions">'
        '<a href="/e/?x=1&amp;y=2">Edit &lt;it&gt;</a></td></tr>\n'
    )
    assert footer == (
        '<tr class="fw-semibold"><th scope="row" class="stack-title">Total</th>'
        '<td class="num" data-label="Spent">9.00</td>'
        '<td class="num" data-label="Share"><span class="text-body-secondary">—</span></td>'
        '<td class="num" data-label="Since"><span class="text-body-secondary">—</span></td>'
        '<td class="num" data-label="Count">0</td><td></td></tr>\n'
    )
