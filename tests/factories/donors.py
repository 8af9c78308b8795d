"""factory_boy factories for every model. Money rows get consistent USD figures."""

import datetime
from decimal import Decimal

import factory

from donors.models import Allocation, Disbursement, FundingAgreement
from tests.factories.organisations import DonorFactory, ImplementerFactory
from tests.factories.projects import ProjectFactory


class FundingAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingAgreement

    donor = factory.SubFactory(DonorFactory)
    implementer = factory.SubFactory(ImplementerFactory)
    reference = factory.Sequence(lambda n: f"AGR-{n:04d}")
    title = factory.Sequence(lambda n: f"Agreement {n}")
    currency = "USD"
    amount = Decimal("1000000.00")
    usd_rate = Decimal("1")
    amount_usd = factory.LazyAttribute(lambda a: (a.amount * a.usd_rate).quantize(Decimal("0.01")))
    signed_on = datetime.date(2022, 6, 15)
    start_date = datetime.date(2022, 7, 1)
    end_date = datetime.date(2025, 6, 30)


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    agreement = factory.SubFactory(FundingAgreementFactory)
    project = factory.SubFactory(ProjectFactory)
    amount = Decimal("500000.00")
    amount_usd = factory.LazyAttribute(
        lambda a: (a.amount * a.agreement.usd_rate).quantize(Decimal("0.01"))
    )


class DisbursementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disbursement

    agreement = factory.SubFactory(FundingAgreementFactory)
    planned_date = datetime.date(2022, 9, 1)
    planned_amount = Decimal("250000.00")
    planned_usd_rate = Decimal("1")
    planned_amount_usd = factory.LazyAttribute(
        lambda d: (d.planned_amount * d.planned_usd_rate).quantize(Decimal("0.01"))
    )


class EurAgreementFactory(FundingAgreementFactory):
    """EUR 1,000,000 signed in January 2023 at the factory EUR rate of 1.08."""

    currency = "EUR"
    usd_rate = Decimal("1.08")
    signed_on = datetime.date(2023, 1, 15)
    start_date = datetime.date(2023, 2, 1)
    end_date = datetime.date(2025, 12, 31)


class ReceivedDisbursementFactory(DisbursementFactory):
    """A tranche received in full on its planned date, at its planned rate."""

    received_date = factory.LazyAttribute(lambda d: d.planned_date)
    received_amount = factory.LazyAttribute(lambda d: d.planned_amount)
    received_usd_rate = factory.LazyAttribute(lambda d: d.planned_usd_rate)
    received_amount_usd = factory.LazyAttribute(
        lambda d: (d.received_amount * d.received_usd_rate).quantize(Decimal("0.01"))
    )


# --- workplans: meeting documents, evidence files, progress transitions ------------
