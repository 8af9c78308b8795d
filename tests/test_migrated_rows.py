"""A test that commits is followed by pytest-django's flush, which empties every table,
the migrations' own rows included (the reports' schedules), and makes
content types and permissions again under new keys. tests/conftest.py writes the migrated
rows back after such a test, so that a rolled-back test may run after the browser tests on
the same worker. Here the database after a flush and the put-back is the migrated one."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from tests.conftest import _rows, _tables, _values, migrated_rows_put_back


def _everything() -> dict[str, dict]:
    return {
        model._meta.label: {pk: _values(obj) for pk, obj in _rows(model).items()}
        for model in _tables()
    }


@pytest.mark.django_db(transaction=True)
def test_after_a_flush_the_migrated_rows_come_back_under_their_own_keys():
    migrated = _everything()
    schedules = set(PeriodicTask.objects.values_list("name", "crontab__hour", "enabled"))
    assert schedules
    assert Permission.objects.exists()

    # What pytest-django does after a test that commits.
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)
    assert not PeriodicTask.objects.exists()
    assert ContentType.objects.exists()  # made again by post_migrate

    migrated_rows_put_back()

    assert _everything() == migrated
    assert set(PeriodicTask.objects.values_list("name", "crontab__hour", "enabled")) == schedules
    # The content type cache answers with the keys that are in the table again.
    permission_type = ContentType.objects.get_for_model(Permission)
    assert permission_type.pk in migrated["contenttypes.ContentType"]
