"""History people can read: who changed what, when, from what to what, and why.

django-simple-history keeps a row per save; this turns those rows into entries a page can
show: field labels instead of attribute names, and values as the pages show them (names
of related things, choice labels, money with its currency, dates, people's names,
many-to-many fields as the list of their names). One query loads the rows of each kind of
object with their authors, one more each many-to-many field, and one more per kind of
related object named in them, however many rows there are.
"""

import datetime
import re
import string
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from ctportal.money import Money

ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
# Bookkeeping that changes on every save and tells a reader nothing.
IGNORED_FIELDS = frozenset({"id", "created_at", "updated_at", "revision"})
DEFAULT_LIMIT = 200
_ACRONYMS = re.compile(r"\b(usd|iati|dac|nap|ewg)\b", re.IGNORECASE)
# simple-history writes a many-to-many change as a row of its own, right after the save.
_SAME_ACT = datetime.timedelta(seconds=5)

# How a reader tells one object from its siblings where a page mixes them (a version's
# history names each activity by its code, each target by activity, quarter and indicator).
# Placeholders are field names, filled with the short form of the value. A model not
# listed here is named by its `code` field when it has one.
NAMES = {
    "workplans.workplanversion": "v{number}",
    "workplans.activitytarget": "{activity} Q{quarter} {indicator}",
    "workplans.progressupdate": "{activity} Q{quarter}",
    "workplans.achievedvalue": "{indicator}",
    "donors.allocation": "to {project}",
    "donors.disbursement": "planned for {planned_date}",
    "projects.budgetline": "{category} {year}",
    "projects.expenditure": "of {spent_on}",
}


def _acronyms(text: str) -> str:
    return _ACRONYMS.sub(lambda m: m.group(1).upper(), text)


def field_label(f: models.Field) -> str:
    """ "planned usd rate" -> "Planned USD rate"."""
    return capfirst(_acronyms(str(f.verbose_name)))


def model_label(model: type[models.Model]) -> str:
    """ "ewg meeting" -> "EWG meeting": a kind of object as the pages name it."""
    return capfirst(_acronyms(str(model._meta.verbose_name)))


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
    # Which object, where a page mixes several ("A3", "A3 Q2 I1.1a"); may be empty.
    name: str = ""
    # The whole "what" as a sentence: "Changed activity A3", "Created EWG meeting".
    what: str = ""


def person_name(user) -> str:
    if user is None:
        return "System"
    return user.get_full_name() or user.get_username()


def _tracked_fields(history_model: type[models.Model]) -> list[models.Field]:
    """The fields a reader may care about: concrete editable ones, then many-to-many ones
    the history keeps (as HistoricalRecords(m2m_fields=[...]))."""
    concrete = [
        f
        for f in history_model.tracked_fields
        if f.name not in IGNORED_FIELDS and not f.name.startswith("history_") and f.editable
    ]
    return concrete + list(getattr(history_model, "_history_m2m_fields", ()))


def _m2m_values(
    records: Sequence[Any], fields_by_model: dict[type, list[models.Field]]
) -> dict[tuple[Any, str], list[Any]]:
    """{(history_id, field name): [related pks]}: one query per many-to-many field."""
    ids_by_model: dict[type, list[Any]] = defaultdict(list)
    for record in records:
        ids_by_model[type(record)].append(record.history_id)
    values: dict[tuple[Any, str], list[Any]] = defaultdict(list)
    for history_model, ids in ids_by_model.items():
        for f in fields_by_model[history_model]:
            if not f.many_to_many:
                continue
            rows_model = getattr(history_model, f.name).model
            target = rows_model._meta.get_field(f.m2m_reverse_field_name()).attname
            for history_id, pk in rows_model.objects.filter(history_id__in=ids).values_list(
                "history_id", target
            ):
                values[(history_id, f.name)].append(pk)
    return values


