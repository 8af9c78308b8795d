"""One overall monthly disbursement report, generated in this process (one worker) or with
its per-donor sections split between two forked processes (two workers), the way the
Celery tasks split them: plan the sections, store each, assemble once the last is in.

Run by `make bench` as a child process; prints {"seconds", "peak_mb", ...} as JSON.
Celery itself is left out: its broker would add waiting, not work, to the figure.
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
from django.utils import timezone  # noqa: E402

from reports import services, tasks  # noqa: E402
from reports.models import Report  # noqa: E402
from reports.signals import report_published  # noqa: E402

MONTH = (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))


def _sections(report_id: int, token: str, donors: list[int], out) -> None:
    connection.close()  # a forked child must not share the parent's connection
    assembly = None
    for donor_id in donors:
        assembly = (
            services.report_section_store(report_id=report_id, token=token, donor_id=donor_id)
            or assembly
        )
    out.put(assembly)


def run(workers: int) -> dict:
    # Delivery (e-mail to subscribers) is not part of generating; keep it off the broker.
    report_published.disconnect(tasks._deliver_when_published)
    Report.objects.filter(kind="disbursement", donor=None, period_start=MONTH[0]).delete()
    report = Report.objects.create(
        kind="disbursement",
        period_start=MONTH[0],
        period_end=MONTH[1],
        requested_at=timezone.now(),
    )
    started = time.perf_counter()
    token = services.report_claim(report_id=report.pk).token
    if workers == 1:
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
        assembly = [queue.get() for _ in children]
        for child in children:
            child.join()
        token = next(t for t in assembly if t)
        services.report_generate(report_id=report.pk, token=token)
    seconds = time.perf_counter() - started
    report.refresh_from_db()
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return {
        "workers": workers,
        "seconds": round(seconds, 1),
        "peak_mb": round(peak_kb / 1024),
        "status": report.status,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    json.dump(run(args.workers), sys.stdout)
