"""Helpers for the report pipeline's fault tests: a broker URL nobody listens on, a
redis-server of the test's own (stopped and started again by the test, never the shared
one), and celery beat in a subprocess."""

import contextlib
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

from tests.reports.conftest import Worker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def app_broker(url: str, queue: str | None = None):
    """This process publishes to `url` (on `queue`) inside the block."""
    from ctportal.celery import app

    names = ("broker_url", "task_default_queue", "broker_transport_options")
    saved = {name: app.conf[name] for name in names}

    def reset():
        app._pool = None
        for name in ("queues", "default_queue", "router", "_producer_pool", "producer_pool"):
            app.amqp.__dict__.pop(name, None)

    app.conf.update(
        broker_url=url,
        task_default_queue=queue or f"reports-test-{uuid.uuid4().hex[:10]}",
        broker_transport_options={},
    )
    reset()
    try:
        yield
    finally:
        app.conf.update(**saved)
        reset()


class RedisServer:
    """A redis-server on a free port that keeps nothing (as compose's), for one test."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Gone at once, keeping nothing: as a Redis container restarted."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


class Beat(Worker):
    """`celery -A ctportal beat` on the database scheduler, in a subprocess."""

    def __init__(self, *, folder: Path, **kwargs):
        super().__init__(**kwargs)
        self.args = [
            self.args[0],
            "-A",
            "ctportal",
            "beat",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--max-interval",
            "1",
            "--schedule",
            str(folder / f"beat-{uuid.uuid4().hex[:6]}"),
            "--pidfile=",
            "--loglevel",
            "INFO",
        ]

    def start(self, timeout: float = 40) -> "Beat":
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            self.args,
            cwd=Path(__file__).resolve().parents[2],
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "beat: Starting" in self.log.read_text(errors="replace"):
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"beat did not start:\n{self.log.read_text()[-3000:]}")
