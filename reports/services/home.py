"""The home page's one write: when a person last opened it."""

import datetime

from django.db import transaction
from django.utils import timezone

from reports.models import HomeVisit

# A first visit shows what changed over this many days.
FIRST_VISIT_DAYS = 30


@transaction.atomic
def home_visit_record(*, user, now: datetime.datetime | None = None) -> datetime.datetime:
    """Record this visit; returns when the one before it was (FIRST_VISIT_DAYS ago on a
    first visit), from which the page shows what changed."""
    now = now or timezone.now()
    visit, created = HomeVisit.objects.select_for_update().get_or_create(
        user=user, defaults={"seen_at": now}
    )
    if created:
        return now - datetime.timedelta(days=FIRST_VISIT_DAYS)
    since = visit.seen_at
    visit.seen_at = now
    visit.save(update_fields=["seen_at"])
    return since
