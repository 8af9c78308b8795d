"""History people can read: who changed what, when, from what to what, and why.

django-simple-history keeps a row per save; this turns those rows into entries a page can
show: field labels instead of attribute names, and values as the pages show them (names
of related things, choice labels, money with its currency, dates, people's names). One
query loads the rows with their authors, and one more per kind of related object named
in them, however many rows there are.
"""

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from ctportal.money import MINOR_UNITS

ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
# Bookkeeping that changes on every save and tells a reader nothing.
IGNORED_FIELDS = frozenset({"id", "created_at", "updated_at", "revision"})
DEFAULT_LIMIT = 200
_ACRONYMS = re.compile(r"\b(usd|iati|dac|nap|ewg)\b")


def field_label(f: models.Field) -> str:
    """ "planned usd rate" -> "Planned USD rate"."""
    return capfirst(_ACRONYMS.sub(lambda m: m.group(1).upper(), str(f.verbose_name)))


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime.datetime
    who: str
    action: str
    reason: str
    subject: str
    changes: tuple[FieldChange, ...]


def person_name(user) -> str:
    if user is None:
        return "System"
    return user.get_full_name() or user.get_username()


def _tracked_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in IGNORED_FIELDS and not f.name.startswith("history_")
    ]


class _Labels:
    """Display strings for foreign keys, loaded in one query per related model."""

    def __init__(self, records: Sequence[Any], fields_by_model: dict[type, list[models.Field]]):
        wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        for record in records:
            for f in fields_by_model[record.instance_type]:
                if f.is_relation and (value := getattr(record, f.attname)) is not None:
                    wanted[f.related_model].add(value)
        self._labels: dict[tuple[type, Any], str] = {}
        self._currencies: dict[Any, str] = {}
        for model, ids in wanted.items():
            # select_related() follows the non-null keys, which str() often names
            # (an agreement is shown with its donor): no query per object.
            for obj in model._base_manager.filter(pk__in=ids).select_related():
                label = person_name(obj) if hasattr(obj, "get_full_name") else str(obj)
                self._labels[(model, obj.pk)] = label
                if hasattr(obj, "currency") and isinstance(obj.currency, str):
                    self._currencies[(model, obj.pk)] = obj.currency

    def label(self, model: type[models.Model], pk: Any) -> str:
        return self._labels.get((model, pk), f"deleted ({pk})")

    def currency_via(self, model: type[models.Model], pk: Any) -> str | None:
        return self._currencies.get((model, pk))


def _currency_of(record, fields: list[models.Field], labels: _Labels) -> str | None:
    """The currency of a record's amounts: its own field, else its parent's (a tranche's
    agreement)."""
    currency = getattr(record, "currency", None)
    if isinstance(currency, str) and currency:
        return currency
    for f in fields:
        if f.is_relation and (pk := getattr(record, f.attname)) is not None:
            found = labels.currency_via(f.related_model, pk)
            if found:
                return found
    return None


def _display(record, f: models.Field, labels: _Labels, currency: str | None) -> str:
    value = getattr(record, f.attname)
    if value is None or value == "":
        return "—"
    if f.is_relation:
        return labels.label(f.related_model, value)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d %b %Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d %b %Y")
    if isinstance(value, Decimal) and f.decimal_places == 2:
        code = "USD" if f.name.endswith("_usd") else currency
        if code:
            return f"{code} {value:,.{MINOR_UNITS.get(code, 2)}f}"
        return f"{value:,.2f}"
    if isinstance(value, Decimal):
        # Rates keep their eight places in the database; a reader wants 1.12, not 1.12000000.
        return f"{value.normalize():f}"
    return str(value)


def _subject(record) -> str:
    return capfirst(record.instance_type._meta.verbose_name)


def entries_from_records(
    records: Iterable[Any], *, limit: int = DEFAULT_LIMIT
) -> list[HistoryEntry]:
    """History rows (of one or several objects, of one or several models) as readable
    entries, newest first. Each row is compared with the previous row of its own object."""
    records = list(records)
    fields_by_model = {r.instance_type: _tracked_fields(r.instance_type) for r in records}
    labels = _Labels(records, fields_by_model)
    by_object: dict[tuple[type, Any], list[Any]] = defaultdict(list)
    for record in records:
        by_object[(record.instance_type, record.id)].append(record)
    entries: list[tuple[tuple, HistoryEntry]] = []
    for (model, _pk), rows in by_object.items():
        rows.sort(key=lambda r: (r.history_date, r.history_id))
        fields = fields_by_model[model]
        previous = None
        for row in rows:
            currency = _currency_of(row, fields, labels)
            changes = []
            if row.history_type != "-":
                for f in fields:
                    new = _display(row, f, labels, currency)
                    old = (
                        _display(previous, f, labels, _currency_of(previous, fields, labels))
                        if previous is not None
                        else "—"
                    )
                    if new != old:
                        changes.append(FieldChange(field_label(f), old, new))
            entry = HistoryEntry(
                when=row.history_date,
                who=person_name(row.history_user),
                action=ACTIONS.get(row.history_type, row.history_type),
                reason=row.history_change_reason or "",
                subject=_subject(row),
                changes=tuple(changes),
            )
            # A save that changed nothing readable (only bookkeeping) is left out,
            # unless it says why it happened.
            if changes or row.history_type != "~" or entry.reason:
                entries.append(((row.history_date, row.history_id), entry))
            previous = row
    entries.sort(key=lambda pair: pair[0], reverse=True)
    return [entry for _, entry in entries[:limit]]


def history_for(
    instance: models.Model, *, related: Sequence[str] = (), limit: int = DEFAULT_LIMIT
) -> list[HistoryEntry]:
    """The object's history, with that of its children named in `related` (reverse
    foreign keys, e.g. ("disbursements", "allocations")), deleted children included."""
    records: list[Any] = list(instance.history.select_related("history_user"))
    for name in related:
        rel = instance._meta.get_field(name)
        child_model = rel.related_model
        records += list(
            child_model.history.filter(**{rel.field.attname: instance.pk}).select_related(
                "history_user"
            )
        )
    return entries_from_records(records, limit=limit)
