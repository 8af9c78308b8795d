"""The audit log: security events (organisations.audit) and every change to money, projects,
workplans and progress (django-simple-history), newest first, in one list.

At the scale the portal plans for (a million money rows, each changed a few times) the
list never loads a whole history: each source (the security events, and each historical
table) is asked for at most one page and one row more, newest first, under the filters;
the rows are merged here and the page cut. The next page starts "before" the last event
shown: a cursor of (time, source, id) that every source can filter on with its indexes,
where an OFFSET over a union would read everything before the page. Each history row is
compared with the row before it of the same object, fetched for the page's rows only.

It reads the history of money, projects and workplans, so it lives in reports, the read app
above them all.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from ctportal.history import FieldChange, entries_for_rows, model_label, person_name
from organisations.models import SecurityEvent

PAGE_SIZE = 50
# An export is written in chunks of this many events, at most EXPORT_MAX_EVENTS in all
# (newest first), so that one download stays within a worker's time.
EXPORT_CHUNK = 500
EXPORT_MAX_EVENTS = 50_000
# The apps whose history is money, projects, workplans and progress.
AUDITED_APPS = ("donors", "projects", "workplans")
SECURITY = "security"
HISTORY_KINDS = {"created": "+", "changed": "~", "deleted": "-"}
HISTORY_KIND_LABELS = {
    "created": "Record created",
    "changed": "Record changed",
    "deleted": "Record deleted",
}
_KIND_OF_HISTORY_TYPE = {code: kind for kind, code in HISTORY_KINDS.items()}


@dataclass(frozen=True)
class AuditFilters:
    kind: str = ""  # a SecurityEvent.Kind, or a key of HISTORY_KINDS
    username: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    object_type: str = ""  # SECURITY, or a model's label ("donors.disbursement")


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: strictly older than this (time, source rank, id)."""

    when: datetime.datetime
    rank: int
    pk: int

    def __str__(self) -> str:
        return f"{self.when.isoformat()}~{self.rank}~{self.pk}"

    @classmethod
    def parse(cls, text: str) -> "Cursor":
        """Raises ValueError for anything but what str() wrote."""
        when, rank, pk = text.split("~")
        moment = datetime.datetime.fromisoformat(when)
        if timezone.is_naive(moment):
            raise ValueError("a cursor's time has its offset")
        return cls(moment, int(rank), int(pk))


@dataclass(frozen=True)
class AuditEvent:
    when: datetime.datetime
    kind: str
    kind_label: str
    object_type: str
    what: str
    who: str
    changes: tuple[FieldChange, ...] = ()
    reason: str = ""
    detail: str = ""
    ip_address: str = ""
    user_agent: str = ""
    # The time a history row's changes list every value (a creation), not old -> new.
    created: bool = False


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    # Where the next (older) page starts; None on the last page.
    next_cursor: Cursor | None


@dataclass(frozen=True)
class _Source:
    rank: int
    key: str  # SECURITY or the tracked model's label
    label: str
    history_model: type[models.Model] | None


@cache
def audit_sources() -> tuple[_Source, ...]:
    """The security events first, then each tracked model's history, in a fixed order (the
    rank breaks ties between events of the same microsecond)."""
    tracked = sorted(
        (
            model
            for label in AUDITED_APPS
            for model in apps.get_app_config(label).get_models()
            if getattr(model._meta, "simple_history_manager_attribute", None)
        ),
        key=lambda model: model._meta.label_lower,
    )
    sources = [_Source(0, SECURITY, "Security", None)]
    for rank, model in enumerate(tracked, start=1):
        history_model = getattr(model, model._meta.simple_history_manager_attribute).model
        sources.append(_Source(rank, model._meta.label_lower, model_label(model), history_model))
    return tuple(sources)


def audit_kind_choices() -> list[tuple[str, str]]:
    return [*SecurityEvent.Kind.choices, *HISTORY_KIND_LABELS.items()]


def audit_object_type_choices() -> list[tuple[str, str]]:
    return [(source.key, source.label) for source in audit_sources()]


def _wanted(source: _Source, filters: AuditFilters) -> bool:
    if filters.object_type and filters.object_type != source.key:
        return False
    if not filters.kind:
        return True
    is_history_kind = filters.kind in HISTORY_KINDS
    return is_history_kind if source.history_model is not None else not is_history_kind


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _time_filter(field: str, pk_field: str, filters: AuditFilters, rank: int, cursor) -> Q:
    q = Q()
    if filters.date_from:
        q &= Q(**{f"{field}__gte": _day_start(filters.date_from)})
    if filters.date_to:
        q &= Q(**{f"{field}__lt": _day_start(filters.date_to + datetime.timedelta(days=1))})
    if cursor is not None:
        # Older than the cursor in the order (time, rank, id), all descending.
        if rank < cursor.rank:
            q &= Q(**{f"{field}__lte": cursor.when})
        elif rank > cursor.rank:
            q &= Q(**{f"{field}__lt": cursor.when})
        else:
            q &= Q(**{f"{field}__lt": cursor.when}) | Q(
                **{field: cursor.when, f"{pk_field}__lt": cursor.pk}
            )
    return q


