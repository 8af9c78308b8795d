"""The `demo` fixture (tests/conftest.py) writes back a copy of what load_demo wrote once per
session; the tests that use it are only as good as that copy. Here the copy and a real run
of the command, each on an empty database, hold the same rows in every table."""

import datetime
import uuid

from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import models as django_models
from django.db import transaction
from django.utils import timezone

from ctportal.demo import data
from tests.conftest import _tables


def _everything() -> dict[str, list[tuple]]:
    """Every row of every table, in the order written, comparable between two loads: keys
    (own and foreign) as the row's place in its table, since PostgreSQL's sequences do not
    go back; times of the last day (load_demo's "now": a row's created_at, a user's
    date_joined) as "now"; a password hash (salted) as whether it is the demo password; a
    random identifier (an activity's lineage) by where it first appears. Many-to-many
    rows (and their history) are written in the order of a set of keys, so they are
    compared as a sorted list without their own ids."""
    cutoff = timezone.now() - datetime.timedelta(days=1)
    models = _tables()
    place = {
        model: {
            pk: n
            for n, pk in enumerate(model._base_manager.order_by("pk").values_list("pk", flat=True))
        }
        for model in models
    }

    identifiers: dict[uuid.UUID, int] = {}

    def target(field):
        """The table a field's value points into: a foreign key's, or, in a history table,
        the recorded object's own table (its key is a plain column there)."""
        if field.is_relation:
            return field.related_model._meta.concrete_model
        recorded = getattr(field.model, "instance_type", None)
        if recorded is not None and field.name == recorded._meta.pk.name:
            return recorded._meta.concrete_model
        return None

    def comparable(field, value):
        if field.primary_key and not field.is_relation and not isinstance(value, uuid.UUID):
            return ("row", place[field.model][value])
        if value is not None and target(field) is not None:
            table = target(field)
            return ("row of", table._meta.label, place[table].get(value, "gone"))
        if field.attname == "password" and value:
            return ("demo password", check_password(data.DEMO_PASSWORD, value))
        if isinstance(value, datetime.datetime) and value > cutoff:
            return "now"
        if isinstance(value, uuid.UUID):
            return ("identifier", identifiers.setdefault(value, len(identifiers)))
        return value

    def rows(model) -> list[tuple]:
        fields = model._meta.local_concrete_fields
        if isinstance(model._meta.pk, django_models.UUIDField):
            # Keyed by a random identifier (VerifiedProgress by lineage): its key order is
            # random too, so its rows are compared as a sorted list.
            return sorted(
                (
                    tuple(comparable(field, getattr(obj, field.attname)) for field in fields)
                    for obj in model._base_manager.all()
                ),
                key=repr,
            )
        if not _many_to_many(model):
            return [
                tuple(comparable(field, getattr(obj, field.attname)) for field in fields)
                for obj in model._base_manager.order_by("pk")
            ]
        fields = [f for f in fields if f.is_relation or not (f.primary_key or f.name == "id")]
        unordered = [
            tuple(comparable(field, getattr(obj, field.attname)) for field in fields)
            for obj in model._base_manager.all()
        ]
        return sorted(unordered, key=repr)

    return {model._meta.label: rows(model) for model in models}


def _many_to_many(model) -> bool:
    """A many-to-many table, or django-simple-history's record of one."""
    return bool(model._meta.auto_created) or model._meta.pk.name == "m2m_history_id"


def test_the_demo_fixture_holds_exactly_the_rows_load_demo_writes(db, demo_snapshot):
    empty = _everything()
    with transaction.atomic():
        demo_snapshot.restore()
        copied = _everything()
        transaction.set_rollback(True)
    assert _everything() == empty

    call_command("load_demo", verbosity=0, reports=False)
    loaded = _everything()

    assert copied == loaded
    written = {label for label, rows in loaded.items() if rows != empty[label]}
    assert {"donors.FundingAgreement", "workplans.ProgressUpdate", "auth.User"} <= written
    assert {model._meta.label for model, _rows in demo_snapshot.tables} == written
