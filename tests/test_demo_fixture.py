"""The `demo` fixture (tests/conftest.py) writes back a copy of what load_demo wrote once per
session; the tests that use it are only as good as that copy. Here the copy and a real run
of the command, each on an empty database, hold the same rows in every table."""

import datetime
import uuid

from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from ctportal.demo import data
from tests.conftest import _tables


def _everything() -> dict[str, list[tuple]]:
    """Every row of every table, in the order written, comparable between two loads: keys
    (own and foreign) as the row's place in its table, since PostgreSQL's sequences do not
    go back; times of the last day (load_demo's "now": a row's created_at, a user's
    date_joined) as "now"; a password hash (salted) as whether it is the demo password; a
    random identifier (an activity's lineage) by where it first appears."""
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

    def comparable(field, value):
        if field.primary_key and not field.is_relation:
            return ("row", place[field.model][value])
        if field.is_relation and value is not None:
            target = field.related_model._meta.concrete_model
            return ("row of", target._meta.label, place[target][value])
        if field.attname == "password" and value:
            return ("demo password", check_password(data.DEMO_PASSWORD, value))
        if isinstance(value, datetime.datetime) and value > cutoff:
            return "now"
        if isinstance(value, uuid.UUID):
            return ("identifier", identifiers.setdefault(value, len(identifiers)))
        return value

    return {
        model._meta.label: [
            tuple(
                comparable(field, getattr(obj, field.attname))
                for field in model._meta.local_concrete_fields
            )
            for obj in model._base_manager.order_by("pk")
        ]
        for model in models
    }


def test_the_demo_fixture_holds_exactly_the_rows_load_demo_writes(db, demo_snapshot):
    empty = _everything()
    with transaction.atomic():
        demo_snapshot.restore()
        copied = _everything()
        transaction.set_rollback(True)
    assert _everything() == empty

    call_command("load_demo", verbosity=0)
    loaded = _everything()

    assert copied == loaded
    written = {label for label, rows in loaded.items() if rows != empty[label]}
    assert {"donors.FundingAgreement", "workplans.ProgressUpdate", "auth.User"} <= written
    assert {model._meta.label for model, _rows in demo_snapshot.tables} == written
