"""Writes for reports, one module per use case: request one (requesting, and the
schedules' runs in scheduling), generate it under a lease lock (generating, lease), store
its files (files), send it (delivering).

The services decide and record; what must happen on Celery is announced after commit
(reports.signals) for reports.tasks to queue, so the services never import the tasks.
Every public name is re-exported here: callers import `reports.services`.
"""

from reports.services.delivering import report_deliver, subscription_set
from reports.services.files import download_name
from reports.services.generating import (
    TRANSIENT_ERRORS,
    report_generate,
    report_section_store,
    report_sections_plan,
)
from reports.services.lease import (
    Claim,
    LockLost,
    failure_reason,
    report_claim,
    report_fail,
    report_progress,
    report_release,
)
from reports.services.requesting import report_request
from reports.services.scheduling import (
    reports_request_previous_month,
    reports_request_previous_quarter,
)

__all__ = [
    "TRANSIENT_ERRORS",
    "Claim",
    "LockLost",
    "download_name",
    "failure_reason",
    "report_claim",
    "report_deliver",
    "report_fail",
    "report_generate",
    "report_progress",
    "report_release",
    "report_request",
    "report_section_store",
    "report_sections_plan",
    "reports_request_previous_month",
    "reports_request_previous_quarter",
    "subscription_set",
]
