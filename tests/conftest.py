import itertools
import os

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.servers.basehttp import WSGIRequestHandler
from django.db import connection, transaction
from pytest_django.plugin import blocking_manager_key

from organisations.models import Role
from tests.factories import user_with_role

REQUIRE_REAL_SERVICES = os.environ.get("CTPORTAL_REQUIRE_REAL_SERVICES") == "1"

# pytest-django's live server (Django's WSGIRequestHandler) keeps HTTP/1.1 connections alive
# and writes each answer in pieces (headers, then body). With Nagle's algorithm on, the later
# piece waits for the client to acknowledge the first, which Linux delays by up to 40 ms: the
# schema check's thousand-odd requests spent more than half their time waiting (49 s -> 20 s
# with it off). Only the test process's server is changed.
WSGIRequestHandler.disable_nagle_algorithm = True


# Tests served by pytest-django's live server (one per worker), in groups that each run on
# one worker, one test at a time: the browser tests together, as tests/browser/conftest.py
# asks (two Chromiums at once on a shared machine race their own timeouts, and a live
# server's request threads outlive their test), and the API's schema check by itself. They
# are the longest work and mostly wait on another process (Chromium, the schemathesis CLI),
# so they are handed out first, in this order, and the other workers share the rest.
LIVE_SERVER_GROUPS = {
    "tests/browser/": "browser tests",
    "tests/api/test_schemathesis.py": "schema check",
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`make test` runs several workers (`-n`): the live-server groups first, then every
    other test one by one in the order pytest-django sorts them (rolled-back tests first,
    then those that commit). A test that commits leaves the migrated rows behind it
    (`pytest_runtest_teardown`), so a worker may run rolled-back tests after the browser
    tests. (xdist's own loadgroup would group, but its marks do not reach the scheduler
    under pytest 9.2, and it would not put the groups first.)"""
    if config.getvalue("dist") != "load":
        return None
    from collections import OrderedDict

    from xdist.scheduler import LoadScopeScheduling

    first = list(LIVE_SERVER_GROUPS.values())

    class GroupsFirst(OrderedDict):
        def __setitem__(self, scope, tests):
            super().__setitem__(scope, tests)
            for group in reversed(first):
                if group in self:
                    self.move_to_end(group, last=False)

    class LiveServerGroupsFirst(LoadScopeScheduling):
        def __init__(self, config, log=None):
            super().__init__(config, log)
            self.workqueue = GroupsFirst()

        def _split_scope(self, nodeid: str) -> str:
            for prefix, group in LIVE_SERVER_GROUPS.items():
                if nodeid.startswith(prefix):
                    return group
            return nodeid

    config.option.loadscopereorder = False
    return LiveServerGroupsFirst(config, log)


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


_built_per_module: set[str] = set()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """In each run of one module's tests (as pytest-django ordered them), those that do not
    use a fixture of built_per_module first: the built rows stay until the module ends."""

    def uses_built(item) -> bool:
        return not _built_per_module.isdisjoint(getattr(item, "fixturenames", ()))

    ordered = []
    for _module, run in itertools.groupby(items, key=lambda item: getattr(item, "module", None)):
        ordered.extend(sorted(run, key=uses_built))
    items[:] = ordered


def built_per_module(build, *, name: str):
    """A module-scoped fixture named `name`: `build()` run once for the module's tests, in a
    transaction rolled back after them. Each test's own transaction is a savepoint inside
    it, rolled back to the built rows, as Django's TestCase.setUpTestData does. Hand it to
    tests through a function fixture that also asks for `db` and deep-copies it, so that an
    object a test changes in memory is not the next test's. A module that uses it holds no
    test that commits (`pytest_runtest_setup` refuses one), and its tests that do not ask
    for the fixture run before those that do (`pytest_collection_modifyitems`)."""
    _built_per_module.add(name)

    @pytest.fixture(scope="module", name=name)
    def built(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            try:
                made = build()
            except BaseException:
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)
                raise
        yield made
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)

    return built


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


class TableRows:
    """Rows of some tables, kept in memory and written back raw, with their primary keys."""

    def __init__(self, tables: list[tuple], database: str | None = None):
        self.tables = tables  # (model, [instances]) for every table with rows
        self.database = database  # the test database they were copied from

    def restore(self) -> None:
        """Write the rows into the current test database (one transaction, so the
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


class DemoSnapshot(TableRows):
    """The rows `load_demo` writes into an empty test database, copied once per session.

    `load_demo` replays eight years through the services (about 1.5 s a run); writing its
    rows back takes a few milliseconds. The copy is exact: the same primary keys, and the
    dates the demo backdates (an approval, a transition's `at`) are kept, since the rows
    are inserted raw, as loaddata does, without the fields' auto_now."""

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


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker) -> DemoSnapshot:
    with django_db_blocker.unblock():
        return DemoSnapshot.take()


@pytest.fixture
def demo(db, demo_snapshot):
    """The demo data, as `manage.py load_demo` leaves an empty database (restored from the
    session's copy; tests of the command itself run it)."""
    demo_snapshot.restore()


# --- Tests that commit -----------------------------------------------------------------


def _commits(item) -> bool:
    """Whether pytest-django runs the test outside a transaction and flushes after it."""
    marker = item.get_closest_marker("django_db")
    transaction_asked = bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    return transaction_asked or "transactional_db" in getattr(item, "fixturenames", ())


_migrated: list[TableRows] = []


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database as migrations leave it, and a copy of its rows (the reports'
    schedules, content types, permissions)."""
    with django_db_blocker.unblock():
        tables = [(model, list(rows.values())) for model in _tables() if (rows := _rows(model))]
        _migrated[:] = [TableRows(tables, database=connection.settings_dict["NAME"])]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    set_up = yield
    if _commits(item) and connection.in_atomic_block:
        pytest.fail(
            "A test that commits ran inside a transaction a module keeps open "
            "(built_per_module): move it to a module of its own."
        )
    return set_up


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test that commits, pytest-django empties every table (the migrations' rows
    too, and content types and permissions come back with new keys). Put the database
    back as migrations left it, so that any test may follow on this worker. (After the
    last test the test database is gone and the connection names the real one again.)"""
    yield
    if nextitem is not None and _commits(item) and _migrated:
        with item.config.stash[blocking_manager_key].unblock():
            migrated_rows_put_back()


def migrated_rows_put_back() -> None:
    """Empty the tables that hold rows after pytest-django's flush (those its post_migrate
    filled again: content types and permissions, under new keys) and write back the rows
    the migrations left, with their keys. Deleting the few rows is far cheaper than a second
    flush: on PostgreSQL, truncating every table again took most of a second."""
    if connection.settings_dict["NAME"] != _migrated[0].database:
        raise RuntimeError("The rows were copied from another database.")
    with transaction.atomic():
        with connection.cursor() as cursor:
            for table in _tables_with_rows(cursor):
                # The foreign keys are checked at commit, so the order does not matter.
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        _migrated[0].restore()
    ContentType.objects.clear_cache()


def _tables_with_rows(cursor) -> list[str]:
    """The tables of `_tables()` that are not empty, asked in one query."""
    tables = [model._meta.db_table for model in _tables()]
    cursor.execute(
        " UNION ALL ".join(
            f"SELECT {index} WHERE EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})"
            for index, table in enumerate(tables)
        )
    )
    return [tables[index] for (index,) in cursor.fetchall()]
