"""The embedded default (SQLite, `make run`) never answers "database is locked": twenty
overlapping writes to the real server, on a file database, are twenty 201s and twenty rows.

SQLite's default (deferred) transactions take the write lock only at their first write; two
requests that both read first then both write deadlock, and SQLite fails one at once,
whatever the busy timeout. Immediate transactions take the lock at BEGIN, so the second
simply waits its turn (ctportal/settings/base.py)."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WRITES = 20

SETUP = """
import datetime
from decimal import Decimal
from organisations.models import Role
from organisations.tokens import api_token_create
from tests.factories import FundingAgreementFactory, user_with_role
manager = user_with_role(Role.PROGRAMME_MANAGER, username="manager")
agreement = FundingAgreementFactory(amount=Decimal("1000000.00"))
print(agreement.pk, api_token_create(user=manager, name="concurrency")[1])
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=180,
        **kwargs,
    )


def _wait_until_serving(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"runserver stopped with {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own local server
            return
        except urllib.error.HTTPError:
            return  # Any answer means it serves.
        except OSError:
            time.sleep(0.2)
    raise AssertionError("runserver did not start")


def _post(url: str, key: str, body: dict) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 - our own local server
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def embedded_server(tmp_path):
    """`manage.py runserver` (threaded, as `make run` starts it) on a fresh SQLite file."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ctportal.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "REDIS_URL": "",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    _manage(env, "migrate", "--no-input")
    agreement, key = _manage(env, "shell", "-c", SETUP).stdout.splitlines()[-1].split()
    port = _free_port()
    # The server's log goes to a file: a pipe nobody reads fills up and stalls the server.
    log = (tmp_path / "runserver.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(f"{base}/api/v1/", server)
        yield base, int(agreement), key, env, tmp_path / "runserver.log"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def test_twenty_overlapping_writes_on_the_embedded_default_are_all_saved(embedded_server):
    base, agreement, key, env, log = embedded_server
    bodies = [
        {
            "agreement": agreement,
            "planned_date": "2023-03-01",
            "planned_amount": "1000.00",
            "notes": f"tranche {n}",
        }
        for n in range(WRITES)
    ]
    url = f"{base}/api/v1/disbursements/"
    with ThreadPoolExecutor(max_workers=WRITES) as pool:
        answers = list(pool.map(lambda body: _post(url, key, body), bodies))
    assert [status for status, _ in answers] == [201] * WRITES, log.read_text()[-3000:]
    saved = _manage(
        env,
        "shell",
        "-c",
        "from donors.models import Disbursement;"
        "print(sorted(Disbursement.objects.values_list('notes', flat=True)))",
    ).stdout.splitlines()[-1]
    assert saved == str(sorted(f"tranche {n}" for n in range(WRITES)))
