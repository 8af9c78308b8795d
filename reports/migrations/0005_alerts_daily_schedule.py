"""Seed the daily alerts' schedule in the database, where an administrator changes it in the
admin (Periodic tasks) without a deploy: every day at 07:00 Pakistan time, the date-driven
alerts (quarters without updates, tranches overdue or due, agreements ending) and the day's
digest e-mails (reports.services.alerting)."""

import json

from django.db import migrations

NAME = "Daily alerts and digests"
TASK = "reports.tasks.alerts_daily_task"


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="7",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Karachi",
    )
    PeriodicTask.objects.create(
        name=NAME,
        task=TASK,
        crontab=schedule,
        args=json.dumps([]),
        kwargs=json.dumps({}),
        enabled=True,
        description=(
            "Alerts on quarters ending or ended without an update, tranches overdue or due "
            "soon and agreements ending with money to receive; then each person's daily "
            "digest e-mail. Running it twice tells nobody twice."
        ),
    )
    # Tell a running beat that the schedule changed (the admin does the same on save).
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_report_sweeper_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
