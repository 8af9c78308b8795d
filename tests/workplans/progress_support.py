"""Helpers shared by the test_progress.py split modules."""

from workplans.models import ProgressUpdate
from workplans.services import (
    progress_update_save,
)

State = ProgressUpdate.State


def save(activity, user, **overrides):
    values = {
        "activity": activity,
        "quarter": 2,
        "user": user,
        "status": "on_track",
        "percent_complete": 40,
        "narrative": "First course held in Lahore.",
        "values": [(activity.plain, None, None, 1)],
    }
    values.update(overrides)
    return progress_update_save(**values)
