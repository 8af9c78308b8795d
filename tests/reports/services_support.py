"""Helpers shared by the test_services.py split modules."""

import datetime
from unittest import mock

from django.core.files.storage import default_storage

from donors.selectors_funding import FundingFilters, funding_summary
from reports import services
from reports.models import Report
from reports.services import generating, requesting
from tests.reports.conftest import (
    MONTH_END,
)


def _generate(**kwargs) -> Report:
    with mock.patch.object(requesting, "_enqueue"):
        report = services.report_request(**kwargs)
    with mock.patch.object(generating, "_enqueue_delivery"):
        return services.report_generate(report_id=report.pk)


def _files_on_disk(report: Report) -> list[str]:
    try:
        return sorted(default_storage.listdir(f"reports/{report.pk}")[1])
    except FileNotFoundError:
        return []


def _summary(user, **filters):
    return funding_summary(
        user=user,
        group_by="agreement",
        filters=FundingFilters(date_to=MONTH_END, **filters),
        today=MONTH_END + datetime.timedelta(days=1),
    )
