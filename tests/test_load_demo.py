import datetime
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from ctportal.demo import data
from donors.models import Allocation, Disbursement, FundingAgreement
from organisations.models import Role
from tests.conftest import built_per_module
from workplans.models import Activity, ProgressUpdate, WorkplanVersion


def _row_counts() -> dict[str, int]:
    """Every table of the project's apps, history tables included."""
    counts = {}
    for label in ("organisations", "projects", "donors", "workplans", "auth"):
        for model in apps.get_app_config(label).get_models():
            counts[model._meta.label] = model.objects.count()
    return counts


def _load_demo() -> None:
    call_command("load_demo", verbosity=0, reports=False)


# The command under test, run once for the module's tests (about a second a run); each test
# rolls back to what it wrote.
demo_loaded = built_per_module(_load_demo, name="demo_loaded")


@pytest.fixture
def demo(db, demo_loaded):
    """What load_demo writes into an empty database."""


def test_running_load_demo_twice_changes_nothing(demo):
    before = _row_counts()
    call_command("load_demo", verbosity=0, reports=False)
    assert _row_counts() == before
    assert before["donors.HistoricalDisbursement"] > 0


def test_japans_four_projects_sum_exactly_to_its_contribution(demo):
    agreement = FundingAgreement.objects.get(reference="JPN-2018-UNODC-PAK")
    allocations = Allocation.objects.filter(agreement=agreement)
    assert allocations.count() == 4
    assert allocations.aggregate(total=Sum("amount_usd"))["total"] == Decimal("3730935.00")
    assert {a.project.code: a.amount for a in allocations} == {
        "P3-JP-CTF": Decimal("500000.00"),
        "P4-JP-FSL": Decimal("300000.00"),
        "P5-JP-ACCU": Decimal("385600.00"),
        "P6-JP-TOC": Decimal("2545335.00"),
    }


def test_eu_pact_is_committed_and_paid_in_euros(demo):
    kp = FundingAgreement.objects.get(reference="EU-FPI-PACT-KP")
    assert (kp.currency, kp.amount) == ("EUR", Decimal("6998964.00"))
    received = kp.disbursements.aggregate(total=Sum("received_amount"))["total"]
    assert received == Decimal("6998964.00")
    sindh = FundingAgreement.objects.get(reference="EU-PACT-SINDH")
    assert (sindh.currency, sindh.amount) == ("EUR", Decimal("4000000.00"))


def test_exactly_one_tranche_is_overdue(demo):
    today = datetime.date(2026, 11, 22)
    overdue = [d for d in Disbursement.objects.select_related("agreement") if d.is_overdue(today)]
    assert [(d.agreement.reference, d.planned_date) for d in overdue] == [
        ("GAC-UNODC-SP4", datetime.date(2023, 9, 30))
    ]


def test_workplan_2022_23_is_approved_by_the_ewg_of_26_july_2022(demo):
    version = WorkplanVersion.objects.get(workplan__code="WP-SP4-2022-23")
    assert version.status == WorkplanVersion.Status.APPROVED
    assert version.decided_by_meeting.date == datetime.date(2022, 7, 26)
    assert Activity.objects.filter(version=version).count() == 10
    assert version.decided_by_meeting.attendances.filter(mode="video").count() == 4


def test_progress_updates_exist_in_every_state(demo):
    states = set(ProgressUpdate.objects.values_list("state", flat=True))
    assert states == {"draft", "submitted", "returned", "verified"}


def test_one_demo_user_per_role_and_one_donor_viewer_per_donor(demo):
    User = get_user_model()
    roles = set(User.objects.values_list("membership__role", flat=True))
    assert roles == {r.value for r in Role}
    donors = set(
        User.objects.filter(membership__role=Role.DONOR_VIEWER).values_list(
            "membership__organisation__short_name", flat=True
        )
    )
    assert donors == {"Japan", "EU", "GAC", "INL"}


def test_invented_figures_are_marked_illustrative(demo):
    gac = FundingAgreement.objects.get(reference="GAC-UNODC-SP4")
    assert "ILLUSTRATIVE" in gac.notes
    assert all("ILLUSTRATIVE" in d.notes for d in Disbursement.objects.all())


def _history_models():
    return [
        model
        for label in ("organisations", "projects", "donors", "workplans")
        for model in apps.get_app_config(label).get_models()
        if model.__name__.startswith("Historical") and hasattr(model, "history_date")
    ]


def test_demo_history_is_dated_in_the_demos_own_years_and_made_by_demo_users(demo):
    demo_users = {username for username, *_ in data.USERS}
    dates, authors, rows = set(), set(), 0
    for model in _history_models():
        for when, username in model.objects.values_list("history_date", "history_user__username"):
            dates.add(timezone.localdate(when))
            authors.add(username)
            rows += 1
    assert rows > 100
    assert min(dates) == datetime.date(2016, 3, 1)  # the first exchange rate, for JPY
    assert max(dates) == datetime.date(2023, 10, 12)  # GAC's second tranche arrives
    assert authors == {"manager", "ewg", "nacta", "ctd_sindh"}
    assert authors <= demo_users


