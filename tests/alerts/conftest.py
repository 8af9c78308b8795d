"""A small programme with one person of every audience an alert can have, to check who is
told of each event and who must not be."""

import datetime
from decimal import Decimal

import pytest

from organisations.models import Role
from tests.factories import (
    ActivityFactory,
    DisbursementFactory,
    DonorFactory,
    FundingAgreementFactory,
    UserFactory,
    user_with_role,
)
from tests.workplans import approved_version, counterpart

TODAY = datetime.date(2024, 3, 20)


@pytest.fixture
def people(db):
    """Each audience, and its neighbour that must not hear of the other's events."""
    lead, other_org = counterpart("CTD-PB"), counterpart("CTD-KP")
    japan, eu = DonorFactory(short_name="JP"), DonorFactory(short_name="EU")
    return {
        "manager": user_with_role(Role.PROGRAMME_MANAGER, username="pm"),
        "ewg": user_with_role(Role.EWG_SECRETARIAT, username="ewg"),
        "lead_staff": user_with_role(Role.COUNTERPART_STAFF, lead, username="lead"),
        "other_staff": user_with_role(Role.COUNTERPART_STAFF, other_org, username="other"),
        "japan_viewer": user_with_role(Role.DONOR_VIEWER, japan, username="jp"),
        "eu_viewer": user_with_role(Role.DONOR_VIEWER, eu, username="eu"),
        "administrator": user_with_role(Role.ADMINISTRATOR, username="admin"),
        "no_role": UserFactory(username="norole"),
        "_lead": lead,
        "_japan": japan,
        "_eu": eu,
    }


PEOPLE = [
    "manager",
    "ewg",
    "lead_staff",
    "other_staff",
    "japan_viewer",
    "eu_viewer",
    "administrator",
    "no_role",
]


def told(people, kind: str) -> set[str]:
    """The names of the people holding a notification of `kind`."""
    from alerts.models import Notification

    holders = set(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )
    return {name for name in PEOPLE if people[name].username in holders}


@pytest.fixture
def activity(people):
    """A1 of an approved Jul 2022 - Jun 2023 workplan, led by the lead counterpart."""
    return ActivityFactory(version=approved_version(), code="A1", lead_counterpart=people["_lead"])


@pytest.fixture
def japan_agreement(people):
    return FundingAgreementFactory(
        donor=people["_japan"],
        reference="JP-2022-01",
        start_date=datetime.date(2022, 1, 1),
        end_date=datetime.date(2025, 6, 30),
        amount=Decimal("1000000.00"),
    )


@pytest.fixture
def japan_tranche(japan_agreement):
    return DisbursementFactory(agreement=japan_agreement, planned_date=datetime.date(2024, 3, 1))
