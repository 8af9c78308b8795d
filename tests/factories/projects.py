"""factory_boy factories for every model. Money rows get consistent USD figures."""

import datetime
from decimal import Decimal

import factory

from projects.models import (
    BudgetLine,
    CountryProgramme,
    ExchangeRate,
    Expenditure,
    Indicator,
    NapArea,
    Outcome,
    Output,
    Project,
    Province,
    SubProgramme,
)


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = "PK-IS"
    name = "Islamabad"


class NapAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NapArea
        django_get_or_create = ("version", "number")

    version = "2014"
    number = factory.Sequence(lambda n: (n % 20) + 1)
    title = factory.Sequence(lambda n: f"NAP point {n}")


class CountryProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CountryProgramme
        django_get_or_create = ("code",)

    code = "CP-PAK-III"
    title = "Country Programme III 2022-2025"
    start_date = datetime.date(2022, 7, 1)
    end_date = datetime.date(2025, 12, 31)


class SubProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubProgramme
        django_get_or_create = ("programme", "code")

    programme = factory.SubFactory(CountryProgrammeFactory)
    code = "SP-IV"
    title = "Preventing and Countering Terrorism"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"PRJ-{n:03d}")
    title = factory.Sequence(lambda n: f"Project {n}")
    sub_programme = factory.SubFactory(SubProgrammeFactory)
    start_date = datetime.date(2022, 7, 1)
    end_date = datetime.date(2025, 6, 30)
    status = Project.Status.IMPLEMENTATION
    dac_sector = "15210"


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    project = factory.SubFactory(ProjectFactory)
    category = "training"
    year = 2023
    amount = Decimal("100000.00")
    currency = "USD"


class ExpenditureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expenditure

    project = factory.SubFactory(ProjectFactory)
    category = "training"
    spent_on = datetime.date(2023, 1, 15)
    amount = Decimal("1000.00")
    currency = "USD"
    usd_rate = Decimal("1")
    amount_usd = factory.LazyAttribute(lambda e: (e.amount * e.usd_rate).quantize(Decimal("0.01")))


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    sub_programme = factory.SubFactory(SubProgrammeFactory)
    code = factory.Sequence(lambda n: f"Oc{n}")
    title = factory.Sequence(lambda n: f"Outcome {n}")


class OutputFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Output

    outcome = factory.SubFactory(OutcomeFactory)
    code = factory.Sequence(lambda n: f"Op{n}")
    title = factory.Sequence(lambda n: f"Output {n}")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    output = factory.SubFactory(OutputFactory)
    code = factory.Sequence(lambda n: f"I{n}")
    title = factory.Sequence(lambda n: f"Indicator {n}")
    unit = "persons"
    baseline = Decimal("0")
    target = Decimal("100")


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate
        django_get_or_create = ("currency", "month")

    currency = "EUR"
    month = datetime.date(2023, 1, 1)
    usd_per_unit = Decimal("1.08")
    source = "UN operational rates of exchange (illustrative)"