def test_demo_history_tells_each_event_on_its_day(demo):
    agreement = FundingAgreement.objects.get(reference="EU-PACT-SINDH")
    tranche = agreement.disbursements.get(planned_date=datetime.date(2021, 1, 15))
    steps = [
        (timezone.localdate(row.history_date), row.history_type, row.received_date)
        for row in tranche.history.order_by("history_date")
    ]
    assert steps == [
        (datetime.date(2020, 1, 20), "+", None),  # planned when the agreement was signed
        (datetime.date(2021, 1, 18), "~", datetime.date(2021, 1, 18)),  # received
    ]
    assert timezone.localdate(agreement.history.get().history_date) == datetime.date(2020, 1, 20)

    version = WorkplanVersion.objects.get(workplan__code="WP-SP4-2022-23")
    assert [
        (timezone.localdate(row.history_date), row.status, row.history_user.username)
        for row in version.history.order_by("history_date")
    ] == [
        (datetime.date(2022, 7, 11), "draft", "manager"),
        (datetime.date(2022, 7, 18), "submitted", "manager"),
        (datetime.date(2022, 7, 26), "approved", "ewg"),
    ]
    assert timezone.localdate(version.approved_at) == datetime.date(2022, 7, 26)
    assert timezone.localdate(version.history.latest().approved_at) == datetime.date(2022, 7, 26)


def test_demo_progress_is_submitted_and_reviewed_after_its_quarter(demo):
    # Q1 of the 2022-23 workplan ends on 30 Sep 2022.
    update = ProgressUpdate.objects.get(activity__code="A10", quarter=1)
    assert update.state == "verified"
    assert timezone.localdate(update.submitted_at) == datetime.date(2022, 10, 9)
    assert timezone.localdate(update.verified_at) == datetime.date(2022, 10, 16)
    recorded = update.history.order_by("history_date")
    assert [
        (row.state, row.submitted_at and timezone.localdate(row.submitted_at)) for row in recorded
    ] == [
        ("draft", None),
        ("submitted", datetime.date(2022, 10, 9)),
        ("verified", datetime.date(2022, 10, 9)),
    ]
    assert timezone.localdate(recorded.last().verified_at) == datetime.date(2022, 10, 16)
    assert [(t.to_state, timezone.localdate(t.at)) for t in update.transitions.all()] == [
        ("submitted", datetime.date(2022, 10, 9)),
        ("verified", datetime.date(2022, 10, 16)),
    ]


def test_load_demo_counts_what_it_wrote_with_correct_plurals(db):
    out = io.StringIO()
    call_command("load_demo", stdout=out, reports=False)
    lines = [" ".join(line.split()) for line in out.getvalue().splitlines()]
    # The demo holds one workplan, decided at one EWG meeting by one approval.
    assert "1 workplan" in lines
    assert "1 EWG meeting" in lines
    assert "1 approval" in lines
    assert f"{Activity.objects.count()} activities" in lines
    assert f"{FundingAgreement.objects.count()} agreements" in lines
    assert not [line for line in lines if line.startswith("1 ") and line.endswith("s")]


def test_load_demo_generates_last_months_and_quarters_reports_once(db, client):
    """Without a worker: overall and each donor's disbursement report for last month, and
    the workplan's progress report for its last ended quarter, done with their files; a
    second run generates nothing again; a donor viewer sees its own on the reports page."""
    from django.urls import reverse

    from alerts.models import Kind, Notification
    from reports.models import Report
    from reports.periods import previous_month

    out = io.StringIO()
    call_command("load_demo", stdout=out)
    month = previous_month(timezone.localdate())
    reports = Report.objects.select_related("donor", "workplan").order_by("pk")
    assert sorted(
        (r.kind, r.donor.short_name if r.donor else "", r.period_start, r.status) for r in reports
    ) == [
        ("disbursement", "", month.start, "done"),  # overall
        *[("disbursement", name, month.start, "done") for name in ("EU", "GAC", "INL", "Japan")],
        ("progress", "", datetime.date(2023, 4, 1), "done"),  # WP-SP4-2022-23 Q4
    ]
    assert reports.get(kind="progress").quarter == 4
    assert all(r.pdf and r.xlsx and r.requested_by is None for r in reports)
    assert "6 reports" in [" ".join(line.split()) for line in out.getvalue().splitlines()]
    before = [(r.pk, r.generation, r.pdf.name, r.xlsx.name, r.finished_at) for r in reports]

    # Today's date-driven alerts: GAC's overdue tranche, told to managers and GAC's viewer
    # only, never to another donor's.
    told = Notification.objects.filter(kind=Kind.TRANCHE_OVERDUE)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["donor_canada", "manager"]
    notified = Notification.objects.count()

    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "Demo data already loaded: nothing changed." in out.getvalue()
    again = Report.objects.order_by("pk")
    assert [(r.pk, r.generation, r.pdf.name, r.xlsx.name, r.finished_at) for r in again] == before
    assert Notification.objects.count() == notified

    client.force_login(get_user_model().objects.get(username="donor_canada"))
    page = client.get(reverse("reports:report-list"))
    gac = reports.get(donor__short_name="GAC")
    assert f'data-report="{gac.pk}"' in page.text
    assert client.get(reverse("reports:report-pdf", args=[gac.pk])).status_code == 200
