"""`make bench SCALE=year|decade`: time the key requests against gunicorn on a database that
generate_scale_data filled, print one table, and write it as var/bench/<scale>.json.

Timings are medians and 95th percentiles over --rounds rounds after a first request timed
apart (first ms: the figures version is changed just before it, so a dashboard or summary
is computed afresh, as after any write, rather than served from the cache), each with its
ratio to the floor (an organisation's detail with a token) measured in the same run;
queries are counted by running each request once in this process. Figures are printed,
never asserted: speed belongs here, the query-count tests belong to the suite.
"""

import argparse
import dataclasses
import json
import os
import secrets
import subprocess
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctportal.settings.local")
# One throwaway secret for this process and gunicorn: the sessions minted here are signed
# with it, and gunicorn must read them.
os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from ctportal.scale.bench import measure, output  # noqa: E402
from ctportal.scale.bench.setup import (  # noqa: E402
    BENCH_DIR,
    Gunicorn,
    callers,
    data_counts,
    requests_to_time,
)


def _report(workers: int, timeout: float) -> dict:
    """The overall monthly report in a child process, so its peak memory is its own."""
    command = [sys.executable, "-m", "ctportal.scale.bench.report_run", "--workers", str(workers)]
    env = {**os.environ, "MEDIA_ROOT": str(BENCH_DIR / "media")}
    started = time.monotonic()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, cwd=settings.BASE_DIR)
    try:
        out, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()  # its forked section workers end with it (they read its queue)
        child.communicate()
        return {"workers": workers, "seconds": None, "note": f"stopped after {timeout:.0f} s"}
    if child.returncode:
        return {"workers": workers, "seconds": None, "note": f"failed ({child.returncode})"}
    result = json.loads(out)
    result["wall_seconds"] = round(time.monotonic() - started, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", required=True, help="the name the results are kept under")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10, help="per throughput run")
    parser.add_argument("--report-timeout", type=float, default=600)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)

    people = callers()
    wanted = requests_to_time()
    result = {
        "scale": args.scale,
        "database": connection.settings_dict["NAME"],
        "rows": data_counts(),
        "rounds": args.rounds,
        "machine": {"cores": os.cpu_count()},
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        # The code timed: the commit, and whether the tree held uncommitted changes.
        "commit": subprocess.run(
            ["git", "describe", "--always", "--dirty"], capture_output=True, text=True
        ).stdout.strip(),
    }
    timings = []
    with Gunicorn(args.port):
        for _ in range(12):  # every worker's first requests import, connect and cache
            measure.fetch(args.port, wanted[0], people["manager"])
        for request in wanted:
            timing = measure.time_request(args.port, request, people[request.caller], args.rounds)
            timings.append(timing)
            print(f"  {timing.name}: {timing.median_ms} ms", file=sys.stderr)
        floor, listed = wanted[0], next(r for r in wanted if r.name == "list disbursements x50")
        floor_rps = measure.throughput(
            args.port, floor, people["manager"], args.clients, args.seconds
        )
        list_rps = measure.throughput(
            args.port, listed, people["manager"], args.clients, args.seconds
        )
    for request, timing in zip(wanted, timings, strict=True):
        timing.queries = measure.count_queries(request, people[request.caller])
        timing.x_floor = round(timing.median_ms / timings[0].median_ms, 1)
    result["requests"] = [dataclasses.asdict(t) for t in timings]
    result["throughput"] = {
        "clients": args.clients,
        "seconds": args.seconds,
        "floor_rps": floor_rps,
        "list": listed.path,
        "list_rps": list_rps,
        "share_of_floor": round(list_rps / floor_rps, 2) if floor_rps else None,
    }
    if not args.no_report:
        result["report"] = [_report(n, args.report_timeout) for n in (1, 2)]
    path = BENCH_DIR / f"{args.scale}.json"
    path.write_text(json.dumps(result, indent=2))
    print(output.table(result, output.load_other(BENCH_DIR, args.scale)))
    print(f"\nWritten to {path.relative_to(settings.BASE_DIR)}")


if __name__ == "__main__":
    main()
