"""factory_boy factories for every model. Money rows get consistent USD figures."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from donors.models import Allocation, Disbursement, FundingAgreement
from organisations.models import Membership, Organisation, Role
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
from workplans.models import (
    AchievedValue,
    Activity,
    ActivityTarget,
    Attendance,
    Decision,
    EwgMeeting,
    ProgressUpdate,
    Workplan,
    WorkplanVersion,
)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("short_name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    short_name = factory.Sequence(lambda n: f"ORG{n}")
    kind = Organisation.Kind.COUNTERPART


class DonorFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Donor {n}")
    short_name = factory.Sequence(lambda n: f"DONOR{n}")
    kind = Organisation.Kind.DONOR


class ImplementerFactory(OrganisationFactory):
    name = "United Nations Office on Drugs and Crime"
    short_name = "UNODC"
    kind = Organisation.Kind.IMPLEMENTER
    iati_identifier = "XM-DAC-41128"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.COUNTERPART_STAFF


def user_with_role(role: str, organisation: Organisation | None = None, **kwargs):
    """A user holding `role` in `organisation` (UNODC for staff roles by default)."""
    if organisation is None:
        if role == Role.DONOR_VIEWER:
            organisation = DonorFactory()
        elif role == Role.COUNTERPART_STAFF:
            organisation = OrganisationFactory()
        else:
            organisation = ImplementerFactory()
    user = UserFactory(**kwargs)
    if role == Role.ADMINISTRATOR:
        user.is_staff = user.is_superuser = True
        user.save()
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user


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


class WorkplanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workplan

    sub_programme = factory.SubFactory(SubProgrammeFactory)
    code = factory.Sequence(lambda n: f"WP-{n:03d}")
    title = factory.Sequence(lambda n: f"Workplan {n}")
    period_start = datetime.date(2022, 7, 1)
    period_end = datetime.date(2023, 6, 30)


class WorkplanVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkplanVersion

    workplan = factory.SubFactory(WorkplanFactory)
    number = 1
    status = WorkplanVersion.Status.DRAFT


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    version = factory.SubFactory(WorkplanVersionFactory)
    code = factory.Sequence(lambda n: f"A{n}")
    title = factory.Sequence(lambda n: f"Activity {n}")
    output = factory.SubFactory(OutputFactory)
    lead_counterpart = factory.SubFactory(OrganisationFactory)
    budget = Decimal("10000.00")


class ActivityTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityTarget

    activity = factory.SubFactory(ActivityFactory)
    indicator = factory.SubFactory(
        IndicatorFactory, output=factory.SelfAttribute("..activity.output")
    )
    quarter = 2
    value = Decimal("25")


class EwgMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EwgMeeting

    sub_programme = factory.SubFactory(SubProgrammeFactory)
    date = datetime.date(2022, 7, 26)
    venue = "NACTA Headquarters, Islamabad"
    chair = "National Coordinator, NACTA"


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    meeting = factory.SubFactory(EwgMeetingFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    mode = Attendance.Mode.IN_PERSON


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    meeting = factory.SubFactory(EwgMeetingFactory)
    number = factory.Sequence(lambda n: n + 1)
    text = "The workplan is approved."


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    activity = factory.SubFactory(ActivityFactory)
    quarter = 2
    status = ProgressUpdate.Status.ON_TRACK
    percent_complete = 50
    author = factory.SubFactory(UserFactory)


class AchievedValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AchievedValue

    update = factory.SubFactory(ProgressUpdateFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    value = Decimal("10")


# --- donors: agreements in a donor currency and received tranches ----------------


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


class MeetingDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "workplans.MeetingDocument"

    meeting = factory.SubFactory(EwgMeetingFactory)
    title = "Minutes of the EWG meeting"
    file = factory.django.FileField(filename="minutes.pdf", data=b"%PDF-1.4\n%minutes\n")


class EvidenceFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "workplans.EvidenceFile"

    update = factory.SubFactory(ProgressUpdateFactory)
    file = factory.django.FileField(filename="attendance.pdf", data=b"%PDF-1.4\n%evidence\n")
    original_name = "attendance.pdf"
    content_type = "application/pdf"
    size = 18
    uploaded_by = factory.SelfAttribute("update.author")


class ProgressTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "workplans.ProgressTransition"

    update = factory.SubFactory(ProgressUpdateFactory)
    from_state = "draft"
    to_state = "submitted"
    by = factory.SelfAttribute("update.author")
