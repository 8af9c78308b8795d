"""Builders shared by the workplans tests, and a snapshot to prove a refusal wrote nothing."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.apps import apps

from organisations.models import Organisation, Role
from tests.factories import (
    ActivityFactory,
    ActivityTargetFactory,
    EwgMeetingFactory,
    IndicatorFactory,
    OrganisationFactory,
    OutputFactory,
    ProvinceFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from workplans.models import WorkplanVersion

SUBMITTED_AT = datetime.datetime(2022, 7, 15, 10, 0, tzinfo=ZoneInfo("Asia/Karachi"))


def snapshot() -> dict[str, list[dict]]:
    """Every row of every workplans table (history and m2m tables too), to compare before
    and after a refused call: equal snapshots mean nothing was written."""
    rows = {}
    for model in apps.get_app_config("workplans").get_models(include_auto_created=True):
        rows[model._meta.label] = list(model.objects.order_by("pk").values())
    return rows


def counterpart(short_name: str = "CTD-PB") -> Organisation:
    return OrganisationFactory(
        short_name=short_name, name=f"{short_name} department", kind=Organisation.Kind.COUNTERPART
    )


def counterpart_user(organisation: Organisation, **kwargs):
    return user_with_role(Role.COUNTERPART_STAFF, organisation, **kwargs)


def approved_version(**kwargs) -> WorkplanVersion:
    """Version 1 of a Jul 2022 - Jun 2023 workplan, approved by the EWG of 26 Jul 2022."""
    workplan = kwargs.pop("workplan", None) or WorkplanFactory()
    meeting = kwargs.pop("meeting", None) or EwgMeetingFactory(sub_programme=workplan.sub_programme)
    defaults = {
        "workplan": workplan,
        "number": 1,
        "status": WorkplanVersion.Status.APPROVED,
        "submitted_at": SUBMITTED_AT,
        "decided_by_meeting": meeting,
        "approved_at": SUBMITTED_AT + datetime.timedelta(days=11),
    }
    defaults.update(kwargs)
    return WorkplanVersionFactory(**defaults)


def planned_activity(version: WorkplanVersion, *, lead: Organisation | None = None, **kwargs):
    """An activity with two indicators of its output: `plain` (no disaggregation) with
    targets in Q1 and Q2, `trained` (by sex and province) with a target in Q2."""
    output = kwargs.pop("output", None) or OutputFactory()
    activity = ActivityFactory(
        version=version, output=output, lead_counterpart=lead or counterpart(), **kwargs
    )
    plain = IndicatorFactory(output=output, code="I-PLAIN", title="Workshops held", unit="events")
    trained = IndicatorFactory(
        output=output, code="I-TRAINED", title="Officers trained", by_sex=True, by_province=True
    )
    ActivityTargetFactory(activity=activity, indicator=plain, quarter=1, value=Decimal("2"))
    ActivityTargetFactory(activity=activity, indicator=plain, quarter=2, value=Decimal("3"))
    ActivityTargetFactory(activity=activity, indicator=trained, quarter=2, value=Decimal("40"))
    activity.plain, activity.trained = plain, trained
    return activity


def punjab():
    return ProvinceFactory(code="PK-PB", name="Punjab")


def sindh():
    return ProvinceFactory(code="PK-SD", name="Sindh")
