"""Helpers shared by the test_progress_carry_views.py split modules."""

from decimal import Decimal

from django.urls import reverse

from workplans import services
from workplans.models import ProgressUpdate

State = ProgressUpdate.State


def save(activity, user, quarter: int):
    return services.progress_update_save(
        activity=activity,
        quarter=quarter,
        user=user,
        status="on_track",
        percent_complete=40,
        narrative=f"Q{quarter} narrative.",
        values=[(activity.plain, "", None, Decimal("1"))],
    )


def submit(activity, user, quarter: int):
    return services.progress_update_submit(update=save(activity, user, quarter), user=user)


def form_url(activity_id: int, quarter: int) -> str:
    return reverse("workplans:progress-form", args=[activity_id, quarter])


def row(update) -> tuple:
    """What a refused request must leave alone."""
    update.refresh_from_db()
    return (update.state, update.revision, update.activity_id, update.transitions.count())
