"""`make bench`: how the portal's lists and pages behave as the data grows tenfold.

Builds two datasets in a throwaway test database (small, and ten times larger), then
times each selector and page (median of several runs) and counts its queries. A page
that scales with rows shown, not rows stored, keeps its query count flat and its time
ratio well under 10x. Figures are printed, never asserted: speed belongs here, not in
the tests. The database is DATABASE_URL's engine (SQLite in memory by default).
"""

import datetime
import os
import random
import statistics
import time
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctportal.settings.test")
django.setup()

from django.db import connection, connections, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from donors.models import Allocation, Disbursement, FundingAgreement  # noqa: E402
from organisations.models import Organisation, Role  # noqa: E402
from projects.models import (  # noqa: E402
    CountryProgramme,
    Expenditure,
    Indicator,
    Outcome,
    Output,
    Project,
    Province,
    SubProgramme,
)
from tests.factories import user_with_role  # noqa: E402
from workplans.models import (  # noqa: E402
    AchievedValue,
    Activity,
    ActivityTarget,
    ProgressUpdate,
    Workplan,
    WorkplanVersion,
)

RUNS = 5
rng = random.Random(2026)


def seed(scale: int, tag: str) -> dict:
    """Rows in bulk: this is a fixture for measuring reads, not a business write."""
    day0 = datetime.date(2022, 7, 1)
    programme = CountryProgramme.objects.create(
        code=f"CP-{tag}", title="Bench", start_date=day0, end_date=datetime.date(2031, 6, 30)
    )
    sp = SubProgramme.objects.create(programme=programme, code=f"SP-{tag}", title="Bench")
    provinces = list(Province.objects.all()) or [
        Province.objects.create(code=c, name=c) for c in ("PK-PB", "PK-SD", "PK-KP", "PK-BA")
    ]
    unodc, _ = Organisation.objects.get_or_create(
        short_name="UNODC", defaults={"name": "UNODC", "kind": "implementer"}
    )
    donors = Organisation.objects.bulk_create(
        Organisation(name=f"Donor {tag}{i}", short_name=f"D{tag}{i}", kind="donor")
        for i in range(max(2, scale // 2))
    )
    counterparts = Organisation.objects.bulk_create(
        Organisation(name=f"CP {tag}{i}", short_name=f"C{tag}{i}", kind="counterpart")
        for i in range(10)
    )
    projects = Project.objects.bulk_create(
        Project(
            code=f"{tag}-{i:05d}",
            title=f"Project {i}",
            sub_programme=sp,
            start_date=day0,
            end_date=datetime.date(2031, 6, 30),
            status="2",
        )
        for i in range(4 * scale)
    )
    Project.provinces.through.objects.bulk_create(
        Project.provinces.through(project=p, province=rng.choice(provinces)) for p in projects
    )
    agreements = FundingAgreement.objects.bulk_create(
        FundingAgreement(
            donor=donors[i % len(donors)],
            implementer=unodc,
            reference=f"{tag}-AGR-{i}",
            title="Bench",
            currency="USD",
            amount=Decimal("100000000"),
            usd_rate=1,
            amount_usd=Decimal("100000000"),
            signed_on=day0,
            start_date=day0,
            end_date=datetime.date(2031, 6, 30),
        )
        for i in range(scale)
    )
    Allocation.objects.bulk_create(
        Allocation(
            agreement=agreements[i % len(agreements)], project=p, amount=1000, amount_usd=1000
        )
        for i, p in enumerate(projects)
    )
    Disbursement.objects.bulk_create(
        Disbursement(
            agreement=rng.choice(agreements),
            planned_date=day0 + datetime.timedelta(days=i % 3000),
            planned_amount=Decimal("10.00"),
            planned_usd_rate=1,
            planned_amount_usd=Decimal("10.00"),
        )
        for i in range(200 * scale)
    )
    Expenditure.objects.bulk_create(
        Expenditure(
            project=rng.choice(projects),
            category="training",
            spent_on=day0 + datetime.timedelta(days=i % 3000),
            amount=Decimal("5.00"),
            currency="USD",
            usd_rate=1,
            amount_usd=Decimal("5.00"),
        )
        for i in range(200 * scale)
    )
    outcome = Outcome.objects.create(sub_programme=sp, code="Oc1", title="Bench")
    output = Output.objects.create(outcome=outcome, code="Op1", title="Bench")
    indicator = Indicator.objects.create(
        output=output, code="I1", title="Bench", unit="persons", target=1000
    )
    # A workplan has tens of activities; a decade has many workplans.
    versions = []
    for w in range(scale):
        workplan = Workplan.objects.create(
            sub_programme=sp,
            code=f"WP-{tag}-{w}",
            title="Bench",
            period_start=day0,
            period_end=datetime.date(2023, 6, 30),
        )
        versions.append(
            WorkplanVersion.objects.create(workplan=workplan, number=1, status="approved")
        )
    version = versions[0]
    activities = Activity.objects.bulk_create(
        Activity(
            version=versions[i % scale],
            code=f"A{i}",
            title=f"Activity {i}",
            output=output,
            lead_counterpart=counterparts[i % 10],
        )
        for i in range(40 * scale)
    )
    ActivityTarget.objects.bulk_create(
        ActivityTarget(activity=a, indicator=indicator, quarter=q, value=5)
        for a in activities
        for q in (2, 3)
    )
    author = user_with_role(
        Role.COUNTERPART_STAFF, organisation=counterparts[0], username=f"author-{tag}"
    )
    updates = ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            activity=a,
            quarter=q,
            state=rng.choice(["submitted", "verified"]),
            status="on_track",
            percent_complete=50,
            author=author,
        )
        for a in activities
        for q in (1, 2)
    )
    AchievedValue.objects.bulk_create(
        AchievedValue(update=u, indicator=indicator, value=3) for u in updates
    )
    donor_user = user_with_role(Role.DONOR_VIEWER, organisation=donors[0], username=f"donor-{tag}")
    return {"donor": donor_user, "sp": sp, "workplan": workplan, "version": version}


