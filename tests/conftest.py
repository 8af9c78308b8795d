import os

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

from organisations.models import Role
from tests.factories import user_with_role

REQUIRE_REAL_SERVICES = os.environ.get("CTPORTAL_REQUIRE_REAL_SERVICES") == "1"


# Tests served by pytest-django's live server (one per worker), in groups that each run on
# one worker, one test at a time: the browser tests together, as tests/browser/conftest.py
# asks (two Chromiums at once on a shared machine race their own timeouts, and a live
# server's request threads outlive their test), and the API's schema check by itself, so
# that it runs beside them on the other worker rather than after them.
LIVE_SERVER_GROUPS = {
    "tests/browser/": "browser tests",
    "tests/api/test_schemathesis.py": "schema check",
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`make test` runs two workers (`-n 2`): tests are handed out one by one, in the order
    pytest-django sorts them (rolled-back tests first, then those that commit and flush),
    except the live-server tests, handed out a group at a time. (xdist's own loadgroup
    would do this, but its marks do not reach the scheduler under pytest 9.2.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LiveServerTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            for prefix, group in LIVE_SERVER_GROUPS.items():
                if nodeid.startswith(prefix):
                    return group
            return nodeid

    # Keep the collection's order: sorting the work by size would start the browser tests
    # (which flush the database) before tests that need the migrations' rows.
    config.option.loadscopereorder = False
    return LiveServerTestsTogether(config, log)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded evidence and generated reports go to a throwaway folder per test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def require_postgres():
    """Row locks and concurrency need PostgreSQL; in CI its absence is a failure."""
    if connection.vendor != "postgresql":
        if REQUIRE_REAL_SERVICES:
            pytest.fail("This test needs PostgreSQL (set DATABASE_URL=postgres://...).")
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/x")


@pytest.fixture
def manager(db):
    return user_with_role(Role.PROGRAMME_MANAGER, username="manager")


@pytest.fixture
def ewg_secretary(db):
    return user_with_role(Role.EWG_SECRETARIAT, username="ewg")


@pytest.fixture
def administrator(db):
    return user_with_role(Role.ADMINISTRATOR, username="admin")


# --- The demo data ---------------------------------------------------------------------


def _tables() -> list:
    """Every table the project's models write, auto-created many-to-many ones included."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def _rows(model) -> dict:
    return {obj.pk: obj for obj in model._base_manager.order_by("pk")}


def _values(obj) -> tuple:
    return tuple(getattr(obj, f.attname) for f in obj._meta.local_concrete_fields)


class DemoSnapshot:
    """The rows `load_demo` writes into an empty test database, copied once per session.

    `load_demo` replays eight years through the services (about 1.5 s a run); writing its
    rows back takes a few milliseconds. The copy is exact: the same primary keys, and the
    dates the demo backdates (an approval, a transition's `at`) are kept, since the rows
    are inserted raw, as loaddata does, without the fields' auto_now."""

    def __init__(self, tables: list[tuple]):
        self.tables = tables  # (model, [instances]) for every table the demo wrote

    @classmethod
    def take(cls) -> "DemoSnapshot":
        """Load the demo in a transaction that is rolled back, keeping what it wrote.

        Refuses (fails the session's first demo test) if the demo changed or removed a row
        it did not write itself, such as a migration's: a copy of new rows would miss that."""
        models = _tables()
        tables = []
        with transaction.atomic():
            before = {model: _rows(model) for model in models}
            call_command("load_demo", verbosity=0, reports=False)
            for model in models:
                after = _rows(model)
                kept = {pk: _values(obj) for pk, obj in before[model].items()}
                changed = {pk for pk, values in kept.items() if pk not in after}
                changed |= {pk for pk in kept if pk in after and _values(after[pk]) != kept[pk]}
                if changed:
                    raise AssertionError(
                        f"load_demo changed {model._meta.label} rows it did not write "
                        f"({sorted(changed)[:5]}); the demo fixture copies new rows only."
                    )
                new = [obj for pk, obj in after.items() if pk not in kept]
                if new:
                    tables.append((model, new))
            transaction.set_rollback(True)
        return cls(tables)

    def restore(self) -> None:
        """Write the demo's rows into the current test database (one transaction, so the
        deferred foreign-key checks see every table; PostgreSQL's sequences then start
        after the copied keys, as loaddata leaves them)."""
        with transaction.atomic():
            for model, objs in self.tables:
                fields = model._meta.local_concrete_fields
                size = connection.ops.bulk_batch_size(fields, objs)
                for start in range(0, len(objs), size):
                    model._base_manager._insert(objs[start : start + size], fields, raw=True)
            statements = connection.ops.sequence_reset_sql(
                no_style(), [model for model, _objs in self.tables]
            )
            if statements:
                with connection.cursor() as cursor:
                    for sql in statements:
                        cursor.execute(sql)


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker) -> DemoSnapshot:
    with django_db_blocker.unblock():
        return DemoSnapshot.take()


@pytest.fixture
def demo(db, demo_snapshot):
    """The demo data, as `manage.py load_demo` leaves an empty database (restored from the
    session's copy; tests of the command itself run it)."""
    demo_snapshot.restore()
