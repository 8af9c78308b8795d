"""Project pages through the Django test client: who sees which projects and which money,
filters, pagination, and query counts that do not grow with the rows shown."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from organisations.models import Role
from tests.factories import (
    BudgetLineFactory,
    ExchangeRateFactory,
    ExpenditureFactory,
    OrganisationFactory,
)
from tests.projects.views_support import LIST_URL, detail_url, listed_codes, viewer

# --- Who sees which projects -------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "org_key", "expected"),
    [
        (Role.PROGRAMME_MANAGER, None, ["P1", "P2", "P3"]),
        (Role.EWG_SECRETARIAT, None, ["P1", "P2", "P3"]),
        (Role.ADMINISTRATOR, None, ["P1", "P2", "P3"]),
        (Role.DONOR_VIEWER, "donor_a", ["P1"]),
        (Role.DONOR_VIEWER, "donor_b", ["P1", "P2"]),
        (Role.COUNTERPART_STAFF, "ctd", ["P1"]),
    ],
)
def test_project_list_shows_exactly_the_visible_projects(client, world, role, org_key, expected):
    user = viewer(role, world[org_key] if org_key else None)
    assert listed_codes(client, user) == expected


def test_counterpart_of_another_organisation_sees_no_project(client, world):
    user = viewer(Role.COUNTERPART_STAFF, OrganisationFactory(short_name="FMU"))
    client.force_login(user)
    response = client.get(LIST_URL)
    assert list(response.context["projects"]) == []
    assert "is open to your account yet" in response.content.decode()


def test_signed_in_user_without_a_role_sees_nothing(client, world, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x-y-z-123"))
    assert listed_codes(client, django_user_model.objects.get(username="nobody")) == []
    assert client.get(detail_url(world["p1"])).status_code == 404


@pytest.mark.parametrize(
    ("role", "org_key", "code", "status"),
    [
        (Role.DONOR_VIEWER, "donor_a", "P1", 200),
        (Role.DONOR_VIEWER, "donor_a", "P2", 404),
        (Role.DONOR_VIEWER, "donor_a", "P3", 404),
        (Role.DONOR_VIEWER, "donor_b", "P2", 200),
        (Role.COUNTERPART_STAFF, "ctd", "P1", 200),
        (Role.COUNTERPART_STAFF, "ctd", "P2", 404),
        (Role.EWG_SECRETARIAT, None, "P3", 200),
        (Role.PROGRAMME_MANAGER, None, "P3", 200),
        (Role.PROGRAMME_MANAGER, None, "NO-SUCH", 404),
    ],
)
def test_project_detail_is_a_404_when_not_visible(client, world, role, org_key, code, status):
    client.force_login(viewer(role, world[org_key] if org_key else None))
    assert client.get(reverse("projects:project-detail", args=[code])).status_code == status


# --- Money on the project page ---------------------------------------------------------


def test_manager_sees_every_funding_source_in_its_currency_and_usd(client, world):
    client.force_login(viewer(Role.PROGRAMME_MANAGER))
    response = client.get(detail_url(world["p1"]))
    funding = response.context["funding"]
    assert [a.agreement.reference for a in funding.allocations] == [
        "A-EUR-1",
        "B-USD-1",
        "B-USD-2",
    ]
    assert funding.other_usd is None
    assert funding.total_usd == Decimal("824000.00")
    html = response.content.decode()
    for text in ["EUR 300,000.00", "324,000.00", "B-USD-1", "USD 450,000.00", "824,000.00"]:
        assert text in html
    assert "Other funding" not in html


def test_donor_sees_its_own_allocations_and_others_only_combined(client, world):
    client.force_login(viewer(Role.DONOR_VIEWER, world["donor_a"]))
    response = client.get(detail_url(world["p1"]))
    funding = response.context["funding"]
    assert [a.agreement.reference for a in funding.allocations] == ["A-EUR-1"]
    assert funding.other_usd == Decimal("500000.00")
    assert funding.total_usd == Decimal("824000.00")
    html = response.content.decode()
    assert "EUR 300,000.00" in html
    assert "Other funding (USD)" in html
    assert "500,000.00" in html
    # Not the other donor's agreements, nor any of their agreement-level amounts, nor name.
    for secret in ["B-USD-1", "B-USD-2", "450,000.00", "50,000.00", "DONOR-B", "Donor B"]:
        assert secret not in html


def test_donor_b_sees_donor_a_only_combined(client, world):
    client.force_login(viewer(Role.DONOR_VIEWER, world["donor_b"]))
    html = client.get(detail_url(world["p1"])).content.decode()
    assert "B-USD-1" in html
    assert "B-USD-2" in html
    assert "A-EUR-1" not in html
    assert "EUR 300,000.00" not in html
    assert "Other funding (USD)" in html
    assert "324,000.00" in html


@pytest.mark.parametrize("role", [Role.COUNTERPART_STAFF, Role.EWG_SECRETARIAT])
def test_counterpart_and_secretariat_see_no_money(client, world, role):
    org = world["ctd"] if role == Role.COUNTERPART_STAFF else None
    client.force_login(viewer(role, org))
    response = client.get(detail_url(world["p1"]))
    assert response.status_code == 200
    assert response.context["funding"] is None
    assert response.context["budget"] is None
    html = response.content.decode()
    for money in [
        "Funding sources",
        "Budget and expenditure",
        "A-EUR-1",
        "B-USD-1",
        "324,000.00",
        "90,000.00",
        "45,000.00",
        "USD ",
        "EUR ",
    ]:
        assert money not in html
    assert "Prosecutors" in html
    assert "CTD-PB" in html


def test_budget_by_year_and_category_against_expenditure(client, world):
    p1 = world["p1"]
    BudgetLineFactory(project=p1, year=2024, category="travel", amount=Decimal("1000.00"))
    ExpenditureFactory(
        project=p1,
        category="equipment",
        spent_on=datetime.date(2024, 2, 1),
        amount=Decimal("500.00"),
    )
    ExchangeRateFactory(
        currency="EUR", month=datetime.date(2023, 12, 1), usd_per_unit=Decimal("1.10")
    )
    BudgetLineFactory(
        project=p1, year=2024, category="training", amount=Decimal("1000.00"), currency="EUR"
    )
    client.force_login(viewer(Role.PROGRAMME_MANAGER))
    budget = client.get(detail_url(p1)).context["budget"]
    rows = [
        (r.year, r.category, r.budget, r.currency, r.budget_usd, r.spent_usd) for r in budget.rows
    ]
    assert rows == [
        (2023, "training", Decimal("90000.00"), "USD", Decimal("90000.00"), Decimal("45000.00")),
        (2024, "travel", Decimal("1000.00"), "USD", Decimal("1000.00"), Decimal("0.00")),
        # EUR budget at the latest rate on or before January 2024 (December 2023's 1.10).
        (2024, "training", Decimal("1000.00"), "EUR", Decimal("1100.00"), Decimal("0.00")),
        (2024, "equipment", None, "USD", None, Decimal("500.00")),
    ]
    assert budget.budget_usd == Decimal("92100.00")
    assert budget.spent_usd == Decimal("45500.00")
    assert budget.balance_usd == Decimal("46600.00")
