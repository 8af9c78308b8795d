"""The app's knobs: a Django setting wins, else the environment, else the default.

The environment is read too so a worker started for a test (or an operator's shell) can
slow generation down or shorten the lock lease without a settings module of its own.
"""

import os

from django.conf import settings


def _number(name: str, default: float) -> float:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, "")
    return float(value) if value not in ("", None) else default


def lease_seconds() -> float:
    """How long a run owns a report without a sign of life before another may take it."""
    return _number("REPORTS_LOCK_LEASE_SECONDS", 120)


def test_delay_seconds() -> float:
    """Extra time spread over the generation steps: only tests set it, to kill a worker
    in the middle of a report."""
    return _number("REPORTS_TEST_DELAY_SECONDS", 0)


def fan_out_min_donors() -> int:
    """An overall disbursement report run by Celery computes each donor's section in its
    own task once it spans at least this many donors."""
    return int(_number("REPORTS_FAN_OUT_MIN_DONORS", 2))


def longest_run_seconds() -> float:
    """The longest a report task may run: Celery stops it then (REPORTS_LONGEST_RUN_SECONDS;
    the broker's visibility timeout is set a margin above it, ctportal.settings.base)."""
    return _number("REPORTS_LONGEST_RUN_SECONDS", 1800)


def lost_after_seconds() -> float:
    """A queued report whose message left this long ago with no run claiming it is taken
    for lost (a Redis restart keeps nothing) and sent again by the sweeper; longer than
    the longest retry countdown (reports.tasks, 300 s) so a waiting retry is not doubled."""
    return _number("REPORTS_LOST_AFTER_SECONDS", 600)


def max_attempts() -> int:
    """Runs of one generation (retries included) after which the sweeper
    marks a silent report failed instead of queueing it again: one that kills its worker
    every time must not do so forever."""
    return int(_number("REPORTS_MAX_ATTEMPTS", 8))
