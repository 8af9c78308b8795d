"""Project pages through the Django test client: who sees which projects and which money,
filters, pagination, and query counts that do not grow with the rows shown."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Organisation, Role
from projects.models import Project
from tests.factories import (
    ActivityFactory,
    AllocationFactory,
    BudgetLineFactory,
    DonorFactory,
    ExchangeRateFactory,
    ExpenditureFactory,
    FundingAgreementFactory,
    IndicatorFactory,
    OrganisationFactory,
    OutcomeFactory,
    OutputFactory,
    ProjectFactory,
    ProvinceFactory,
    SubProgrammeFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from workplans.models import WorkplanVersion

LIST_URL = reverse("projects:project-list")


def detail_url(project: Project) -> str:
    return reverse("projects:project-detail", args=[project.code])


@pytest.fixture
def world(db):
    """Three projects: P1 funded by donors A (EUR) and B (two USD agreements) with
    counterpart CTD-PB in Punjab; P2 funded by B only; P3 unfunded and pipeline."""
    punjab = ProvinceFactory(code="PK-PB", name="Punjab")
    sindh = ProvinceFactory(code="PK-SD", name="Sindh")
    donor_a = DonorFactory(short_name="DONOR-A", name="Donor A")
    donor_b = DonorFactory(short_name="DONOR-B", name="Donor B")
    ctd = OrganisationFactory(short_name="CTD-PB", name="CTD Punjab")
    sp4 = SubProgrammeFactory(code="SP-IV")
    sp1 = SubProgrammeFactory(code="SP-I", title="Illicit Trafficking and Border Management")

    p1 = ProjectFactory(
        code="P1",
        title="Prosecutors",
        sub_programme=sp4,
        start_date=datetime.date(2022, 1, 1),
        end_date=datetime.date(2023, 12, 31),
    )
    p1.provinces.set([punjab])
    p1.counterparts.set([ctd])
    p2 = ProjectFactory(
        code="P2",
        title="Border posts",
        sub_programme=sp1,
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2025, 12, 31),
    )
    p2.provinces.set([sindh])
    p3 = ProjectFactory(
        code="P3",
        title="Pipeline idea",
        sub_programme=sp4,
        status=Project.Status.PIPELINE,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2027, 12, 31),
    )

    agr_a = FundingAgreementFactory(
        donor=donor_a,
        reference="A-EUR-1",
        currency="EUR",
        amount=Decimal("2000000.00"),
        usd_rate=Decimal("1.08"),
    )
    AllocationFactory(agreement=agr_a, project=p1, amount=Decimal("300000.00"))  # USD 324,000
    agr_b1 = FundingAgreementFactory(donor=donor_b, reference="B-USD-1")
    agr_b2 = FundingAgreementFactory(donor=donor_b, reference="B-USD-2")
    AllocationFactory(agreement=agr_b1, project=p1, amount=Decimal("450000.00"))
    AllocationFactory(agreement=agr_b2, project=p1, amount=Decimal("50000.00"))
    AllocationFactory(agreement=agr_b1, project=p2, amount=Decimal("200000.00"))

    BudgetLineFactory(project=p1, year=2023, category="training", amount=Decimal("90000.00"))
    ExpenditureFactory(
        project=p1,
        category="training",
        spent_on=datetime.date(2023, 3, 1),
        amount=Decimal("30000.00"),
    )
    ExpenditureFactory(
        project=p1,
        category="training",
        spent_on=datetime.date(2023, 9, 1),
        amount=Decimal("15000.00"),
    )
    return {
        "p1": p1,
        "p2": p2,
        "p3": p3,
        "donor_a": donor_a,
        "donor_b": donor_b,
        "ctd": ctd,
        "punjab": punjab,
        "sp1": sp1,
        "sp4": sp4,
    }


def viewer(role, organisation=None):
    return user_with_role(role, organisation=organisation)


def listed_codes(client, user, query: str = "") -> list[str]:
    client.force_login(user)
    response = client.get(f"{LIST_URL}{query}")
    assert response.status_code == 200
    return [p.code for p in response.context["projects"]]


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


# --- Results framework and workplan activities -------------------------------------------


def test_results_framework_has_project_and_sub_programme_outcomes_only(client, world):
    p1, p2 = world["p1"], world["p2"]
    own = OutcomeFactory(sub_programme=world["sp4"], project=p1, code="OC-P1")
    shared = OutcomeFactory(sub_programme=world["sp4"], project=None, code="OC-SP4")
    OutcomeFactory(sub_programme=world["sp1"], project=None, code="OC-SP1")
    OutcomeFactory(sub_programme=world["sp1"], project=p2, code="OC-P2")
    output = OutputFactory(outcome=own, code="OP-1", title="Prosecutors trained")
    IndicatorFactory(
        output=output,
        code="IND-1",
        title="Prosecutors certified",
        unit="persons",
        baseline=Decimal("12"),
        target=Decimal("150"),
    )
    OutputFactory(outcome=shared, code="OP-2")
    client.force_login(viewer(Role.COUNTERPART_STAFF, world["ctd"]))
    response = client.get(detail_url(p1))
    outcomes = response.context["outcomes"]
    assert sorted(o.code for o in outcomes) == ["OC-P1", "OC-SP4"]
    html = response.content.decode()
    assert "IND-1" in html
    assert "Prosecutors certified" in html
    assert "persons" in html
    assert ">12<" in html
    assert ">150<" in html
    assert "OC-SP1" not in html
    assert "OC-P2" not in html


def test_activities_come_from_approved_versions_of_this_project(client, world):
    p1, p2 = world["p1"], world["p2"]
    approved = WorkplanVersionFactory(status=WorkplanVersion.Status.APPROVED)
    draft = WorkplanVersionFactory(status=WorkplanVersion.Status.DRAFT)
    superseded = WorkplanVersionFactory(status=WorkplanVersion.Status.SUPERSEDED)
    ActivityFactory(version=approved, project=p1, code="ACT-IN", lead_counterpart=world["ctd"])
    ActivityFactory(version=draft, project=p1, code="ACT-DRAFT")
    ActivityFactory(version=superseded, project=p1, code="ACT-OLD")
    ActivityFactory(version=approved, project=p2, code="ACT-P2")
    ActivityFactory(version=approved, project=None, code="ACT-NONE")
    for role, org in [(Role.PROGRAMME_MANAGER, None), (Role.COUNTERPART_STAFF, world["ctd"])]:
        client.force_login(viewer(role, org))
        response = client.get(detail_url(p1))
        assert [a.code for a in response.context["activities"]] == ["ACT-IN"]
    # Counterparts never see money, activity budgets included.
    assert "USD 10,000.00" not in response.content.decode()
    client.force_login(viewer(Role.PROGRAMME_MANAGER))
    assert "USD 10,000.00" in client.get(detail_url(p1)).content.decode()


# --- Filters and pagination --------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=2", ["P1", "P2"]),
        ("?status=1", ["P3"]),
        ("?q=border", ["P2"]),
        ("?q=p3", ["P3"]),
        ("?province=PK-PB", ["P1"]),
        ("?active_from=2024-06-01&active_to=2024-07-01", ["P2"]),
        ("?active_from=2023-06-01&active_to=2024-02-01", ["P1", "P2"]),
        ("?active_from=2026-01-01", ["P3"]),
        ("?active_to=2021-12-31", []),
        ("?active_from=2025-01-01&active_to=2024-01-01", []),
    ],
)
def test_manager_filters_projects(client, world, query, expected):
    assert listed_codes(client, viewer(Role.PROGRAMME_MANAGER), query) == expected


def test_filter_by_sub_programme_and_donor(client, world):
    manager = viewer(Role.PROGRAMME_MANAGER)
    assert listed_codes(client, manager, f"?sub_programme={world['sp4'].pk}") == ["P1", "P3"]
    # Two agreements of donor B fund P1: it is still listed once.
    assert listed_codes(client, manager, f"?donor={world['donor_b'].pk}") == ["P1", "P2"]
    assert listed_codes(client, manager, f"?donor={world['donor_a'].pk}") == ["P1"]


def test_period_ending_before_it_starts_is_a_field_error(client, world):
    client.force_login(viewer(Role.PROGRAMME_MANAGER))
    response = client.get(f"{LIST_URL}?active_from=2025-01-01&active_to=2024-01-01")
    assert response.context["filter_form"].errors == {
        "active_to": ["The end of the period must not be before its start."]
    }
    assert "The end of the period must not be before its start." in response.content.decode()


def test_donor_filter_is_not_offered_to_donors_counterparts_or_secretariat(client, world):
    for role, org in [
        (Role.DONOR_VIEWER, world["donor_a"]),
        (Role.COUNTERPART_STAFF, world["ctd"]),
        (Role.EWG_SECRETARIAT, None),
    ]:
        client.force_login(viewer(role, org))
        response = client.get(LIST_URL)
        assert "donor" not in response.context["filter_form"].fields
        assert "DONOR-B" not in response.content.decode()
    # Donor A asking for donor B's projects still gets only its own.
    assert listed_codes(
        client, viewer(Role.DONOR_VIEWER, world["donor_a"]), f"?donor={world['donor_b'].pk}"
    ) == ["P1"]


def test_donor_viewer_filters_within_its_own_projects(client, world):
    donor_b = viewer(Role.DONOR_VIEWER, world["donor_b"])
    assert listed_codes(client, donor_b, f"?sub_programme={world['sp1'].pk}") == ["P2"]
    assert listed_codes(client, donor_b, f"?sub_programme={world['sp4'].pk}") == ["P1"]
    assert listed_codes(client, donor_b, "?status=1") == []


def test_project_list_is_paginated_by_25_keeping_the_filters(client, db):
    sp = SubProgrammeFactory()
    for n in range(30):
        ProjectFactory(code=f"X{n:02d}", sub_programme=sp)
    client.force_login(viewer(Role.PROGRAMME_MANAGER))
    first = client.get(f"{LIST_URL}?status=2")
    assert len(first.context["projects"]) == 25
    assert first.context["paginator"].count == 30
    assert 'href="?status=2&amp;page=2"' in first.content.decode()
    second = client.get(f"{LIST_URL}?status=2&page=2")
    assert [p.code for p in second.context["projects"]] == [f"X{n}" for n in range(25, 30)]


# --- Programme structure ---------------------------------------------------------------


def test_programme_page_counts_the_projects_each_user_sees(client, world):
    def counts(user):
        client.force_login(user)
        response = client.get(reverse("projects:programme-list"))
        assert response.status_code == 200
        return {
            sp.code: sp.project_count
            for programme in response.context["programmes"]
            for sp in programme.sub_programmes.all()
        }

    assert counts(viewer(Role.PROGRAMME_MANAGER)) == {"SP-I": 1, "SP-IV": 2}
    assert counts(viewer(Role.DONOR_VIEWER, world["donor_a"])) == {"SP-I": 0, "SP-IV": 1}
    assert counts(viewer(Role.DONOR_VIEWER, world["donor_b"])) == {"SP-I": 1, "SP-IV": 1}
    assert counts(viewer(Role.COUNTERPART_STAFF, OrganisationFactory(short_name="X"))) == {
        "SP-I": 0,
        "SP-IV": 0,
    }


# --- Query counts do not grow with the rows shown -----------------------------------------


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _projects(n: int, donor: Organisation) -> None:
    punjab = ProvinceFactory(code="PK-PB", name="Punjab")
    sindh = ProvinceFactory(code="PK-SD", name="Sindh")
    agreement = FundingAgreementFactory(donor=donor)
    other = FundingAgreementFactory()
    for _ in range(n):
        project = ProjectFactory()
        project.provinces.set([punjab, sindh])
        AllocationFactory(agreement=agreement, project=project)
        AllocationFactory(agreement=other, project=project)


@pytest.mark.parametrize("role", [Role.PROGRAMME_MANAGER, Role.DONOR_VIEWER])
def test_list_query_count_is_the_same_for_1_and_5_projects(client, db, role):
    donor = DonorFactory()
    user = viewer(role, donor if role == Role.DONOR_VIEWER else None)
    client.force_login(user)
    _projects(1, donor)
    one = _count_queries(client, LIST_URL)
    _projects(4, donor)
    assert len(client.get(LIST_URL).context["projects"]) == 5
    five = _count_queries(client, LIST_URL)
    assert one == five


def _rich_project(n: int, donor: Organisation) -> Project:
    """A project with n of everything its page shows."""
    ExchangeRateFactory(currency="EUR", month=datetime.date(2022, 1, 1))
    project = ProjectFactory()
    project.provinces.set([ProvinceFactory(code="PK-PB", name="Punjab")])
    for i in range(n):
        project.counterparts.add(OrganisationFactory())
        AllocationFactory(agreement=FundingAgreementFactory(donor=donor), project=project)
        AllocationFactory(agreement=FundingAgreementFactory(), project=project)
        BudgetLineFactory(project=project, year=2022 + i, category="training")
        BudgetLineFactory(project=project, year=2022 + i, category="travel", currency="EUR")
        ExpenditureFactory(project=project, spent_on=datetime.date(2022 + i, 3, 1))
        outcome = OutcomeFactory(sub_programme=project.sub_programme, project=project)
        output = OutputFactory(outcome=outcome)
        IndicatorFactory(output=output)
        activity = ActivityFactory(
            version=WorkplanVersionFactory(status=WorkplanVersion.Status.APPROVED),
            output=output,
            project=project,
        )
        activity.provinces.set([ProvinceFactory(code="PK-PB", name="Punjab")])
    return project


@pytest.mark.parametrize(
    "role", [Role.PROGRAMME_MANAGER, Role.DONOR_VIEWER, Role.COUNTERPART_STAFF]
)
def test_detail_query_count_is_the_same_for_1_and_5_rows_of_everything(client, db, role):
    donor = DonorFactory()
    org = {Role.DONOR_VIEWER: donor, Role.COUNTERPART_STAFF: OrganisationFactory()}.get(role)
    client.force_login(viewer(role, org))
    small, large = _rich_project(1, donor), _rich_project(5, donor)
    if org is not None and role == Role.COUNTERPART_STAFF:
        small.counterparts.add(org)
        large.counterparts.add(org)
    assert len(client.get(detail_url(large)).context["activities"]) == 5
    assert _count_queries(client, detail_url(small)) == _count_queries(client, detail_url(large))


def test_programme_page_query_count_does_not_grow(client, db):
    client.force_login(viewer(Role.DONOR_VIEWER, DonorFactory(short_name="D")))
    SubProgrammeFactory(code="SP-I")
    one = _count_queries(client, reverse("projects:programme-list"))
    for code in ["SP-II", "SP-III", "SP-IV", "SP-V"]:
        SubProgrammeFactory(code=code)
    assert _count_queries(client, reverse("projects:programme-list")) == one
