"""Every page answers in a number of queries that does not grow with the rows (issue 14).

Each page is opened on the demo data grown twice by the same amount (more tranches,
receipts and spending on every agreement and project, more projects, activities with
targets and verified progress, meetings, notifications); the second growth must not add a
single query to any page, for a manager, a donor and a counterpart. Measuring after a
first growth, not on the bare demo, keeps lists that fit on one page at first out of it:
a list that starts to page counts its rows once, which is one query, not one per row.
"""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.models import Kind, Notification
from donors.models import Allocation, Disbursement, FundingAgreement
from projects.models import Expenditure, Project
from tests.factories import (
    ActivityFactory,
    ActivityTargetFactory,
    AllocationFactory,
    DisbursementFactory,
    EwgMeetingFactory,
    ExpenditureFactory,
    IndicatorFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    ReceivedDisbursementFactory,
)
from workplans.models import Activity, EwgMeeting, ProgressUpdate, WorkplanVersion

USERS = ("manager", "donor_japan", "nacta", "admin")
_serial = itertools.count(1)


def _grow() -> None:
    """The same amount of new rows under every parent the pages list or sum."""
    n = next(_serial)
    for agreement in FundingAgreement.objects.all():
        rate = agreement.usd_rate
        for month in (1,):
            planned = datetime.date(2024, month, 10 + n)
            DisbursementFactory(
                agreement=agreement,
                planned_date=planned,
                planned_amount=Decimal("100.00"),
                planned_usd_rate=rate,
            )
            ReceivedDisbursementFactory(
                agreement=agreement,
                planned_date=planned,
                planned_amount=Decimal("50.00"),
                planned_usd_rate=rate,
            )
    for project in Project.objects.all():
        for category in ("training",):
            ExpenditureFactory(
                project=project, category=category, spent_on=datetime.date(2024, 2, n)
            )
    for allocation in Allocation.objects.select_related("agreement", "project")[:4]:
        project = ProjectFactory(
            sub_programme=allocation.project.sub_programme,
            code=f"GROWN-{n}-{allocation.pk}",
            start_date=allocation.project.start_date,
            end_date=allocation.project.end_date,
        )
        project.provinces.set(allocation.project.provinces.all())
        project.counterparts.set(allocation.project.counterparts.all())
        AllocationFactory(agreement=allocation.agreement, project=project, amount=Decimal("10.00"))
    approved = WorkplanVersion.objects.filter(status=WorkplanVersion.Status.APPROVED)
    author = get_user_model().objects.get(username="nacta")
    for version in approved:
        sample = Activity.objects.filter(version=version).select_related("output").first()
        if sample is None:
            continue
        for _ in range(2):
            activity = ActivityFactory(
                version=version,
                output=sample.output,
                lead_counterpart=sample.lead_counterpart,
                code=f"G{n}-{next(_serial)}",
            )
            indicator = IndicatorFactory(output=sample.output)
            ActivityTargetFactory(activity=activity, indicator=indicator, quarter=1)
            ProgressUpdateFactory(
                activity=activity,
                quarter=1,
                author=author,
                state=ProgressUpdate.State.VERIFIED,
            )
    for meeting in EwgMeeting.objects.all()[:1]:
        EwgMeetingFactory(sub_programme=meeting.sub_programme, date=datetime.date(2024, 3, n))
    for user in get_user_model().objects.all():
        Notification.objects.bulk_create(
            Notification(
                recipient=user,
                kind=Kind.TRANCHE_DUE,
                title="A tranche is due",
                url="/funding/tranches/",
                action="See the tranche",
                subject=f"grown-{n}-{i}",
                dedupe_key=f"grown-{n}-{i}",
            )
            for i in range(3)
        )


def _pages() -> list[str]:
    project = Project.objects.get(code="P7-GAC-CT")
    agreement = FundingAgreement.objects.get(reference="GAC-UNODC-SP4")
    version = WorkplanVersion.objects.filter(status=WorkplanVersion.Status.APPROVED).first()
    activity = Activity.objects.filter(version=version).first()
    tranche = Disbursement.objects.filter(agreement=agreement).order_by("pk").first()
    allocation = Allocation.objects.filter(agreement=agreement).order_by("pk").first()
    expenditure = Expenditure.objects.filter(project=project).order_by("pk").first()
    meeting = EwgMeeting.objects.order_by("pk").first()
    return [
        reverse("home"),
        reverse("projects:project-list"),
        reverse("projects:programme-list"),
        reverse("projects:project-detail", args=[project.code]),
        reverse("projects:results", args=[project.code]),
        reverse("projects:budget", args=[project.code]),
        reverse("projects:expenditure-list", args=[project.code]),
        reverse("projects:expenditure-update", args=[project.code, expenditure.pk]),
        reverse("projects:rate-list"),
        reverse("workplans:workplan-list"),
        reverse("workplans:version-detail", args=[version.pk]),
        reverse("workplans:activity-detail", args=[activity.pk]),
        reverse("workplans:meeting-list"),
        reverse("workplans:meeting-detail", args=[meeting.pk]),
        reverse("workplans:my-activities"),
        reverse("workplans:review-list"),
        reverse("reports:report-list"),
        reverse("reports:iati-export"),
        reverse("donors:dashboard"),
        reverse("donors:agreement-detail", args=[agreement.pk]),
        reverse("donors:project-funding", args=[project.code]),
        reverse("donors:tranche-list"),
        reverse("donors:tranche-list") + "?status=overdue",
        reverse("donors:expenditure-list"),
        reverse("donors:agreement-manage-list"),
        reverse("donors:allocation-detail", args=[allocation.pk]),
        reverse("donors:tranche-detail", args=[tranche.pk]),
        reverse("alerts:notification-list"),
        reverse("audit-log"),
        reverse("account:token-list"),
    ]


def _measure(client, users: dict, pages: list[str]) -> dict[tuple[str, str], tuple[int, int]]:
    """(user, page) -> (status, queries)."""
    measured = {}
    for username in USERS:
        client.force_login(users[username])
        for page in pages:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page)
            measured[username, page] = (response.status_code, len(queries))
    return measured


@pytest.mark.django_db
def test_no_page_runs_more_queries_with_more_rows(client, demo):
    users = {u.username: u for u in get_user_model().objects.filter(username__in=USERS)}
    pages = _pages()
    # A first visit is not a later one (a donor's home page tells what changed since the
    # last visit): every measured visit follows an earlier one.
    _measure(client, users, pages)
    _grow()
    first = _measure(client, users, pages)
    _grow()
    second = _measure(client, users, pages)

    opened = [key for key, (status, _count) in first.items() if status == 200]
    # The matrix is real: every user opens pages, and every page opens for someone.
    assert {username for username, _page in opened} == set(USERS)
    assert {page for _username, page in opened} == set(pages)
    assert {key: status for key, (status, _c) in second.items()} == {
        key: status for key, (status, _c) in first.items()
    }
    grew = {
        f"{username} {page}": (first[username, page][1], second[username, page][1])
        for username, page in opened
        if second[username, page][1] != first[username, page][1]
    }
    assert grew == {}, "queries changed with more rows (before, after)"