class _Labels:
    """Display strings for related objects, loaded in one query per related model."""

    def __init__(
        self,
        records: Sequence[Any],
        fields_by_model: dict[type, list[models.Field]],
        m2m: dict[tuple[Any, str], list[Any]],
    ):
        wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        for record in records:
            for f in fields_by_model[type(record)]:
                if f.many_to_many:
                    wanted[f.related_model].update(m2m.get((record.history_id, f.name), ()))
                elif f.is_relation and (value := getattr(record, f.attname)) is not None:
                    wanted[f.related_model].add(value)
        self._labels: dict[tuple[type, Any], str] = {}
        self._short: dict[tuple[type, Any], str] = {}
        self._currencies: dict[tuple[type, Any], str] = {}
        for model, ids in wanted.items():
            # select_related() follows the non-null keys, which str() often names
            # (an agreement is shown with its donor): no query per object.
            for obj in model._base_manager.filter(pk__in=ids).select_related():
                label = person_name(obj) if hasattr(obj, "get_full_name") else str(obj)
                self._labels[(model, obj.pk)] = label
                code = getattr(obj, "code", None)
                self._short[(model, obj.pk)] = code if isinstance(code, str) and code else label
                if hasattr(obj, "currency") and isinstance(obj.currency, str):
                    self._currencies[(model, obj.pk)] = obj.currency

    def label(self, model: type[models.Model], pk: Any) -> str:
        return self._labels.get((model, pk), f"deleted ({pk})")

    def short(self, model: type[models.Model], pk: Any) -> str:
        """A code where the object has one ("A3"), else its label."""
        return self._short.get((model, pk), self.label(model, pk))

    def currency_via(self, model: type[models.Model], pk: Any) -> str | None:
        return self._currencies.get((model, pk))


class _Reader:
    """Shows the values of history rows as the pages show them."""

    def __init__(self, records: Sequence[Any], hidden: Mapping[type, Collection[str]]):
        self.fields = {model: _tracked_fields(model) for model in {type(r) for r in records}}
        self.hidden = hidden
        self.m2m = _m2m_values(records, self.fields)
        self.labels = _Labels(records, self.fields, self.m2m)

    def currency(self, record, f: models.Field) -> str | None:
        """The currency of an amount: its own (budget -> budget_currency), the record's,
        else its parent's (a tranche's agreement)."""
        for name in (f"{f.name}_currency", "currency"):
            value = getattr(record, name, None)
            if isinstance(value, str) and value:
                return value
        for other in self.fields[type(record)]:
            if other.many_to_one and (pk := getattr(record, other.attname)) is not None:
                found = self.labels.currency_via(other.related_model, pk)
                if found:
                    return found
        return None

    def display(self, record, f: models.Field) -> str:
        if record is None:
            return "—"
        if f.many_to_many:
            pks = self.m2m.get((record.history_id, f.name), ())
            names = sorted(self.labels.label(f.related_model, pk) for pk in pks)
            return ", ".join(names) or "—"
        value = getattr(record, f.attname)
        if value is None or value == "":
            return "—"
        if f.is_relation:
            return self.labels.label(f.related_model, value)
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).strftime("%d %b %Y %H:%M")
        if isinstance(value, datetime.date):
            return value.strftime("%d %b %Y")
        if isinstance(value, Decimal) and f.decimal_places == 2:
            code = "USD" if f.name.endswith("_usd") else self.currency(record, f)
            if code:
                return str(Money(value, code))
            # A count or a measure, shown as the pages show it: 25, 12.5.
            return f"{value:,.2f}".removesuffix(".00")
        if isinstance(value, Decimal):
            # Rates keep their eight places in the database; a reader wants 1.12, not 1.12000000.
            return f"{value.normalize():f}"
        return str(value)

    def short(self, record, f: models.Field) -> str:
        if f.is_relation and not f.many_to_many:
            pk = getattr(record, f.attname)
            return "—" if pk is None else self.labels.short(f.related_model, pk)
        return self.display(record, f)

    def name(self, record) -> str:
        fields = {f.name: f for f in type(record).tracked_fields}
        template = NAMES.get(record.instance_type._meta.label_lower)
        if template is None:
            template = "{code}" if "code" in fields else ""
        wanted = [name for _, name, _, _ in string.Formatter().parse(template) if name]
        return template.format(**{name: self.short(record, fields[name]) for name in wanted})

    def changes(self, previous, row) -> tuple[FieldChange, ...]:
        if row.history_type == "-":
            return ()
        found = []
        hidden = self.hidden.get(row.instance_type, ())
        for f in self.fields[type(row)]:
            if f.name in hidden:
                continue
            old, new = self.display(previous, f), self.display(row, f)
            if new != old:
                found.append(FieldChange(field_label(f), old, new))
        return tuple(found)


def _entry(reader: _Reader, act: list[Any], previous) -> HistoryEntry:
    first, last = act[0], act[-1]
    if first.history_type == "+":
        action, previous = "Created", None
    else:
        action = ACTIONS.get(last.history_type, last.history_type)
    model = first.instance_type
    name = reader.name(last)
    noun = _acronyms(str(model._meta.verbose_name))
    return HistoryEntry(
        when=first.history_date,
        who=person_name(first.history_user),
        action=action,
        reason=_reason(act, action),
        subject=capfirst(model._meta.verbose_name),
        changes=reader.changes(previous, last),
        name=name,
        what=" ".join(part for part in (action, noun, name) if part),
    )


