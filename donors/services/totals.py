"""The month and year totals of tranches and expenditures (DisbursementMonth,
DisbursementYear, ExpenditureMonth, ExpenditureYear, ExpenditureCategoryYear), kept with
the rows they sum (issue 14).

Every save or deletion of a tranche or an expenditure sums again the months and years it
touched, before and after the change, in the transaction of the write: signals, so that
no writer can forget it (the services, the admin through them, the rate revaluation, the
imports, load_demo, fixtures). The agreement's or the project's row is locked first, as
the services already lock it, so two writes into one month wait for each other and the
second sums after the first committed: a total is always the sum of the committed rows,
never a lost update. Each total is summed again from its rows rather than adjusted by a
difference, so it is right whatever it held before.

A write that saves many tranches of one agreement (the revaluation when its rate
changes) defers the totals with funding_totals_deferred and sums them once at the end.
Writes that bypass save() (COPY, bulk_create, QuerySet.update) call
funding_totals_rebuild() afterwards, as generate_scale_data does.
"""

import contextlib
import datetime
from collections.abc import Collection, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, DecimalField, Model, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth, TruncYear
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from ctportal import figures_cache
from donors.models import (
    TOTAL_DIGITS,
    Disbursement,
    DisbursementMonth,
    DisbursementYear,
    ExpenditureCategoryYear,
    ExpenditureMonth,
    ExpenditureYear,
    FundingAgreement,
)
from projects.models import Expenditure, Project


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of `day`'s month."""
    following = day.replace(day=28) + datetime.timedelta(days=4)
    return day.replace(day=1), following - datetime.timedelta(days=following.day)


def year_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of `day`'s year."""
    return day.replace(month=1, day=1), day.replace(month=12, day=31)


PERIODS = {"month": (month_of, TruncMonth), "year": (year_of, TruncYear)}


@dataclass(frozen=True)
class Totals:
    """One table of totals: the `rows` (tranches or expenditures) of each owner (agreement
    or project) summed per period of their dates (and per value of `groups`)."""

    model: type[Model]
    rows: type[Model]
    owner: str  # the foreign key on both the rows and the totals
    dates: tuple[tuple[str, str, str], ...]  # (field of the totals, of the rows, period)
    groups: tuple[str, ...]  # fields grouped as they are
    sums: tuple[tuple[str, str | None], ...]  # (field of the totals, summed field; None: count)

    @property
    def key_fields(self) -> tuple[str, ...]:
        """The fields of a row its key is made of."""
        return (f"{self.owner}_id", *(row for _, row, _ in self.dates), *self.groups)

    def key(self, values: tuple) -> tuple:
        """The key of the total a row with `values` (in key_fields order) counts in."""
        owner, *rest = values
        dates, groups = rest[: len(self.dates)], rest[len(self.dates) :]
        periods = tuple(
            PERIODS[period][0](value)[0] if value is not None else None
            for (_, _, period), value in zip(self.dates, dates, strict=True)
        )
        return (owner, *periods, *groups)

    def _unpack(self, key: tuple) -> tuple:
        return key[0], key[1 : 1 + len(self.dates)], key[1 + len(self.dates) :]

    def rows_q(self, keys: Iterable[tuple]) -> Q:
        """The rows counted in the totals `keys`."""
        q = Q()
        for key in keys:
            owner, periods, groups = self._unpack(key)
            part = Q(**{f"{self.owner}_id": owner}, **dict(zip(self.groups, groups, strict=True)))
            for (_, row, period), first in zip(self.dates, periods, strict=True):
                if first is None:
                    part &= Q(**{f"{row}__isnull": True})
                else:
                    part &= Q(**{f"{row}__range": PERIODS[period][0](first)})
            q |= part
        return q

    def totals_q(self, keys: Iterable[tuple]) -> Q:
        """The totals of `keys`."""
        q = Q()
        for key in keys:
            owner, periods, groups = self._unpack(key)
            part = Q(**{f"{self.owner}_id": owner}, **dict(zip(self.groups, groups, strict=True)))
            for (name, _, _), first in zip(self.dates, periods, strict=True):
                part &= Q(**{f"{name}__isnull": True} if first is None else {name: first})
            q |= part
        return q

    def write(self, rows: QuerySet) -> None:
        """INSERT the totals of `rows` in one statement (INSERT ... SELECT of their sums)."""
        dates = {f"p_{name}": PERIODS[period][1](row) for name, row, period in self.dates}
        sums = {
            f"s_{name}": Count("pk")
            if summed is None
            else Coalesce(Sum(summed), Value(0), output_field=DecimalField(**TOTAL_DIGITS))
            for name, summed in self.sums
        }
        grouped = rows.order_by().values(f"{self.owner}_id", *self.groups, **dates).annotate(**sums)
        columns = {
            self.owner: f"{self.owner}_id",
            **{name: f"p_{name}" for name, _, _ in self.dates},
            **{name: name for name in self.groups},
            **{name: f"s_{name}" for name, _ in self.sums},
        }
        sql, params = grouped.query.sql_with_params()
        qn = connection.ops.quote_name
        targets = ", ".join(qn(self.model._meta.get_field(name).column) for name in columns)
        sources = ", ".join(qn(name) for name in columns.values())
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {qn(self.model._meta.db_table)} ({targets}) "
                f"SELECT {sources} FROM ({sql}) sums",
                params,
            )

    def refresh(self, *, keys: Collection[tuple] = (), owners: Collection[int] = ()) -> None:
        """Sum again the totals `keys` and every total of `owners`."""
        keys = [key for key in set(keys) if key[0] not in owners]
        if keys:
            self.model.objects.filter(self.totals_q(keys)).delete()
            self.write(self.rows.objects.filter(self.rows_q(keys)))
        if owners:
            self.model.objects.filter(**{f"{self.owner}_id__in": sorted(owners)}).delete()
            self.write(self.rows.objects.filter(**{f"{self.owner}_id__in": sorted(owners)}))

    def rebuild(self) -> int:
        self.model.objects.all().delete()
        self.write(self.rows.objects.all())
        return self.model.objects.count()


