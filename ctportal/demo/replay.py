"""The demo replays events of 2016-2023 through today's services: their history rows
must carry the day each event happened, not the day the demo was loaded."""

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models
from django.utils import timezone
from simple_history.signals import pre_create_historical_record


def moment(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """Office hours in Pakistan on that day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@contextmanager
def happened(at: dt.datetime, *, by) -> Iterator[None]:
    """Every history row written inside is dated `at`; a row the service wrote without an
    author (reference data) is attributed to `by`, the demo user who did it."""
    # A microsecond apart, in the order written: rows of one event keep their order
    # when pages sort several kinds of object by date.
    ticks = itertools.count()

    def stamp(sender, history_instance, **kwargs):
        history_instance.history_date = at + dt.timedelta(microseconds=next(ticks))
        if history_instance.history_user_id is None:
            history_instance.history_user = by

    # Blocks do not nest: one event at a time, and a failed one leaves nothing connected.
    uid = "ctportal.demo.replay"
    pre_create_historical_record.connect(stamp, weak=False, dispatch_uid=uid)
    try:
        yield
    finally:
        pre_create_historical_record.disconnect(dispatch_uid=uid)


def backdate(instance: models.Model, **fields: dt.datetime) -> None:
    """Services stamp their own times (approved_at, submitted_at) "now": the replayed
    event's are the day it happened, on the row and on the history row that recorded it."""
    model = type(instance)
    model.objects.filter(pk=instance.pk).update(**fields)
    rows = model.history.filter(id=instance.pk)
    latest = rows.order_by("-history_date", "-history_id").first()
    if latest is not None:
        rows.filter(history_id=latest.history_id).update(**fields)
