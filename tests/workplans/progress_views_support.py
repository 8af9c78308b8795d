"""Helpers shared by the test_progress_views.py split modules."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from workplans import services
from workplans.models import (
    ProgressTransition,
    ProgressUpdate,
)

State = ProgressUpdate.State


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def form_url(activity, quarter: int = 2) -> str:
    return reverse("workplans:progress-form", args=[activity.pk, quarter])


def review_url(update) -> str:
    return reverse("workplans:review-detail", args=[update.pk])


def cell(indicator, sex: str = "", province: str | None = None) -> str:
    return f"value__{indicator.pk}__{sex or 'all'}__{province or 'all'}"


def form_data(activity, *, revision=0, action="save", **overrides) -> dict:
    data = {
        "status": "on_track",
        "percent_complete": "40",
        "narrative": "First course held in Lahore.",
        "challenges": "",
        "revision": str(revision),
        "action": action,
        cell(activity.plain): "1",
        cell(activity.trained, "female", "PK-PB"): "12",
        cell(activity.trained, "male", "PK-PB"): "18",
        cell(activity.trained, "female", "PK-SD"): "",
        cell(activity.trained, "male", "PK-SD"): "3",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def saved_values(update) -> list[tuple]:
    return sorted(
        (v.indicator.code, v.sex, v.province_id or "", v.value) for v in update.values.all()
    )


def state_of(update) -> tuple:
    """What a refused request must leave alone."""
    update.refresh_from_db()
    return (
        update.state,
        update.revision,
        update.percent_complete,
        saved_values(update),
        ProgressTransition.objects.filter(update=update).count(),
    )


def draft(activity, user, **overrides) -> ProgressUpdate:
    arguments = {
        "activity": activity,
        "quarter": 2,
        "user": user,
        "status": "on_track",
        "percent_complete": 40,
        "values": [(activity.plain, "", None, Decimal("1"))],
    }
    arguments.update(overrides)
    return services.progress_update_save(**arguments)


def submitted(activity, user, **overrides) -> ProgressUpdate:
    return services.progress_update_submit(update=draft(activity, user, **overrides), user=user)


def verified(activity, user, manager, **overrides) -> ProgressUpdate:
    update = submitted(activity, user, **overrides)
    return services.progress_update_verify(update=update, user=manager)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)