_TRANCHE_SUMS = (
    ("tranches", None),
    ("planned_amount", "planned_amount"),
    ("planned_amount_usd", "planned_amount_usd"),
    ("received_amount", "received_amount"),
    ("received_amount_usd", "received_amount_usd"),
)
_SPENDING_SUMS = (("expenditures", None), ("amount_usd", "amount_usd"))


def _tranches(model: type[Model], period: str) -> Totals:
    dates = (
        (f"planned_{period}", "planned_date", period),
        (f"received_{period}", "received_date", period),
    )
    return Totals(model, Disbursement, "agreement", dates, (), _TRANCHE_SUMS)


TOTALS = (
    _tranches(DisbursementMonth, "month"),
    _tranches(DisbursementYear, "year"),
    Totals(
        ExpenditureMonth,
        Expenditure,
        "project",
        (("month", "spent_on", "month"),),
        (),
        _SPENDING_SUMS,
    ),
    Totals(
        ExpenditureYear, Expenditure, "project", (("year", "spent_on", "year"),), (), _SPENDING_SUMS
    ),
    Totals(
        ExpenditureCategoryYear,
        Expenditure,
        "project",
        (("year", "spent_on", "year"),),
        ("category",),
        _SPENDING_SUMS,
    ),
)
# Whose row the services lock before writing a tranche or an expenditure, and its field.
_OWNERS = {Disbursement: (FundingAgreement, "agreement_id"), Expenditure: (Project, "project_id")}


def _moving(model: type[Model]) -> frozenset[str]:
    """The fields of a row whose change moves a total; a save(update_fields=...) of none
    of them (a tranche's notes) leaves the totals alone."""
    fields: set[str] = set()
    for t in TOTALS:
        if t.rows is model:
            fields |= {t.owner, *t.key_fields, *(summed for _, summed in t.sums if summed)}
    return frozenset(fields)


_MOVING = {model: _moving(model) for model in _OWNERS}


def _key_fields(model: type[Model]) -> tuple[str, ...]:
    """The fields of a row that every one of its totals' keys is made of."""
    fields: list[str] = []
    for totals in TOTALS:
        if totals.rows is model:
            fields += [f for f in totals.key_fields if f not in fields]
    return tuple(fields)


