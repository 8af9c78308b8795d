"""What `make bench` needs before it times anything: who signs in, what to ask for, and a
gunicorn serving the scale database under production settings."""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django_otp.plugins.otp_totp.models import TOTPDevice

from donors.models import FundingAgreement
from organisations.models import ApiToken, Organisation
from organisations.tokens import api_token_create
from projects.models import Project
from workplans.models import ProgressUpdate, WorkplanVersion

BENCH_DIR = Path(settings.BASE_DIR) / "var" / "bench"
# The donor compared between the year and the decade: the first, funding in both.
DONOR = "DONOR01"
LISTS = (
    "projects",
    "agreements",
    "allocations",
    "disbursements",
    "expenditures",
    "activities",
    "progress-updates",
)
FUNDING_GROUP_BYS = ("donor", "agreement", "project", "sub_programme", "province", "year")
PROGRESS_GROUP_BYS = ("workplan", "output", "status")


@dataclass(frozen=True)
class Caller:
    """One signed-in person: an API token and a session cookie, both minted here."""

    username: str
    token: str
    session: str


@dataclass(frozen=True)
class Request:
    name: str
    path: str
    caller: str  # "manager" or "donor"
    api: bool  # token (API) or session cookie (pages)


def _session_for(user) -> str:
    """A signed-in session, as the sign-in page would leave it; for a manager also the
    second factor given (django_otp's session key), so the bench skips the code page."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    store["otp_device_id"] = device.persistent_id
    store.create()
    return store.session_key


def callers() -> dict[str, Caller]:
    """The scale data's manager and DONOR01's viewer, with fresh tokens and sessions."""
    users = get_user_model().objects
    found = {"manager": users.get(username="bench_manager")}
    found["donor"] = users.get(username=f"bench_{DONOR.lower()}")
    result = {}
    for role, user in found.items():
        ApiToken.objects.filter(user=user).delete()  # at most a few active tokens per user
        _, key = api_token_create(user=user, name="bench", expires_in_days=1)
        result[role] = Caller(user.username, key, _session_for(user))
    return result


def requests_to_time() -> list[Request]:
    """The issue's key requests, each naming the same rows at either scale."""
    donor = Organisation.objects.get(short_name=DONOR)
    project = Project.objects.filter(allocations__agreement__donor=donor).order_by("pk").first()
    # The latest workplan's version in force (its workplan page redirects there).
    version = (
        WorkplanVersion.objects.filter(status=WorkplanVersion.Status.APPROVED)
        .order_by("-workplan__period_start", "workplan__code")
        .first()
    )
    wanted = [
        Request("floor: organisation detail", f"/api/v1/organisations/{donor.pk}/", "manager", True)
    ]
    for size in (50, 500):
        wanted += [
            Request(f"list {name} x{size}", f"/api/v1/{name}/?page_size={size}", "manager", True)
            for name in LISTS
        ]
    wanted += [
        Request("project detail (API)", f"/api/v1/projects/{project.pk}/", "manager", True),
        Request("project page", f"/projects/{project.code}/", "manager", False),
    ]
    wanted += [
        Request(
            f"funding summary by {g}", f"/api/v1/funding/summary/?group_by={g}", "manager", True
        )
        for g in FUNDING_GROUP_BYS
    ]
    wanted += [
        Request(
            f"progress summary by {g}", f"/api/v1/progress/summary/?group_by={g}", "manager", True
        )
        for g in PROGRESS_GROUP_BYS
    ]
    wanted += [
        Request("dashboard /funding/ (manager)", "/funding/", "manager", False),
        Request(f"dashboard /funding/ ({DONOR})", "/funding/", "donor", False),
        Request("review queue", "/workplans/reviews/", "manager", False),
        Request("workplan page", f"/workplans/versions/{version.pk}/", "manager", False),
        Request(
            f"CSV export ({DONOR}, agreements)",
            "/funding/?export=csv&table=agreements",
            "donor",
            False,
        ),
    ]
    return wanted


def data_counts() -> dict[str, int]:
    return {
        "agreements": FundingAgreement.objects.count(),
        "projects": Project.objects.count(),
        "progress_updates": ProgressUpdate.objects.count(),
    }


class Gunicorn:
    """gunicorn on a loopback port: 3 workers, production settings, DEBUG off, a secret
    made up for this run. Stopped (with its workers) when the bench ends."""

    def __init__(self, port: int, workers: int = 3):
        self.port, self.workers, self.process = port, workers, None

    def __enter__(self) -> "Gunicorn":
        static = BENCH_DIR / "static"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ctportal.settings.production",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "DEBUG": "False",
            "STATIC_ROOT": str(static),
            "ALLOWED_HOSTS": "127.0.0.1",
            # As deployed (docker-compose.yml): the workers share one Redis cache, so a
            # dashboard's figures computed by one are served by all (ctportal.figures_cache).
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
            # The throttles count in that cache across workers and runs: a few runs an hour
            # pass the 5,000 requests a user may make, and 429s would be timed instead.
            "API_THROTTLE_USER": "10000000/hour",
        }
        # The manifest storage of production needs collected static files to render pages.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=env,
            check=True,
            cwd=settings.BASE_DIR,
        )
        log = open(BENCH_DIR / "gunicorn.log", "ab")  # noqa: SIM115 - closed in __exit__
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ctportal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "300",
                "--access-logfile",
                "-",
            ],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2)  # noqa: S310
                return self
            except OSError:
                time.sleep(0.5)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not answer on port {self.port}; see {log.name}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the arbiter stops its workers
            self.process.wait(timeout=60)
        self.log.close()
