"""The month totals (donors.services.totals) always equal the sums of the rows they sum
(issue 14): after every step of a long random sequence of writes through the services,
every total is compared with sums computed here, in Python, from the tranches and
expenditures themselves; a rebuild writes the same totals; and two writes into one month
at once both count."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ctportal.scale.generate import PROFILES, generate
from donors import services as donor_services
from donors.models import (
    Disbursement,
    DisbursementMonth,
    ExpenditureCategoryYear,
    ExpenditureMonth,
    FundingAgreement,
)
from donors.services.totals import funding_totals_rebuild
from projects import services as project_services
from projects.models import Project
from tests.donors.funding_totals_support import (
    D,
    assert_totals_equal_the_rows,
    build_programme,
    day,
    run_writes,
    stored_totals,
)
from tests.donors.test_concurrency import run_together


@pytest.mark.postgres
def test_the_totals_equal_the_rows_after_every_one_of_many_random_writes(require_postgres, db):
    rng = random.Random(14)
    world = build_programme(rng)
    assert_totals_equal_the_rows("built")
    done = run_writes(rng, world, 600, check=assert_totals_equal_the_rows)
    # Every kind of write happened, many times, and most were accepted.
    assert min(done.values()) >= 5, done
    assert done.get("refused", 0) < 300, done
    assert Disbursement.objects.filter(received_date__isnull=False).count() > 10
    assert DisbursementMonth.objects.count() > 20
    assert ExpenditureCategoryYear.objects.count() > 20
    # A rebuild from scratch writes the very same totals.
    before = stored_totals()
    funding_totals_rebuild()
    assert stored_totals() == before


def test_the_totals_follow_writes_on_the_embedded_database_too(db):
    # The same sequence, shorter, checked at the end (make test runs on SQLite by default).
    rng = random.Random(15)
    world = build_programme(rng)
    run_writes(rng, world, 120)
    assert_totals_equal_the_rows()


def _totals_sql(queries) -> list[str]:
    tables = ("donors_disbursementmonth", "donors_disbursementyear", "donors_expenditure")
    return [q["sql"] for q in queries if any(table in q["sql"] for table in tables)]


def test_saving_only_notes_leaves_the_totals_alone(db):
    rng = random.Random(16)
    world = build_programme(rng)
    tranche = donor_services.disbursement_create(
        agreement=world["agreements"][0], planned_date=day(2022, 3, 9), planned_amount=D("10.00")
    )
    tranche.notes = "a note"
    with CaptureQueriesContext(connection) as queries:
        tranche.save(update_fields=["notes"])
    # The update and its history row, and nothing else: no month is read or summed again.
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert_totals_equal_the_rows()


def test_a_rate_change_sums_the_agreements_months_once(db):
    rng = random.Random(17)
    world = build_programme(rng)
    agreement = world["agreements"][1]  # EUR
    for n in range(30):
        donor_services.disbursement_create(
            agreement=agreement, planned_date=day(2022, 1 + n % 12, 1 + n), planned_amount=D("7")
        )
    agreement.refresh_from_db()
    rate_before = agreement.usd_rate
    with CaptureQueriesContext(connection) as queries:
        donor_services.agreement_update(agreement=agreement, signed_on=day(2023, 6, 15))
    agreement.refresh_from_db()
    assert agreement.usd_rate != rate_before
    # 30 tranches revalued, their months and years deleted and summed again once (a
    # delete and an insert of each), not once per tranche.
    assert len(_totals_sql(queries)) == 4, _totals_sql(queries)
    assert_totals_equal_the_rows()
    planned_usd = DisbursementMonth.objects.filter(agreement=agreement).values_list(
        "planned_amount_usd", flat=True
    )
    assert sum(planned_usd) == sum(
        t.planned_amount_usd for t in Disbursement.objects.filter(agreement=agreement)
    )
    assert {t.planned_usd_rate for t in Disbursement.objects.filter(agreement=agreement)} == {
        agreement.usd_rate
    }


@pytest.mark.postgres
def test_two_writes_into_one_month_at_once_both_count(require_postgres, transactional_db):
    rng = random.Random(18)
    world = build_programme(rng)
    project = world["projects"][0]
    agreement = FundingAgreement.objects.get(reference="AGR-0")
    outcomes = run_together(
        lambda: project_services.expenditure_create(
            project=project, category="travel", spent_on=day(2023, 5, 2), amount=D("100.00")
        ),
        lambda: project_services.expenditure_create(
            project=Project.objects.get(pk=project.pk),
            category="travel",
            spent_on=day(2023, 5, 30),
            amount=D("250.00"),
        ),
        lambda: donor_services.disbursement_create(
            agreement=agreement, planned_date=day(2023, 5, 3), planned_amount=D("1000.00")
        ),
        lambda: donor_services.disbursement_create(
            agreement=FundingAgreement.objects.get(pk=agreement.pk),
            planned_date=day(2023, 5, 20),
            planned_amount=D("2000.00"),
        ),
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    month = ExpenditureMonth.objects.get(project=project, month=day(2023, 5, 1))
    assert (month.expenditures, month.amount_usd) == (2, D("350.00"))
    tranches = DisbursementMonth.objects.get(agreement=agreement, planned_month=day(2023, 5, 1))
    assert (tranches.tranches, tranches.planned_amount) == (2, D("3000.00"))
    assert_totals_equal_the_rows()


@pytest.mark.postgres
def test_a_bulk_load_rebuilds_the_totals(require_postgres, db):
    # generate_scale_data writes its rows with COPY, past the signals: its DERIVED step
    # sums every month afterwards.
    generate(PROFILES["tiny"], say=lambda _line: None)
    assert DisbursementMonth.objects.exists()
    assert ExpenditureMonth.objects.exists()
    assert_totals_equal_the_rows()
