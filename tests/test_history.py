"""ctportal.history: history rows become entries a person can read."""

import datetime
from decimal import Decimal

import pytest

from ctportal.history import history_for
from tests.factories import DisbursementFactory, FundingAgreementFactory, UserFactory

pytestmark = pytest.mark.django_db


def _save(instance, *, user, reason=""):
    instance._history_user = user
    if reason:
        instance._change_reason = reason
    instance.save()


def test_a_change_shows_labels_and_values_as_the_pages_show_them():
    user = UserFactory(first_name="Sana", last_name="Qureshi")
    agreement = FundingAgreementFactory(currency="JPY", amount=Decimal("150000000"))
    tranche = DisbursementFactory(agreement=agreement, planned_amount=Decimal("50000000"))
    tranche.received_date = datetime.date(2022, 9, 5)
    tranche.received_amount = Decimal("49999999")
    tranche.received_usd_rate = Decimal("0.00720000")
    _save(tranche, user=user, reason="Bank advice of 5 Sep")

    newest = history_for(tranche)[0]

    assert newest.who == "Sana Qureshi"
    assert newest.action == "Changed"
    assert newest.reason == "Bank advice of 5 Sep"
    changes = {c.label: (c.old, c.new) for c in newest.changes}
    assert changes == {
        "Received date": ("—", "05 Sep 2022"),
        "Received amount": ("—", "JPY 49,999,999"),
        "Received USD rate": ("—", "0.0072"),
    }


def test_an_agreement_history_includes_its_deleted_tranches_with_their_reason():
    user = UserFactory(username="pm")
    agreement = FundingAgreementFactory(currency="EUR", amount=Decimal("1000.00"))
    tranche = DisbursementFactory(agreement=agreement, planned_amount=Decimal("250.50"))
    tranche._history_user = user
    tranche._change_reason = "Entered twice"
    tranche.delete()

    entries = history_for(agreement, related=("disbursements", "allocations"))

    deleted = entries[0]
    assert (deleted.action, deleted.subject, deleted.reason, deleted.who) == (
        "Deleted",
        "Disbursement",
        "Entered twice",
        "pm",
    )
    created = next(e for e in entries if e.subject == "Disbursement" and e.action == "Created")
    assert ("Planned amount", "—", "EUR 250.50") in {
        (c.label, c.old, c.new) for c in created.changes
    }
    assert ("Agreement", "—", str(agreement)) in {(c.label, c.old, c.new) for c in created.changes}


def test_history_takes_a_fixed_number_of_queries(django_assert_num_queries):
    agreement = FundingAgreementFactory()
    for day in range(1, 6):
        DisbursementFactory(agreement=agreement, planned_date=datetime.date(2022, 9, day))
    # Rows of the agreement, rows of its tranches, rows of its allocations, and one
    # query for each kind of related object named (organisations, agreements).
    with django_assert_num_queries(5):
        entries = history_for(agreement, related=("disbursements", "allocations"))
    assert len(entries) == 6
