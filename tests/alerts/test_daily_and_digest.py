"""The daily run (reports.services.alerting, on the beat schedule): run twice, or again after
a worker died mid-run, it tells nobody twice; and the digest: one e-mail a day at most,
nothing on an empty day, only the kinds a person takes in it."""

import datetime
from collections import Counter

import pytest
from django.core import mail
from django_celery_beat.models import PeriodicTask

from alerts.models import Delivery, DigestSent, Kind, Notification
from alerts.services import preferences_set
from reports.services import alerts_daily
from reports.tasks import alerts_daily_task
from tests.alerts.conftest import TODAY
from tests.factories import DisbursementFactory

pytestmark = pytest.mark.django_db

NEXT_DAY = TODAY + datetime.timedelta(days=1)


def _state():
    return (
        sorted(Notification.objects.values_list("recipient__username", "dedupe_key")),
        sorted((m.to[0], m.subject) for m in mail.outbox),
    )


def test_the_daily_run_twice_creates_no_duplicate_notification_or_email(
    people, activity, japan_tranche, django_capture_on_commit_callbacks
):
    # The manager takes overdue tranches at once, the Japanese viewer in the digest.
    preferences_set(user=people["manager"], deliveries={Kind.TRANCHE_OVERDUE: "immediate"})
    with django_capture_on_commit_callbacks(execute=True):
        first = alerts_daily(today=TODAY)
    after_first = _state()
    with django_capture_on_commit_callbacks(execute=True):
        second = alerts_daily(today=TODAY)

    assert _state() == after_first
    assert first[Kind.TRANCHE_OVERDUE] == 2
    assert first["digests"] == 1  # the Japanese viewer's
    assert +second == Counter()  # nobody told of anything, no digest
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("jp@example.org", "CT Portal: 1 alert for 20 Mar 2024"),
        ("pm@example.org", "Tranche overdue: JP-2022-01, USD 250,000.00"),
    ]
    assert Notification.objects.filter(kind=Kind.TRANCHE_OVERDUE).count() == 2


def test_a_worker_that_died_before_sending_leaves_the_e_mails_to_the_next_run(
    people, japan_tranche, django_capture_on_commit_callbacks
):
    preferences_set(user=people["manager"], deliveries={Kind.TRANCHE_OVERDUE: "immediate"})
    # The notifications were committed, but the worker died before its after-commit e-mail.
    with django_capture_on_commit_callbacks(execute=False):
        alerts_daily(today=TODAY)
    assert [m.to for m in mail.outbox] == [["jp@example.org"]]  # the digest went
    mail.outbox.clear()
    # The next run finds the notifications told already: nothing new, nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert +alerts_daily(today=TODAY) == Counter()
    assert mail.outbox == []
    assert Notification.objects.filter(kind=Kind.TRANCHE_OVERDUE).count() == 2


def test_the_digest_is_one_e_mail_a_day_and_none_on_an_empty_day(people, japan_agreement):
    japan_agreement.end_date = datetime.date(2024, 5, 31)
    japan_agreement.save()
    DisbursementFactory(agreement=japan_agreement, planned_date=datetime.date(2024, 3, 1))
    DisbursementFactory(agreement=japan_agreement, planned_date=datetime.date(2024, 4, 1))

    assert alerts_daily(today=TODAY)["digests"] == 2  # the manager's and the viewer's
    manager_mail = [m for m in mail.outbox if m.to == ["pm@example.org"]]
    assert len(manager_mail) == 1
    body = manager_mail[0].body
    assert manager_mail[0].subject == "CT Portal: 3 alerts for 20 Mar 2024"
    assert "- Tranche overdue: JP-2022-01, USD 250,000.00" in body
    assert "- Tranche due 01 Apr 2024: JP-2022-01" in body
    assert "- Agreement ending 31 May 2024: JP-2022-01" in body
    assert "See the agreement's tranches: http://" in body

    mail.outbox.clear()
    # Later the same day: nothing more, even with something new waiting for tomorrow.
    DisbursementFactory(agreement=japan_agreement, planned_date=datetime.date(2024, 4, 10))
    assert alerts_daily(today=TODAY)["digests"] == 0
    assert mail.outbox == []
    # The next day: only what is new, in one e-mail each; then an empty day sends nothing.
    assert alerts_daily(today=NEXT_DAY)["digests"] == 1
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["pm@example.org"], "CT Portal: 1 alert for 21 Mar 2024")
    ]
    mail.outbox.clear()
    assert alerts_daily(today=NEXT_DAY + datetime.timedelta(days=1))["digests"] == 0
    assert mail.outbox == []
    assert DigestSent.objects.filter(user=people["manager"]).count() == 2


def test_a_kind_kept_in_the_portal_is_never_e_mailed(people, japan_tranche):
    for name in ("manager", "japan_viewer"):
        preferences_set(user=people[name], deliveries={Kind.TRANCHE_OVERDUE: Delivery.PORTAL})
    alerts_daily(today=TODAY)
    assert Notification.objects.filter(kind=Kind.TRANCHE_OVERDUE).count() == 2
    assert mail.outbox == []
    assert not DigestSent.objects.exists()


def test_an_alert_read_before_the_digest_is_not_e_mailed(people, japan_tranche):
    from reports.services import alerts_date_driven_create

    alerts_date_driven_create(today=TODAY)
    Notification.objects.update(read_at=datetime.datetime(2024, 3, 20, 8, tzinfo=datetime.UTC))
    assert alerts_daily(today=TODAY)["digests"] == 0
    assert mail.outbox == []


def test_the_daily_task_is_on_the_beat_schedule_an_administrator_can_change(db):
    schedule = PeriodicTask.objects.get(name="Daily alerts and digests")
    assert schedule.task == "reports.tasks.alerts_daily_task"
    assert schedule.enabled
    assert (schedule.crontab.hour, schedule.crontab.minute) == ("7", "0")
    assert str(schedule.crontab.timezone) == "Asia/Karachi"
    assert alerts_daily_task.apply().get() == {"digests": 0}
