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
)
from tests.projects.views_support import LIST_URL, detail_url, listed_codes, viewer
from workplans.models import WorkplanVersion

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
