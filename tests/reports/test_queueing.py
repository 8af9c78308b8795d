"""The services announce, the tasks queue: requesting a report queues its generation, and
publishing a generation queues its delivery, without reports.services importing
reports.tasks (tests/test_import_direction.py keeps it so)."""

from unittest import mock

import pytest

from ctportal.exceptions import DomainError
from reports import services
from reports.models import Report
from reports.services import requesting
from tests.reports.conftest import MONTH

pytestmark = pytest.mark.django_db


def test_a_published_generation_queues_its_delivery_on_commit(
    users, django_capture_on_commit_callbacks
):
    with mock.patch.object(requesting, "_enqueue"):
        report = services.report_request(kind="disbursement", month=MONTH, user=users["manager"])
    with (
        mock.patch("reports.tasks.report_deliver_task.apply_async") as deliver,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.report_generate(report_id=report.pk)
    deliver.assert_called_once_with(kwargs={"report_id": report.pk, "generation": 1})
    assert Report.objects.get(pk=report.pk).status == Report.Status.DONE


def test_a_request_rolled_back_queues_nothing(users, django_capture_on_commit_callbacks):
    with (
        mock.patch("reports.tasks.report_generate_task.apply_async") as generate,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(DomainError),
    ):
        services.report_request(kind="disbursement", user=users["manager"])
    generate.assert_not_called()
    assert not Report.objects.exists()
