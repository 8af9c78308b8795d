import copy
import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from donors.models import Allocation, Disbursement, FundingAgreement
from organisations.models import Role
from tests.conftest import built_per_module
from tests.factories import (
    AllocationFactory,
    DisbursementFactory,
    DonorFactory,
    EurAgreementFactory,
    ExchangeRateFactory,
    ImplementerFactory,
    ProjectFactory,
    ReceivedDisbursementFactory,
    user_with_role,
)

D = Decimal
day = datetime.date


def _build_money() -> SimpleNamespace:
    """Two donors' agreements, as the managers' pages find them.

    EU-CT-001: EUR 1,000,000 (1 Feb 2023 - 31 Dec 2025, signed at 1.08), EUR 600,000
    allocated to PRJ-A, a tranche of EUR 300,000 received on 1 Mar 2023 and one of
    EUR 200,000 planned for 1 Sep 2023. JP-CT-001: Japan's, with one planned tranche.
    UN operational rates: EUR 1.08 from January 2023, 1.09 from June 2023.
    """
    ExchangeRateFactory(currency="EUR", month=day(2023, 1, 1), usd_per_unit=D("1.08"))
    ExchangeRateFactory(currency="EUR", month=day(2023, 6, 1), usd_per_unit=D("1.09"))
    eu = DonorFactory(short_name="EU", name="European Union")
    japan = DonorFactory(short_name="JAPAN", name="Government of Japan")
    ImplementerFactory()
    agreement = EurAgreementFactory(reference="EU-CT-001", donor=eu, title="EU support")
    project = ProjectFactory(code="PRJ-A", title="Prosecution support")
    other_project = ProjectFactory(code="PRJ-B", title="Prison reform")
    allocation = AllocationFactory(agreement=agreement, project=project, amount=D("600000.00"))
    received = ReceivedDisbursementFactory(
        agreement=agreement,
        planned_date=day(2023, 3, 1),
        planned_amount=D("300000.00"),
        planned_usd_rate=D("1.08"),
    )
    planned = DisbursementFactory(
        agreement=agreement,
        planned_date=day(2023, 9, 1),
        planned_amount=D("200000.00"),
        planned_usd_rate=D("1.09"),
    )
    japan_agreement = EurAgreementFactory(reference="JP-CT-001", donor=japan, title="Japan")
    japan_tranche = DisbursementFactory(agreement=japan_agreement, planned_date=day(2023, 5, 1))
    japan_allocation = AllocationFactory(
        agreement=japan_agreement, project=other_project, amount=D("1000.00")
    )
    return SimpleNamespace(
        eu=eu,
        japan=japan,
        agreement=agreement,
        project=project,
        other_project=other_project,
        allocation=allocation,
        received=received,
        planned=planned,
        japan_agreement=japan_agreement,
        japan_tranche=japan_tranche,
        japan_allocation=japan_allocation,
        eu_viewer=user_with_role(Role.DONOR_VIEWER, eu, username="eu_viewer"),
        japan_viewer=user_with_role(Role.DONOR_VIEWER, japan, username="japan_viewer"),
    )


money_built = built_per_module(_build_money, name="money_built")


@pytest.fixture
def money(money_built, db):
    """_build_money's agreements, built once per module (built_per_module)."""
    return copy.deepcopy(money_built)


def money_state() -> dict:
    """Every donors row and history row, to prove a refusal wrote nothing."""
    return {
        model.__name__: (list(model.objects.order_by("pk").values()), model.history.count())
        for model in (FundingAgreement, Allocation, Disbursement)
    }


@pytest.fixture
def rates(db):
    """UN operational rates (USD per unit) used throughout."""
    ExchangeRateFactory(currency="EUR", month=day(2023, 1, 1), usd_per_unit=D("1.08"))
    ExchangeRateFactory(currency="EUR", month=day(2023, 6, 1), usd_per_unit=D("1.09"))
    ExchangeRateFactory(currency="EUR", month=day(2024, 3, 1), usd_per_unit=D("1.0875"))
    ExchangeRateFactory(currency="JPY", month=day(2023, 1, 1), usd_per_unit=D("0.0075"))


@pytest.fixture
def agreement(rates):
    """EUR 1,000,000 committed 1 Feb 2023 - 31 Dec 2025, signed at 1.08."""
    return EurAgreementFactory(reference="EU-CT-001")


@pytest.fixture
def browser(client, manager):
    client.force_login(manager)
    return client
