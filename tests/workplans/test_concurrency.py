"""Row locks under real concurrency (PostgreSQL): two saves of one progress update based on
the same revision, and an activity added while its version is being submitted."""

import threading
import time

import pytest
from django.db import connection

from ctportal.exceptions import DomainError
from tests.factories import ActivityFactory, OutputFactory, WorkplanVersionFactory
from tests.workplans import approved_version, counterpart, counterpart_user, planned_activity
from workplans.models import Activity, ProgressUpdate, WorkplanVersion
from workplans.services import activity_create, progress_update_save, version_submit
from workplans.services import progress as progress_module
from workplans.services import versions as versions_module

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    """Run each call in its own thread (and connection); return what each returned or raised."""
    results: list = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def worker(index, call):
        try:
            start.wait()
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def slowed(function, seconds=0.3):
    """`function`, taking its time, so the other thread arrives while the lock is held."""

    def wrapper(*args, **kwargs):
        time.sleep(seconds)
        return function(*args, **kwargs)

    return wrapper


def test_two_saves_on_the_same_revision_one_wins_the_other_is_stale(require_postgres, monkeypatch):
    lead = counterpart("CTD-PB")
    activity = planned_activity(approved_version(), lead=lead)
    first, second = counterpart_user(lead), counterpart_user(lead)
    progress_update_save(
        activity=activity, quarter=1, user=first, status="on_track", percent_complete=10
    )
    monkeypatch.setattr(
        progress_module, "_status_validate", slowed(progress_module._status_validate)
    )

    def save(user, percent):
        return lambda: progress_update_save(
            activity=activity,
            quarter=1,
            user=user,
            status="on_track",
            percent_complete=percent,
            expected_revision=1,
        )

    results = run_together(save(first, 30), save(second, 60))

    saved = [r for r in results if isinstance(r, ProgressUpdate)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(saved) == 1
    assert [e.domain_code for e in refused] == ["stale_revision"]
    update = ProgressUpdate.objects.get()
    assert (update.revision, update.percent_complete) == (2, saved[0].percent_complete)


def test_an_activity_cannot_slip_into_a_version_being_submitted(
    require_postgres, monkeypatch, manager
):
    version = WorkplanVersionFactory()
    ActivityFactory(version=version)
    monkeypatch.setattr(versions_module, "save_audited", slowed(versions_module.save_audited))
    output, lead = OutputFactory(), counterpart("CTD-SD")

    def submit():
        return version_submit(version=version, user=manager)

    def add():
        time.sleep(0.1)  # the submission takes its locks first
        return activity_create(
            version=version,
            code="LATE",
            title="Late",
            output=output,
            lead_counterpart=lead,
            user=manager,
        )

    submitted, added = run_together(submit, add)

    assert isinstance(submitted, WorkplanVersion)
    assert isinstance(added, DomainError)
    assert added.domain_code == "version_frozen"
    assert not Activity.objects.filter(code="LATE").exists()
