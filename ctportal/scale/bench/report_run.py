"""One overall monthly disbursement report, made the way N Celery workers make it: plan
the donors' sections, store each (its figures and its parts of the documents) with the
donors split between N forked processes, then assemble in this process once the last is
in. One worker (N = 1) does all of it in turn, as one Celery worker would; --one-run
makes the report in one run instead (report_generate alone, as for fewer donors than
REPORTS_FAN_OUT_MIN_DONORS).

Run by `make bench` as a child process; prints {"seconds", "peak_mb", ...} as JSON, with
the seconds until the last section was stored and those of the assembly. Celery itself is
left out: its broker would add waiting, not work, to the figure.
"""

import argparse
import datetime
import json
import multiprocessing
import os
import resource
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctportal.settings.local")
django.setup()

from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from reports import services, tasks  # noqa: E402
from reports.models import Report  # noqa: E402
from reports.signals import report_published  # noqa: E402

MONTH = (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))


def _cpu_seconds() -> float:
    """This process's CPU time so far (a figure the other processes on the machine do
    not stretch, unlike the wall clock; the database's own work is not in it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _sections(report_id: int, token: str, donors: list[int], out) -> None:
    connection.close()  # a forked child must not share the parent's connection
    started = _cpu_seconds()
    assembly = None
    for donor_id in donors:
        assembly = (
            services.report_section_store(report_id=report_id, token=token, donor_id=donor_id)
            or assembly
        )
    out.put((assembly, _cpu_seconds() - started))


def run(workers: int, one_run: bool = False) -> dict:
    # Delivery (e-mail to subscribers) is not part of generating; keep it off the broker.
    report_published.disconnect(tasks._deliver_when_published)
    # A worker that has run a task before has its URL configuration loaded (the report's
    # alert links to it): about a second, once per process, that is not the report's.
    reverse("reports:report-detail", kwargs={"pk": 1})
    Report.objects.filter(kind="disbursement", donor=None, period_start=MONTH[0]).delete()
    report = Report.objects.create(
        kind="disbursement",
        period_start=MONTH[0],
        period_end=MONTH[1],
        requested_at=timezone.now(),
    )
    started = time.perf_counter()
    token = services.report_claim(report_id=report.pk).token
    sections_seconds = None
    if one_run:
        services.report_generate(report_id=report.pk, token=token)
    else:
        donors = services.report_sections_plan(report_id=report.pk, token=token)
        connection.close()
        queue = multiprocessing.get_context("fork").Queue()
        children = [
            multiprocessing.get_context("fork").Process(
                target=_sections, args=(report.pk, token, donors[i::workers], queue)
            )
            for i in range(workers)
        ]
        for child in children:
            child.start()
        done = [queue.get() for _ in children]
        for child in children:
            child.join()
        token = next(t for t, _ in done if t)
        sections_seconds = time.perf_counter() - started
        sections_cpu = sorted(round(cpu, 1) for _, cpu in done)
        assembly_cpu = _cpu_seconds()
        services.report_generate(report_id=report.pk, token=token)
        assembly_cpu = _cpu_seconds() - assembly_cpu
    seconds = time.perf_counter() - started
    report.refresh_from_db()
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    result = {
        "workers": workers,
        "seconds": round(seconds, 1),
        "peak_mb": round(peak_kb / 1024),
        "status": report.status,
    }
    if one_run:
        result["one_run"] = True
    else:
        result["sections_seconds"] = round(sections_seconds, 1)
        result["assembly_seconds"] = round(seconds - sections_seconds, 1)
        result["sections_cpu_seconds"] = sections_cpu  # each worker's
        result["assembly_cpu_seconds"] = round(assembly_cpu, 1)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--one-run", action="store_true", help="report_generate alone, without sections"
    )
    args = parser.parse_args()
    json.dump(run(args.workers, one_run=args.one_run), sys.stdout)
