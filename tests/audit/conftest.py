"""Fixtures shared by the tests/audit test modules."""

import datetime

import pytest
from django.test import Client

from donors.services import disbursement_update
from organisations.models import Role, SecurityEvent
from organisations.tokens import api_token_create
from tests.audit.audit_support import PASSWORD, D, _sign_in
from tests.factories import (
    EurAgreementFactory,
    ExchangeRateFactory,
    ReceivedDisbursementFactory,
    user_with_role,
)


@pytest.fixture
def sana(db):
    return user_with_role(
        Role.COUNTERPART_STAFF, username="sana", first_name="Sana", last_name="Mir"
    )


@pytest.fixture
def auditor(administrator):
    """A browser of its own, signed in as the administrator; the events of the
    administrator's own making and signing in are not what the tests look at."""
    browser = Client()
    browser.force_login(administrator)
    SecurityEvent.objects.filter(user=administrator).delete()
    return browser


@pytest.fixture
def received(db):
    """EUR 300,000 planned for and received on 1 Mar 2023."""
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 1, 1), usd_per_unit=D("1.08"))
    return ReceivedDisbursementFactory(
        agreement=EurAgreementFactory(reference="EU-CT-001"),
        planned_date=datetime.date(2023, 3, 1),
        planned_amount=D("300000.00"),
        planned_usd_rate=D("1.08"),
    )


# --- Filters -------------------------------------------------------------------------------


@pytest.fixture
def mixed(client, sana, received, manager):
    """A failed sign-in (sana), a sign-in (sana), a token (sana), a tranche change (manager)."""
    _sign_in(client, "sana", "guess")
    _sign_in(client, "sana", PASSWORD)
    api_token_create(user=sana, name="script", expires_in_days=5)
    disbursement_update(
        disbursement=received, received_amount=D("290000.00"), user=manager, reason="Fees."
    )
