"""Where a report's files are stored and what they are called when downloaded.

Each generation is written under reports/<id>/ with the run's token in its name, so a run
that dies between writing and publishing leaves a file no record points at; the next
publication sweeps those away with the previous generation's files.
"""

import logging

from django.core.files.storage import default_storage

from reports.models import Report

logger = logging.getLogger(__name__)


def stored_file_name(report: Report, token: str, extension: str) -> str:
    """The storage path of one file of this run of the report."""
    scope = (
        report.workplan.code
        if report.workplan_id
        else report.donor.short_name
        if report.donor_id
        else "all-donors"
    )
    period = (
        f"{report.period_start:%Y-%m}"
        if report.kind == Report.Kind.DISBURSEMENT
        else f"q{report.quarter}"
    )
    slug = "".join(c if c.isalnum() or c == "-" else "-" for c in f"{scope}-{period}").lower()
    return f"reports/{report.pk}/{report.kind}-{slug}-g{report.generation}-{token[:8]}.{extension}"


def download_name(report: Report, extension: str) -> str:
    """The name a downloaded file gets: portal, kind, scope, period."""
    name = stored_file_name(report, "x" * 8, extension).split("/")[-1]
    return "ctportal-" + name.replace(f"-g{report.generation}-xxxxxxxx", "")


def files_sweep(report_id: int, keep: set[str]) -> None:
    """Delete every file of the report but the current ones (older generations, and what
    a run killed between writing and publishing left behind)."""
    folder = f"reports/{report_id}"
    try:
        _, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        path = f"{folder}/{name}"
        if path not in keep:
            default_storage.delete(path)


def files_delete(names: list[str]) -> None:
    """Delete what a run wrote before it failed; a file that will not go is left to the
    next sweep."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not delete %s", name)
