"""Fixtures shared by the tests/projects test modules."""

import copy
import datetime
from decimal import Decimal

import pytest

from projects.models import Project
from tests.conftest import built_per_module
from tests.factories import (
    AllocationFactory,
    BudgetLineFactory,
    DonorFactory,
    ExpenditureFactory,
    FundingAgreementFactory,
    OrganisationFactory,
    ProjectFactory,
    ProvinceFactory,
    SubProgrammeFactory,
)


@pytest.fixture
def project(db):
    # 1 Jul 2022 - 30 Jun 2025
    return ProjectFactory(code="P1", title="Prosecutors")


@pytest.fixture
def manager_client(client, manager):
    manager.first_name, manager.last_name = "Amina", "Khan"
    manager.save()
    client.force_login(manager)
    return client


def _build_world() -> dict:
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


world_built = built_per_module(_build_world, name="world_built")


@pytest.fixture
def world(world_built, db):
    """_build_world's rows, built once per module (built_per_module)."""
    return copy.deepcopy(world_built)
