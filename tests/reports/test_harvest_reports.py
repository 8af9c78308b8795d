"""A harvesting script asks the reports list for what changed since its last run: a report
changes when it is requested, starts and finishes."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from organisations.models import Role
from reports.models import Report
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def _report(month: int, **times) -> Report:
    return Report.objects.create(
        kind=Report.Kind.DISBURSEMENT,
        period_start=datetime.date(2024, month, 1),
        period_end=datetime.date(2024, month, 28),
        **times,
    )


def test_modified_since_lists_the_reports_requested_started_or_finished_after_it():
    manager = user_with_role(Role.PROGRAMME_MANAGER, username="pm")
    client = APIClient()
    client.force_authenticate(manager)
    long_ago = timezone.now() - datetime.timedelta(days=10)
    old = _report(1, requested_at=long_ago, finished_at=long_ago, status=Report.Status.DONE)
    finished = _report(2, requested_at=long_ago)
    fresh = _report(3, requested_at=long_ago)
    since = timezone.now() - datetime.timedelta(days=1)
    Report.objects.filter(pk=finished.pk).update(
        started_at=long_ago, finished_at=timezone.now(), status=Report.Status.DONE
    )
    Report.objects.filter(pk=fresh.pk).update(requested_at=timezone.now())

    body = client.get("/api/v1/reports/", {"modified_since": since.isoformat()}).json()

    assert sorted(row["id"] for row in body["results"]) == sorted([finished.pk, fresh.pk])
    assert old.pk in [row["id"] for row in client.get("/api/v1/reports/").json()["results"]]
    bad = client.get("/api/v1/reports/", {"modified_since": "yesterday"})
    assert (bad.status_code, list(bad.json()["error"]["fields"])) == (400, ["modified_since"])