def measure(fn) -> tuple[float, int]:
    reset_queries()  # the log is a bounded deque: a full one would hide new queries
    with CaptureQueriesContext(connections["default"]) as queries:
        fn()
    query_count = len(queries.captured_queries)  # read now: reset_queries() empties the log
    times = []
    for _ in range(RUNS):
        reset_queries()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, query_count


def cases(manager, ctx) -> dict:
    from donors import selectors as donor_selectors
    from projects import selectors as project_selectors
    from workplans import selectors as wp_selectors

    client = Client()
    client.force_login(manager)
    donor_client = Client()
    donor_client.force_login(ctx["donor"])
    found = {
        "project_list selector (first 25)": lambda: list(
            project_selectors.project_list(user=manager)[:25]
        ),
        "agreement_list with totals (all)": lambda: list(
            donor_selectors.agreement_list(user=manager)
        ),
        "overdue tranches (first 50)": lambda: list(
            donor_selectors.disbursement_list(user=manager)[:50]
        ),
        "progress_update_list (first 50)": lambda: list(
            wp_selectors.progress_update_list(user=manager)[:50]
        ),
        "page /projects/ (manager)": lambda: client.get("/projects/"),
        "page /projects/ (donor)": lambda: donor_client.get("/projects/"),
        "page workplan version": lambda: client.get(f"/workplans/versions/{ctx['version'].pk}/"),
    }
    for name, who in (("donors:dashboard", "both"), ("workplans:review-list", "manager")):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        found[f"page {url} (manager)"] = lambda url=url: client.get(url)
        if who == "both":
            found[f"page {url} (donor)"] = lambda url=url: donor_client.get(url)
    return found


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        manager = user_with_role(Role.PROGRAMME_MANAGER, username="bench-manager")
        results = {}
        for label, scale in (("small", 10), ("large", 100)):
            start = time.perf_counter()
            ctx = seed(scale, label[0].upper())
            rows = Disbursement.objects.count() + Expenditure.objects.count()
            print(
                f"seeded {label}: {Project.objects.count()} projects, {rows} money rows, "
                f"{ProgressUpdate.objects.count()} progress updates "
                f"in {time.perf_counter() - start:.1f}s"
            )
            for name, fn in cases(manager, ctx).items():
                results.setdefault(name, {})[label] = measure(fn)
        print(
            f"\n{connection.vendor}, median of {RUNS} runs; data grows ~10x from small to large\n"
        )
        print(f"{'case':<42}{'small ms':>10}{'large ms':>10}{'ratio':>8}{'queries':>12}")
        for name, by_label in results.items():
            (small_ms, small_q), (large_ms, large_q) = by_label["small"], by_label["large"]
            ratio = large_ms / small_ms if small_ms else float("nan")
            print(
                f"{name:<42}{small_ms:>10.1f}{large_ms:>10.1f}{ratio:>7.1f}x"
                f"{f'{small_q} -> {large_q}':>12}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
