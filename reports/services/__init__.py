"""Writes for reports, one module per use case: request one (requesting, and the
schedules' runs in scheduling), generate it under a lease lock (generating, lease), store
its files (files), send it (delivering), and keep it moving when a worker or the broker
fails (sweeping).

The services decide and record; what must happen on Celery is announced after commit
(reports.signals) for reports.tasks to queue, so the services never import the tasks.
Every public name is re-exported here: callers import `reports.services`.
"""

from reports.services.alerting import alerts_daily, alerts_date_driven_create
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
    report_follow_up_start,
    report_progress,
    report_release,
)
from reports.services.period_check import report_period_check
from reports.services.requesting import report_request
from reports.services.scheduling import (
    reports_request_previous_month,
    reports_request_previous_quarter,
)
from reports.services.sweeping import QueueUnavailable, Sweep, report_unsent, reports_sweep

__all__ = [
    "TRANSIENT_ERRORS",
    "Claim",
    "LockLost",
    "QueueUnavailable",
    "Sweep",
    "alerts_daily",
    "alerts_date_driven_create",
    "download_name",
    "failure_reason",
    "report_claim",
    "report_deliver",
    "report_fail",
    "report_follow_up_start",
    "report_generate",
    "report_period_check",
    "report_progress",
    "report_release",
    "report_request",
    "report_section_store",
    "report_sections_plan",
    "report_unsent",
    "reports_request_previous_month",
    "reports_request_previous_quarter",
    "reports_sweep",
    "subscription_set",
]
