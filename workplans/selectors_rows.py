"""What an API row of an activity or a progress update shows beyond its own columns, read
for a whole page at once as plain values (issue 14).

A page of 500 activities prefetched some 2,500 model instances (provinces and quarterly
targets), a page of updates one per achieved value: each with its init signals sent, for
three or four columns a row shows. Here each relation is one query of those columns, in
the order the prefetch gave, as dicts keyed by the serializer's field names.
"""

from collections.abc import Iterable

from django.db.models import F

from ctportal.lookups import AnyOf
from workplans.models import AchievedValue, Activity, ActivityTarget, ProgressUpdate

TARGET_COLUMNS = ("indicator", "quarter", "value")
VALUE_COLUMNS = ("indicator", "sex", "province", "value")


def activity_relations_attach(*, activities: Iterable[Activity]) -> None:
    """Set `province_codes` (ISO codes, in code order) and `target_rows` (indicator id,
    quarter and value, by indicator and quarter) on each activity: two queries, whatever
    the number of activities, none when there are none."""
    activities = list(activities)
    provinces: dict[int, list[str]] = {activity.pk: [] for activity in activities}
    targets: dict[int, list[dict]] = {activity.pk: [] for activity in activities}
    for activity in activities:
        activity.province_codes = provinces[activity.pk]
        activity.target_rows = targets[activity.pk]
    if not provinces:
        return
    of_page = AnyOf(F("activity_id"), list(provinces))
    # A province's primary key is its code; Province orders by code.
    for activity_id, code in (
        Activity.provinces.through.objects.filter(of_page)
        .order_by("province_id")
        .values_list("activity_id", "province_id")
    ):
        provinces[activity_id].append(code)
    for activity_id, *values in (
        ActivityTarget.objects.filter(of_page)
        .order_by("indicator_id", "quarter")
        .values_list("activity_id", "indicator_id", "quarter", "value")
    ):
        targets[activity_id].append(dict(zip(TARGET_COLUMNS, values, strict=True)))


def progress_update_values_attach(*, updates: Iterable[ProgressUpdate]) -> None:
    """Set `value_rows` (indicator id, sex, province code and value, by indicator, sex and
    province) on each update: one query, whatever the number of updates."""
    updates = list(updates)
    rows: dict[int, list[dict]] = {update.pk: [] for update in updates}
    for update in updates:
        update.value_rows = rows[update.pk]
    if not rows:
        return
    for update_id, *values in (
        AchievedValue.objects.filter(AnyOf(F("update_id"), list(rows)))
        .order_by("indicator_id", "sex", "province_id")
        .values_list("update_id", "indicator_id", "sex", "province_id", "value")
    ):
        rows[update_id].append(dict(zip(VALUE_COLUMNS, values, strict=True)))
