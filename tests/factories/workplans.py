"""factory_boy factories for every model. Money rows get consistent USD figures."""

import datetime
from decimal import Decimal

import factory

from tests.factories.organisations import OrganisationFactory, UserFactory
from tests.factories.projects import IndicatorFactory, OutputFactory, SubProgrammeFactory
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
