"""A run that works longer than its lease keeps it: the heartbeat renews the lease while
the documents are written (at every row and page), so the sweeper never takes a long run
for a dead one. Time here is a clock the test moves: each row written costs 10 s of it,
against a lease of 60 s."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from reports import services
from reports.models import Report
from reports.services import generating, requesting
from reports.services.lease import Heartbeat
from tests.reports.conftest import MONTH

LEASE = 60


class Clock:
    def __init__(self):
        self.current = timezone.now()

    def now(self) -> datetime.datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += datetime.timedelta(seconds=seconds)


@pytest.fixture
def clock(settings):
    settings.REPORTS_LOCK_LEASE_SECONDS = LEASE
    clock = Clock()
    with mock.patch("django.utils.timezone.now", clock.now):
        yield clock


def _queued(user) -> Report:
    with mock.patch.object(requesting, "_enqueue"):
        return services.report_request(kind="disbursement", month=MONTH, user=user)


@pytest.mark.django_db
def test_a_run_writing_longer_than_its_lease_keeps_it_and_the_sweeper_leaves_it(users, clock):
    report = _queued(users["manager"])
    seen = {}
    real_xlsx = generating.disbursement_xlsx

    def slow_xlsx(data, meta, **kwargs):
        tick = kwargs.get("tick", lambda: None)

        def row_of_ten_seconds():
            clock.advance(10)
            tick()

        started = clock.now()
        content = real_xlsx(data, meta, tick=row_of_ten_seconds)
        seen["writing"] = clock.now() - started
        seen["sweep"] = services.reports_sweep(now=clock.now())
        return content

    with (
        mock.patch.object(generating, "disbursement_xlsx", slow_xlsx),
        mock.patch.object(generating, "_enqueue_delivery"),
    ):
        services.report_generate(report_id=report.pk)

    assert seen["writing"] > datetime.timedelta(seconds=10 * LEASE)  # ten leases long
    assert (seen["sweep"].requeued, seen["sweep"].failed) == ([], [])
    report.refresh_from_db()
    assert (report.status, report.progress, report.attempts) == ("done", 100, 1)
    assert report.xlsx.name
    assert report.pdf.name


@pytest.mark.django_db
def test_the_heartbeat_renews_once_a_quarter_of_the_lease_passed_and_stops_a_run_taken_over(
    users, clock
):
    report = _queued(users["manager"])
    claim = services.report_claim(report_id=report.pk)
    services.report_progress(report_id=report.pk, token=claim.token, percent=40)
    beat = Heartbeat(report_id=report.pk, token=claim.token)
    first = Report.objects.get(pk=report.pk).lease_expires_at

    clock.advance(LEASE / 4 - 1)
    beat()
    assert (beat.renewals, Report.objects.get(pk=report.pk).lease_expires_at) == (0, first)

    clock.advance(1)
    beat()
    renewed = Report.objects.get(pk=report.pk)
    assert beat.renewals == 1
    assert renewed.lease_expires_at == clock.now() + datetime.timedelta(seconds=LEASE)
    assert renewed.progress == 40  # the bar stays where the run put it

    # Another run takes the record over (this one's lease ran out): the next beat stops it.
    Report.objects.filter(pk=report.pk).update(lock_token="another")
    clock.advance(LEASE)
    with pytest.raises(services.LockLost):
        beat()
