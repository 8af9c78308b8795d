"""Seed the report sweeper's schedule in the database, where an administrator changes its
interval in the admin (Periodic tasks) without a deploy: every minute, it queues again a
report whose run went silent and sends again a message that never left or was lost
(reports.services.sweeping)."""

import json

from django.db import migrations

NAME = "Report sweeper"
TASK = "reports.tasks.reports_sweep_task"
EVERY_SECONDS = 60


def seed(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    every, _ = IntervalSchedule.objects.get_or_create(every=EVERY_SECONDS, period="seconds")
    PeriodicTask.objects.create(
        name=NAME,
        task=TASK,
        interval=every,
        args=json.dumps([]),
        kwargs=json.dumps({}),
        enabled=True,
        description=(
            "Queues again a report whose run went silent (its worker died) and sends again "
            "a queued report whose message never reached the broker or was lost."
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
        ("reports", "0003_report_sent_at_follow_up"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
