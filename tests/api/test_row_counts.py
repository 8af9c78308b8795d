"""The row counts PostgreSQL keeps for the largest tables (ctportal.row_counts) equal
COUNT(*) after every kind of write, and a whole-table list page reads them instead of
counting; a list narrowed in any way counts as before, and exactly."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext

from ctportal import row_counts
from donors.models import Disbursement
from organisations.models import Role
from projects.models import Expenditure
from tests.api.conftest import client_for
from tests.api.test_query_counts import ROWS, Parents
from tests.factories import DisbursementFactory, ExpenditureFactory, user_with_role
from workplans.models import Activity, ProgressUpdate

KEPT = (Disbursement, Expenditure, Activity, ProgressUpdate)


def _kept(model) -> int | None:
    return row_counts.exact_count(model.objects.all())


def _counts_agree() -> None:
    for model in KEPT:
        assert _kept(model) == model.objects.count(), model.__name__


def _written_then_rolled_back(parents) -> None:
    try:
        with transaction.atomic():
            DisbursementFactory(agreement=parents.agreement)
            Expenditure.objects.all().delete()
            raise RuntimeError("roll back")
    except RuntimeError:
        pass


@pytest.mark.django_db
def test_the_kept_counts_follow_every_kind_of_write(require_postgres):
    parents = Parents()
    _counts_agree()
    rng = random.Random(14)
    made = [DisbursementFactory(agreement=parents.agreement) for _ in range(3)]
    for _ in range(40):
        step = rng.choice(("create", "bulk", "delete", "update", "rollback", "raw"))
        if step == "create":
            made.append(DisbursementFactory(agreement=parents.agreement))
            ExpenditureFactory(project=parents.project)
        elif step == "bulk":
            template = made[0] if made else DisbursementFactory(agreement=parents.agreement)
            copies = [
                Disbursement(
                    agreement=parents.agreement,
                    planned_date=template.planned_date,
                    planned_amount=Decimal("5.00"),
                    planned_usd_rate=template.planned_usd_rate,
                    planned_amount_usd=Decimal("5.00"),
                )
                for _ in range(rng.randint(1, 4))
            ]
            made.extend(Disbursement.objects.bulk_create(copies))
        elif step == "delete" and made:
            gone = [made.pop(rng.randrange(len(made))) for _ in range(min(2, len(made)))]
            Disbursement.objects.filter(pk__in=[d.pk for d in gone]).delete()
        elif step == "update":
            Disbursement.objects.update(notes="updated")  # no row more or less
        elif step == "rollback":
            _written_then_rolled_back(parents)
        elif step == "raw" and made:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM donors_disbursement WHERE id = %s", [made.pop().pk])
        _counts_agree()
    # A project's deletion takes its expenditure with it (Django's cascade).
    ExpenditureFactory(project=parents.project)
    parents.activity.delete()
    _counts_agree()


@pytest.mark.django_db
def test_many_deltas_are_folded_into_one_and_the_count_stays(require_postgres):
    parents = Parents()
    for _ in range(row_counts.FOLD_AFTER + 5):
        DisbursementFactory(agreement=parents.agreement)
    expected = Disbursement.objects.count()
    assert _kept(Disbursement) == expected  # this read folds them
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {row_counts.TABLE} WHERE table_name = %s",
            [Disbursement._meta.db_table],
        )
        assert cursor.fetchone()[0] == 1
    DisbursementFactory(agreement=parents.agreement)
    assert _kept(Disbursement) == expected + 1


@pytest.mark.django_db(transaction=True)
def test_truncate_starts_the_count_again(require_postgres):
    parents = Parents()
    DisbursementFactory(agreement=parents.agreement)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE donors_disbursement")
    assert _kept(Disbursement) == 0
    DisbursementFactory(agreement=parents.agreement)
    assert _kept(Disbursement) == 1


@pytest.mark.django_db
def test_only_a_whole_table_is_read_from_the_kept_count(require_postgres):
    assert _kept(Disbursement) is not None
    assert row_counts.exact_count(Disbursement.objects.filter(notes="x")) is None
    assert row_counts.exact_count(Disbursement.objects.distinct()) is None
    assert row_counts.exact_count(Disbursement.objects.all()[:5]) is None
    assert row_counts.exact_count(Disbursement.objects.filter(agreement__donor=1)) is None
    # Joins for ordering or select_related come at compile time and change no count.
    whole = Disbursement.objects.select_related("agreement").order_by("agreement__reference")
    assert row_counts.exact_count(whole) is not None
    # Annotations joined along the row's own foreign keys neither.
    named = ProgressUpdate.objects.annotate(
        code=F("activity__code"), verifier=F("verified_by__username")
    )
    assert row_counts.exact_count(named) is not None
    # A join to many rows does, and so does an inner join on a key that may be null.
    assert row_counts.exact_count(Activity.objects.annotate(q=F("updates__quarter"))) is None
    inner = ProgressUpdate.objects.filter(verified_by__isnull=False).annotate(
        verifier=F("verified_by__username")
    )
    assert row_counts.exact_count(inner) is None
    assert row_counts.exact_count(Expenditure.objects.annotate(n=Count("id"))) is None


@pytest.mark.django_db
def test_a_table_not_kept_is_counted():
    from projects.models import Project

    assert row_counts.exact_count(Project.objects.all()) is None


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["disbursements", "expenditures", "activities"])
def test_a_managers_page_reads_the_kept_count_and_a_donors_counts(require_postgres, endpoint):
    parents = Parents()
    for i in range(3):
        ROWS[endpoint](parents, i)
    manager = client_for(user_with_role(Role.PROGRAMME_MANAGER))
    url = f"/api/v1/{endpoint}/"
    model = {"disbursements": Disbursement, "expenditures": Expenditure}.get(endpoint, Activity)
    with CaptureQueriesContext(connection) as queries:
        body = manager.get(url, {"page_size": 1}).json()
    assert body["count"] == model.objects.count() >= 3
    assert not [q for q in queries if "COUNT(*)" in q["sql"]]
    # Narrowed by a filter: counted, exactly.
    with CaptureQueriesContext(connection) as queries:
        since = datetime.date(2000, 1, 1).isoformat()
        body = manager.get(url, {"page_size": 1, "modified_since": since}).json()
    assert body["count"] == model.objects.count()
    assert [q for q in queries if "COUNT(*)" in q["sql"]]


@pytest.mark.django_db
def test_a_donors_tranches_are_counted_as_theirs(require_postgres):
    parents = Parents()
    for i in range(3):
        ROWS["disbursements"](parents, i)
    other = DisbursementFactory()  # another donor's agreement
    donor = client_for(user_with_role(Role.DONOR_VIEWER, organisation=parents.donor))
    body = donor.get("/api/v1/disbursements/", {"page_size": 1}).json()
    assert body["count"] == Disbursement.objects.exclude(agreement=other.agreement).count()
