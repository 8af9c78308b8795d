"""Overdue as at a date has one definition, Disbursement.objects' (not received, planned
before the date); the list, the annotation, the filtered count and one loaded tranche agree."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count

from donors.models import Disbursement, DisbursementQuerySet
from tests.factories import DisbursementFactory, FundingAgreementFactory

AS_AT = datetime.date(2023, 3, 1)


@pytest.fixture
def tranches(db):
    agreement = FundingAgreementFactory()
    return {
        "late": DisbursementFactory(agreement=agreement, planned_date=datetime.date(2023, 2, 28)),
        "due_today": DisbursementFactory(agreement=agreement, planned_date=AS_AT),
        "received_late": DisbursementFactory(
            agreement=agreement,
            planned_date=datetime.date(2023, 1, 1),
            received_date=datetime.date(2023, 2, 1),
            received_amount=Decimal("250000.00"),
            received_usd_rate=Decimal("1"),
            received_amount_usd=Decimal("250000.00"),
        ),
        "future": DisbursementFactory(agreement=agreement, planned_date=datetime.date(2023, 6, 1)),
    }


def test_only_an_unreceived_tranche_planned_before_the_date_is_overdue(tranches):
    overdue = Disbursement.objects.overdue(AS_AT)

    assert list(overdue) == [tranches["late"]]


def test_the_annotation_the_filtered_count_and_one_tranche_agree_with_the_list(tranches):
    flags = dict(Disbursement.objects.annotate_overdue(AS_AT).values_list("pk", "overdue"))
    counted = Disbursement.objects.aggregate(
        n=Count("pk", filter=DisbursementQuerySet.overdue_q(AS_AT))
    )["n"]

    expected = {t.pk: name == "late" for name, t in tranches.items()}
    assert flags == expected
    assert counted == 1
    assert {t.pk: t.is_overdue(AS_AT) for t in tranches.values()} == expected
