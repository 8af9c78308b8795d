"""Seed the report schedules in the database, where an administrator changes them in the
admin (Periodic tasks) without a deploy: disbursement reports on the 1st of each month,
progress reports on the 1st of each quarter, at 06:00 Pakistan time."""

import json

from django.db import migrations

SCHEDULES = [
    (
        "Monthly disbursement reports",
        "reports.tasks.reports_request_monthly_task",
        {"minute": "0", "hour": "6", "day_of_month": "1", "month_of_year": "*"},
        "Disbursement reports of the previous month: overall and per donor.",
    ),
    (
        "Quarterly progress reports",
        "reports.tasks.reports_request_quarterly_task",
        {"minute": "0", "hour": "6", "day_of_month": "1", "month_of_year": "1,4,7,10"},
        "Progress reports of each approved workplan's quarter that ended last.",
    ),
]


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, crontab, description in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        schedule, _ = CrontabSchedule.objects.get_or_create(
            day_of_week="*", timezone="Asia/Karachi", **crontab
        )
        PeriodicTask.objects.create(
            name=name,
            task=task,
            crontab=schedule,
            args=json.dumps([]),
            kwargs=json.dumps({}),
            enabled=True,
            description=description,
        )
    # Tell a running beat that the schedule changed (the admin does the same on save).
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
