"""Reports are checked against the demo data: the published figures the portal ships."""

import datetime
import io
import os
import signal
import subprocess
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import REQUIRE_REAL_SERVICES

# A month after every demo transaction: figures as at its end are the demo's totals.
MONTH = "2025-06"
MONTH_END = datetime.date(2025, 6, 30)


@pytest.fixture
def users(demo):
    User = get_user_model()
    return {u.username: u for u in User.objects.select_related("membership__organisation")}


def workbook(report):
    with report.xlsx.open("rb") as handle:
        return load_workbook(io.BytesIO(handle.read()))


def pdf_text(report) -> str:
    with report.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
        return "\n".join(page.extract_text() for page in reader.pages)


def pdf_pages(report) -> list[str]:
    with report.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
        return [page.extract_text() for page in reader.pages]


def sum_value(sheet, value):
    """A cell's value, with the report's own "=SUM(D2:D5,D7)" totals added up (as Decimal)
    from the cells they name, as a spreadsheet program would."""
    if not (isinstance(value, str) and value.startswith("=SUM(")):
        return value
    total = Decimal(0)
    for ref in value.removeprefix("=SUM(").removesuffix(")").split(","):
        cells = [c for row in sheet[ref] for c in row] if ":" in ref else [sheet[ref]]
        total += sum((Decimal(str(c.value)) for c in cells if c.value is not None), Decimal(0))
    return total


def rows(sheet) -> list[list]:
    """The table of a report sheet: its header (row 1), then every non-empty row, totals
    added up."""
    return [
        [sum_value(sheet, cell.value) for cell in row]
        for row in sheet.iter_rows()
        if any(cell.value is not None for cell in row)
    ]


def cell_decimal(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


# --- A real Celery worker on a real Redis, for the celery-marked tests -------------------

ROOT = Path(__file__).resolve().parents[2]
CELERY = ROOT / ".venv" / "bin" / "celery"


def _unavailable(reason: str):
    if REQUIRE_REAL_SERVICES:
        pytest.fail(reason)
    pytest.skip(reason)


def _redis_url() -> str:
    """TEST_REDIS_URL, or database 15 of the local Redis."""
    return os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"


@pytest.fixture
def celery_broker(transactional_db, settings):
    """Publishes this test's tasks to Redis, on a queue of its own; yields (url, queue).

    Needs PostgreSQL (the worker is another process and must see the test database) and
    Redis; without them the test is skipped, or fails when CTPORTAL_REQUIRE_REAL_SERVICES=1.
    """
    if connection.vendor != "postgresql":
        _unavailable("needs PostgreSQL shared with a worker process: set DATABASE_URL")
    import redis

    url = _redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        _unavailable(f"needs Redis at {url}: {error}")

    from ctportal.celery import app

    queue = f"reports-test-{uuid.uuid4().hex[:10]}"
    saved = {
        name: app.conf[name]
        for name in ("broker_url", "task_default_queue", "broker_transport_options")
    }

    def reset():
        # Celery caches the connection pool, the queues and the router: drop them so
        # the new configuration is read again (kombu keeps the pools themselves, per URL).
        app._pool = None
        for name in ("queues", "default_queue", "router", "_producer_pool", "producer_pool"):
            app.amqp.__dict__.pop(name, None)

    app.conf.update(broker_url=url, task_default_queue=queue, broker_transport_options={})
    reset()
    yield url, queue
    app.conf.update(**saved)
    reset()
    redis.Redis.from_url(url).delete(queue)


class Worker:
    """`celery -A ctportal worker --pool=solo` in a subprocess on the test's database."""

    def __init__(self, *, url: str, queue: str, log: Path, env: dict[str, str]):
        db = connection.settings_dict
        database_url = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
        from django.conf import settings

        self.log = log
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ctportal.settings.local",
            "DATABASE_URL": database_url,  # NAME is the test database's name
            "REDIS_URL": url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.args = [
            str(CELERY),
            "-A",
            "ctportal",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            f"{queue}-{uuid.uuid4().hex[:6]}@%h",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 40) -> "Worker":
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log.read_text(errors="replace"):
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"The worker did not start:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no ack, no cleanup."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture
def start_worker(celery_broker, tmp_path):
    """start_worker(**env) -> a running Worker; every worker is stopped after the test."""
    url, queue = celery_broker
    started: list[Worker] = []

    def start(**env) -> Worker:
        worker = Worker(
            url=url,
            queue=queue,
            log=tmp_path / f"worker-{len(started) + 1}.log",
            env={k: str(v) for k, v in env.items()},
        )
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


def wait_for(report_id: int, *, until, timeout: float = 60, interval: float = 0.25):
    """Poll the database (as the pages do) until `until(report)`; the report."""
    from reports.models import Report

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = Report.objects.get(pk=report_id)
        if until(report):
            return report
        time.sleep(interval)
    raise AssertionError(f"Report {report_id} stuck at {report.status} {report.progress}%")