def _security_rows(filters: AuditFilters, user_ids, cursor, limit: int) -> list[SecurityEvent]:
    rows = SecurityEvent.objects.select_related("actor", "user").filter(
        _time_filter("when", "id", filters, 0, cursor)
    )
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.username:
        # Three indexed conditions, no case folding on the events' own column: attempts in
        # the name of someone who exists are found through the user anyway.
        named = Q(username=filters.username)
        rows = rows.filter(named | Q(user_id__in=user_ids) | Q(actor_id__in=user_ids))
    return list(rows.order_by("-when", "-id")[:limit])


def _history_rows(source: _Source, filters: AuditFilters, user_ids, cursor, limit: int) -> list:
    history_model = source.history_model
    rows = history_model.objects.filter(
        _time_filter("history_date", "history_id", filters, source.rank, cursor)
    )
    if filters.kind:
        rows = rows.filter(history_type=HISTORY_KINDS[filters.kind])
    if filters.username:
        rows = rows.filter(history_user_id__in=user_ids)
    earlier = history_model.objects.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    return list(
        rows.select_related("history_user")
        .annotate(
            previous_history_id=Subquery(
                earlier.order_by("-history_date", "-history_id").values("history_id")[:1]
            )
        )
        .order_by("-history_date", "-history_id")[:limit]
    )


def audit_page(
    *, filters: AuditFilters, cursor: Cursor | None = None, page_size: int = PAGE_SIZE
) -> AuditPage:
    """One page of the audit log under `filters`, newest first, starting before `cursor`.
    The audit log is for administrators (organisations.access.can_see_audit): the caller
    checks."""
    user_ids: list[int] = []
    if filters.username:
        user_ids = list(
            get_user_model()
            ._default_manager.filter(username__iexact=filters.username)
            .values_list("pk", flat=True)
        )
    candidates: list[tuple[tuple, _Source, Any]] = []
    for source in audit_sources():
        if not _wanted(source, filters):
            continue
        if source.history_model is None:
            for row in _security_rows(filters, user_ids, cursor, page_size + 1):
                candidates.append(((row.when, source.rank, row.pk), source, row))
        else:
            for row in _history_rows(source, filters, user_ids, cursor, page_size + 1):
                candidates.append(((row.history_date, source.rank, row.history_id), source, row))
    candidates.sort(key=lambda candidate: candidate[0], reverse=True)
    shown = candidates[:page_size]
    next_cursor = Cursor(*shown[-1][0]) if len(candidates) > page_size else None
    return AuditPage(events=_events(shown), next_cursor=next_cursor)


def _events(shown: list[tuple[tuple, _Source, Any]]) -> list[AuditEvent]:
    history_rows = [row for _, source, row in shown if source.history_model is not None]
    entries = iter(entries_for_rows(history_rows, _previous_rows(history_rows)))
    events = []
    for _, source, row in shown:
        if source.history_model is None:
            events.append(_security_event(row))
        else:
            events.append(_history_event(row, source, next(entries)))
    return events


def _previous_rows(rows: list) -> dict[tuple[type, Any], Any]:
    """{(history model, history_id): the row before it of the same object}: one query per
    historical table on the page."""
    wanted: dict[type, dict[Any, Any]] = defaultdict(dict)
    for row in rows:
        if row.previous_history_id is not None:
            wanted[type(row)][row.previous_history_id] = row.history_id
    previous = {}
    for history_model, ids in wanted.items():
        for earlier in history_model.objects.filter(history_id__in=ids):
            previous[(history_model, ids[earlier.history_id])] = earlier
    return previous


def _security_event(event: SecurityEvent) -> AuditEvent:
    if event.actor is not None:
        who = person_name(event.actor)
    else:
        # Only a request has an address: without one, a command or the system did it.
        who = "Not signed in" if event.ip_address else "System"
    about = person_name(event.user) if event.user is not None else event.username
    return AuditEvent(
        when=event.when,
        kind=event.kind,
        kind_label=event.get_kind_display(),
        object_type="Security",
        what=f"{event.get_kind_display()}: {about}" if about else event.get_kind_display(),
        who=who,
        detail=event.detail,
        ip_address=event.ip_address or "",
        user_agent=event.user_agent,
    )


def _history_event(row, source: _Source, entry) -> AuditEvent:
    kind = _KIND_OF_HISTORY_TYPE.get(row.history_type, "changed")
    return AuditEvent(
        when=row.history_date,
        kind=kind,
        kind_label=HISTORY_KIND_LABELS[kind],
        object_type=source.label,
        what=entry.what,
        who=entry.who,
        changes=entry.changes,
        reason=entry.reason,
        created=entry.action == "Created",
    )


def audit_events_for_export(*, filters: AuditFilters) -> Iterator[AuditEvent]:
    """Every event under `filters`, newest first, at most EXPORT_MAX_EVENTS, read a chunk at
    a time (memory stays bounded whatever the history holds)."""
    cursor, given = None, 0
    while given < EXPORT_MAX_EVENTS:
        page = audit_page(
            filters=filters, cursor=cursor, page_size=min(EXPORT_CHUNK, EXPORT_MAX_EVENTS - given)
        )
        yield from page.events
        given += len(page.events)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