def funding_totals_refresh(
    *,
    rows: dict[type[Model], Collection[dict]] | None = None,
    agreements: Collection[int] = (),
    projects: Collection[int] = (),
) -> None:
    """Sum again, from the rows, every total that the `rows` (the key fields of tranches
    and expenditures, as they are or were) count in, and every total of `agreements`
    (tranches) and `projects` (expenditures), under the agreements' and projects' row
    locks (taken in key order)."""
    rows = rows or {}
    owners = {Disbursement: set(agreements), Expenditure: set(projects)}
    with transaction.atomic(savepoint=False):
        for model, (owner_model, owner_field) in _OWNERS.items():
            touched = rows.get(model, ())
            everything = owners[model]
            locked = {values[owner_field] for values in touched} | everything
            if not locked:
                continue
            list(
                owner_model.objects.select_for_update()
                .filter(pk__in=sorted(locked))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for totals in TOTALS:
                if totals.rows is model:
                    keys = {
                        totals.key(tuple(values[f] for f in totals.key_fields))
                        for values in touched
                    }
                    totals.refresh(keys=keys, owners=everything)


@transaction.atomic
def funding_totals_rebuild() -> dict[str, int]:
    """Every total summed again from every row (after a bulk load); the totals written."""
    written = {totals.model._meta.label: totals.rebuild() for totals in TOTALS}
    figures_cache.data_changed()  # the rebuild writes in SQL, past the models' signals
    return written


# --- Deferring the totals over a write of many rows ------------------------------------------


@dataclass
class _Deferred:
    agreements: set[int] = field(default_factory=set)
    projects: set[int] = field(default_factory=set)


_deferred: ContextVar[_Deferred | None] = ContextVar("funding_totals_deferred", default=None)


@contextlib.contextmanager
def funding_totals_deferred(
    *, agreements: Iterable[int] = (), projects: Iterable[int] = ()
) -> Iterator[None]:
    """Inside, saving or deleting a tranche of `agreements` or an expenditure of
    `projects` leaves the totals alone; at the end every total of them is summed again,
    once (in the same transaction: use it inside the write's atomic block). Nothing is
    summed if the block raises: its transaction is rolled back anyway."""
    outer = _deferred.get()
    deferred = _Deferred(set(agreements), set(projects))
    if outer is not None:
        deferred.agreements |= outer.agreements
        deferred.projects |= outer.projects
    token = _deferred.set(deferred)
    try:
        yield
    finally:
        _deferred.reset(token)
    funding_totals_refresh(
        agreements=deferred.agreements - (outer.agreements if outer else set()),
        projects=deferred.projects - (outer.projects if outer else set()),
    )


def _is_deferred(instance: Model) -> bool:
    deferred = _deferred.get()
    if deferred is None:
        return False
    if isinstance(instance, Disbursement):
        return instance.agreement_id in deferred.agreements
    return instance.project_id in deferred.projects


# --- The signals ------------------------------------------------------------------------------

_BEFORE = "_funding_totals_before"


def _remember(sender, instance: Model, raw: bool = False, update_fields=None, **kwargs) -> None:
    """Before a save or a deletion: the key fields of the row as the database holds it
    (the instance in hand may be stale), or None when the totals are left alone."""
    instance.__dict__[_BEFORE] = None
    if raw or _is_deferred(instance):
        return  # raw: a fixture's rows come with their totals (or call the rebuild)
    if update_fields is not None and not set(update_fields) & _MOVING[sender]:
        return
    stored: list[dict] = []
    if instance.pk is not None:
        stored = list(sender._base_manager.filter(pk=instance.pk).values(*_key_fields(sender)))
    instance.__dict__[_BEFORE] = stored


def _saved(sender, instance: Model, **kwargs) -> None:
    stored = instance.__dict__.pop(_BEFORE, None)
    if stored is None:
        return
    now = {name: getattr(instance, name) for name in _key_fields(sender)}
    funding_totals_refresh(rows={sender: [*stored, now]})


def _deleted(sender, instance: Model, **kwargs) -> None:
    stored = instance.__dict__.pop(_BEFORE, None)
    if stored:
        funding_totals_refresh(rows={sender: stored})


def connect() -> None:
    for model in _OWNERS:
        name = model._meta.label_lower
        pre_save.connect(_remember, sender=model, dispatch_uid=f"funding_totals_pre_save_{name}")
        post_save.connect(_saved, sender=model, dispatch_uid=f"funding_totals_save_{name}")
        pre_delete.connect(_remember, sender=model, dispatch_uid=f"funding_totals_pre_del_{name}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"funding_totals_del_{name}")
