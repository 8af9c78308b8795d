"""Timing over HTTP from this process (gunicorn is another), queries counted in-process.

The standard library only: http.client per request (gunicorn's sync workers close the
connection after each), and threads for concurrent clients.
"""

import http.client
import statistics
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ctportal import figures_cache
from ctportal.scale.bench.setup import Caller, Request


def _headers(request: Request, caller: Caller) -> dict[str, str]:
    # The proxy in front of production says the browser came over HTTPS; without it
    # SECURE_SSL_REDIRECT would answer every request with a redirect.
    headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
    if request.api:
        headers["Authorization"] = f"Token {caller.token}"
    else:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={caller.session}"
    return headers


def fetch(port: int, request: Request, caller: Caller) -> tuple[int, int, float]:
    """(status, body bytes, seconds) of one request, the body read to its end."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("GET", request.path, headers=_headers(request, caller))
        response = conn.getresponse()
        size = len(response.read())
        return response.status, size, time.perf_counter() - started
    finally:
        conn.close()


@dataclass
class Timing:
    name: str
    path: str
    status: int
    bytes: int
    median_ms: float
    p95_ms: float
    queries: int | None = None
    x_floor: float | None = None
    first_ms: float | None = None


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (with few rounds, the slowest but the rare outlier)."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def time_request(port: int, request: Request, caller: Caller, rounds: int) -> Timing:
    # The first request after a write computes its figures afresh (a cached dashboard or
    # summary is served again only until the next write): timed apart, as `first_ms`.
    figures_cache.data_changed()
    _, _, first = fetch(port, request, caller)
    seconds, status, size = [], 0, 0
    for _ in range(rounds):
        status, size, took = fetch(port, request, caller)
        seconds.append(took * 1000)
    return Timing(
        request.name,
        request.path,
        status,
        size,
        round(statistics.median(seconds), 1),
        round(p95(seconds), 1),
        first_ms=round(first * 1000, 1),
    )


def count_queries(request: Request, caller: Caller) -> int | None:
    """Queries the same request runs in this process (a test client, the same database);
    None when it fails here (the HTTP status in the table says whether it failed there)."""
    client = Client(HTTP_HOST="127.0.0.1")
    extra = {}
    if request.api:
        extra["HTTP_AUTHORIZATION"] = f"Token {caller.token}"
    else:
        client.cookies[settings.SESSION_COOKIE_NAME] = caller.session
    try:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(request.path, **extra)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)  # a streamed body queries as it is read
    except Exception:  # noqa: BLE001 - one broken page must not lose the other figures
        return None
    return len(captured.captured_queries)


def throughput(port: int, request: Request, caller: Caller, clients: int, seconds: float) -> float:
    """Completed 2xx responses per second with `clients` threads asking back to back."""
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        while time.monotonic() < stop:
            status, _, _ = fetch(port, request, caller)
            if 200 <= status < 300:
                done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return round(sum(done) / (time.monotonic() - started), 1)
