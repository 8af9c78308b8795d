"""Each event told to exactly the people who may see it and must act on it: a matrix of
every audience against every event (who gets it, and everyone else who must not)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from alerts.models import Kind, Notification
from organisations.models import Role
from reports.models import Report, Subscription
from reports.services import alerts_date_driven_create
from reports.services.lease import report_fail
from reports.services.report_alerts import report_ready_alert
from tests.alerts.conftest import PEOPLE, TODAY, told
from tests.factories import (
    ActivityFactory,
    DisbursementFactory,
    EwgMeetingFactory,
    FundingAgreementFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from tests.workplans import approved_version
from workplans import services
from workplans.models import WorkplanVersion

pytestmark = pytest.mark.django_db


def _submit(activity, people, quarter: int = 2):
    return services.progress_update_save(
        activity=activity,
        quarter=quarter,
        user=people["lead_staff"],
        status="on_track",
        percent_complete=40,
        submit=True,
    )


def _expect(people, kind: str, expected: set[str]) -> None:
    got = told(people, kind)
    assert got == expected, kind
    assert set(PEOPLE) - got == set(PEOPLE) - expected  # everyone else: nothing


def test_a_submitted_update_is_told_to_the_managers_only(people, activity):
    _submit(activity, people)
    _expect(people, Kind.PROGRESS_SUBMITTED, {"manager"})


def test_a_returned_and_a_verified_update_are_told_to_their_author_only(people, activity):
    update = _submit(activity, people)
    services.progress_update_return(update=update, user=people["manager"], comment="Sex split?")
    _expect(people, Kind.PROGRESS_RETURNED, {"lead_staff"})
    update = services.progress_update_submit(update=update, user=people["lead_staff"])
    services.progress_update_verify(update=update, user=people["manager"])
    _expect(people, Kind.PROGRESS_VERIFIED, {"lead_staff"})
    # What each asked for is done: nothing about this update still needs anyone.
    assert not Notification.objects.filter(
        subject=f"progress-update:{update.pk}", read_at=None, resolved_at=None
    ).exclude(kind=Kind.PROGRESS_VERIFIED)


def test_a_quarter_ending_without_an_update_is_told_to_the_lead_staff_only(people):
    workplan = WorkplanFactory(
        period_start=datetime.date(2024, 1, 1), period_end=datetime.date(2024, 12, 31)
    )
    ActivityFactory(version=approved_version(workplan=workplan), lead_counterpart=people["_lead"])
    alerts_date_driven_create(today=datetime.date(2024, 3, 20))  # Q1 ends 31 Mar
    _expect(people, Kind.QUARTER_ENDING, {"lead_staff"})
    _expect(people, Kind.QUARTER_MISSED, set())


def test_a_quarter_ended_without_an_update_is_told_to_the_lead_staff_and_managers(people):
    workplan = WorkplanFactory(
        period_start=datetime.date(2024, 1, 1), period_end=datetime.date(2024, 12, 31)
    )
    ActivityFactory(version=approved_version(workplan=workplan), lead_counterpart=people["_lead"])
    alerts_date_driven_create(today=datetime.date(2024, 4, 5))
    _expect(people, Kind.QUARTER_MISSED, {"lead_staff", "manager"})


def test_a_quarter_with_a_submitted_update_alerts_nobody(people):
    workplan = WorkplanFactory(
        period_start=datetime.date(2024, 1, 1), period_end=datetime.date(2024, 12, 31)
    )
    activity = ActivityFactory(
        version=approved_version(workplan=workplan), lead_counterpart=people["_lead"]
    )
    _submit(activity, people, quarter=1)
    alerts_date_driven_create(today=datetime.date(2024, 4, 5))
    _expect(people, Kind.QUARTER_MISSED, set())


def test_a_version_submitted_is_told_to_the_ewg_secretariat_only(people):
    draft = WorkplanVersionFactory(status=WorkplanVersion.Status.DRAFT)
    ActivityFactory(version=draft, lead_counterpart=people["_lead"])
    services.version_submit(version=draft, user=people["manager"])
    _expect(people, Kind.VERSION_SUBMITTED, {"ewg"})


def _submitted_version(people):
    version = WorkplanVersionFactory(status=WorkplanVersion.Status.DRAFT)
    ActivityFactory(version=version, lead_counterpart=people["_lead"])
    version = services.version_submit(version=version, user=people["manager"])
    meeting = EwgMeetingFactory(
        sub_programme=version.workplan.sub_programme, date=timezone.localdate()
    )
    return version, meeting


def test_an_approval_is_told_to_managers_and_the_counterparts_it_holds(people):
    version, meeting = _submitted_version(people)
    services.version_approve(version=version, meeting=meeting, user=people["ewg"])
    _expect(people, Kind.VERSION_DECIDED, {"manager", "lead_staff"})
    # The secretariat's "awaiting approval" is done.
    assert Notification.objects.get(kind=Kind.VERSION_SUBMITTED).resolved_at is not None


def test_a_returned_version_is_told_to_the_managers_only(people):
    version, meeting = _submitted_version(people)
    services.version_return(version=version, meeting=meeting, comment="Costs?", user=people["ewg"])
    # A returned version is a draft again: counterparts do not see it.
    _expect(people, Kind.VERSION_DECIDED, {"manager"})


def test_an_overdue_tranche_is_told_to_managers_and_its_own_donor_only(people, japan_tranche):
    alerts_date_driven_create(today=TODAY)
    # The EU's viewer never hears of Japan's tranche.
    _expect(people, Kind.TRANCHE_OVERDUE, {"manager", "japan_viewer"})


def test_a_tranche_due_within_30_days_is_told_to_the_managers_only(people, japan_agreement):
    DisbursementFactory(agreement=japan_agreement, planned_date=TODAY + datetime.timedelta(30))
    DisbursementFactory(agreement=japan_agreement, planned_date=TODAY + datetime.timedelta(31))
    alerts_date_driven_create(today=TODAY)
    _expect(people, Kind.TRANCHE_DUE, {"manager"})
    assert Notification.objects.filter(kind=Kind.TRANCHE_DUE).count() == 1


def test_an_agreement_ending_with_money_to_receive_is_told_to_managers_and_its_donor(
    people, japan_agreement
):
    japan_agreement.end_date = datetime.date(2024, 5, 31)
    japan_agreement.save()
    # The EU's agreement ends too, but all of it was received: nobody is told of it.
    eu = FundingAgreementFactory(
        donor=people["_eu"],
        start_date=datetime.date(2022, 1, 1),
        end_date=datetime.date(2024, 4, 30),
        amount=Decimal("100.00"),
    )
    DisbursementFactory(
        agreement=eu,
        planned_date=datetime.date(2023, 1, 1),
        planned_amount=Decimal("100.00"),
        received_date=datetime.date(2023, 1, 1),
        received_amount=Decimal("100.00"),
    )
    alerts_date_driven_create(today=TODAY)
    _expect(people, Kind.AGREEMENT_ENDING, {"manager", "japan_viewer"})
    assert Notification.objects.filter(kind=Kind.AGREEMENT_ENDING).count() == 2


def _report(people):
    for name in ("manager", "japan_viewer"):
        Subscription.objects.create(user=people[name], kind=Report.Kind.DISBURSEMENT)
    return Report.objects.create(
        kind=Report.Kind.DISBURSEMENT,
        period_start=datetime.date(2024, 2, 1),
        period_end=datetime.date(2024, 2, 29),
        status=Report.Status.QUEUED,
        requested_at=datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC),
    )


def test_a_failed_report_is_told_to_the_subscribed_managers_only(people):
    unsubscribed = user_with_role(Role.PROGRAMME_MANAGER, username="pm2")
    report = _report(people)
    assert report_fail(report_id=report.pk, reason="Disk full")
    # The subscribed donor viewer gets the report itself by e-mail when it is ready; the
    # alert of a failure is for the managers who subscribe.
    _expect(people, Kind.REPORT_FAILED, {"manager"})
    assert not Notification.objects.filter(recipient=unsubscribed).exists()


def test_a_ready_report_is_told_to_the_subscribed_managers_only(people):
    report_ready_alert(report=_report(people))
    _expect(people, Kind.REPORT_READY, {"manager"})