def _reason(act: list[Any], action: str) -> str:
    """Why, as given; a reason that only repeats the action ("Created") says nothing."""
    reason = next((r.history_change_reason for r in act if r.history_change_reason), "")
    return "" if reason.strip().rstrip(".").lower() == action.lower() else reason


def _same_act(reader: _Reader, act: list[Any], row) -> bool:
    """A save that sets many-to-many fields writes a row for the object, then one per
    field set, by the same person, changing nothing else: they read as one act."""
    first, last = act[0], act[-1]
    return (
        row.history_type == "~"
        and row.history_user_id == first.history_user_id
        and row.history_date - first.history_date <= _SAME_ACT
        # A reason given for the first row stays on the object for the rows that follow.
        and (row.history_change_reason or "") in ("", first.history_change_reason or "")
        # Bookkeeping included: a new save moves updated_at, a many-to-many row does not.
        and all(
            getattr(row, f.attname) == getattr(last, f.attname) for f in type(row).tracked_fields
        )
    )


def entries_from_records(
    records: Iterable[Any],
    *,
    limit: int = DEFAULT_LIMIT,
    hidden: Mapping[type[models.Model], Collection[str]] | None = None,
) -> list[HistoryEntry]:
    """History rows (of one or several objects, of one or several models) as readable
    entries, newest first. Each change is compared with the state of its own object
    before it. `hidden` names, per model, fields not listed among the changes (the key
    to the object the page is about, which every child would repeat)."""
    records = list(records)
    reader = _Reader(records, hidden or {})
    by_object: dict[tuple[type, Any], list[Any]] = defaultdict(list)
    for record in records:
        by_object[(record.instance_type, record.id)].append(record)
    entries: list[tuple[tuple, HistoryEntry]] = []
    for rows in by_object.values():
        rows.sort(key=lambda r: (r.history_date, r.history_id))
        acts: list[list[Any]] = []
        for row in rows:
            if acts and _same_act(reader, acts[-1], row):
                acts[-1].append(row)
            else:
                acts.append([row])
        previous = None
        for act in acts:
            entry = _entry(reader, act, previous)
            # A save that changed nothing readable (only bookkeeping) is left out,
            # unless it says why it happened.
            if entry.changes or entry.action != "Changed" or entry.reason:
                entries.append(((act[0].history_date, act[0].history_id), entry))
            previous = act[-1]
    entries.sort(key=lambda pair: pair[0], reverse=True)
    return [entry for _, entry in entries[:limit]]


def history_for(
    instance: models.Model,
    *,
    related: Sequence[str] = (),
    limit: int = DEFAULT_LIMIT,
    omit_parent_keys: bool = False,
) -> list[HistoryEntry]:
    """The object's history, with that of its children named in `related` (reverse
    foreign keys, e.g. ("disbursements", "allocations"), or paths to grandchildren, e.g.
    ("activities", "activities__targets")), deleted children included.

    omit_parent_keys: leave each child's key to its parent out of its changes, where the
    page is about that parent and every entry would repeat it ("Version: WP-1 v1")."""
    root = instance.history.select_related("history_user")
    records: list[Any] = list(root)
    # path -> (model, pks of every object that ever belonged there, their rows)
    levels: dict[str, tuple[type[models.Model], set[Any], list[Any]]] = {
        "": (type(instance), {instance.pk}, records)
    }

    def level(path: str) -> tuple[type[models.Model], set[Any], list[Any]]:
        if path not in levels:
            parent_path, _, name = path.rpartition("__")
            parent_model, parent_pks, _ = level(parent_path)
            rel = parent_model._meta.get_field(name)
            rows = list(
                rel.related_model.history.filter(
                    **{f"{rel.field.attname}__in": parent_pks}
                ).select_related("history_user")
            )
            levels[path] = (rel.related_model, {r.id for r in rows}, rows)
        return levels[path]

    hidden: dict[type[models.Model], set[str]] = defaultdict(set)
    for path in dict.fromkeys(related):
        records += level(path)[2]
        if omit_parent_keys:
            parent_path, _, name = path.rpartition("__")
            rel = levels[parent_path][0]._meta.get_field(name)
            hidden[rel.related_model].add(rel.field.name)
    return entries_from_records(records, limit=limit, hidden=hidden)


def entries_for_rows(
    rows: Sequence[Any], previous: Mapping[tuple[type, Any], Any]
) -> list[HistoryEntry]:
    """Each history row as an entry of its own, in the order given, compared with the row
    before it of the same object: `previous[(type(row), row.history_id)]`, absent for a
    creation. For pages that list rows of many objects a page at a time (the audit page),
    where the rows before a page's rows are not on the page."""
    rows = list(rows)
    reader = _Reader(rows + list(previous.values()), {})
    return [_entry(reader, [row], previous.get((type(row), row.history_id))) for row in rows]
