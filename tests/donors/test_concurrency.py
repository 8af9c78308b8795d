"""Two requests at once cannot both pass a money rule that only one of them may pass.

On PostgreSQL only: SQLite serialises writers, so it could not show that the row lock
(select_for_update on the agreement) is what keeps the rule.
"""

import datetime
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from ctportal.exceptions import DomainError
from donors.models import Allocation, Disbursement
from donors.services import allocation_create, disbursement_receive
from tests.factories import DisbursementFactory, FundingAgreementFactory, ProjectFactory

D = Decimal
day = datetime.date

pytestmark = pytest.mark.postgres


def run_together(*calls: Callable[[], object]) -> list[object]:
    """Run each call in its own thread and transaction; a barrier inside the transaction
    makes both read the totals before either commits, unless a lock makes one wait."""
    barrier = threading.Barrier(len(calls), timeout=10)
    outcomes: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            with transaction.atomic():
                barrier.wait()
                outcomes[index] = call()
        except Exception as error:  # recorded and asserted on by the test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(index, call)) for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_two_concurrent_receipts_cannot_together_pass_the_commitment(
    require_postgres, transactional_db
):
    agreement = FundingAgreementFactory(amount=D("1000000.00"))
    first = DisbursementFactory(
        agreement=agreement, planned_date=day(2023, 1, 10), planned_amount=D("500000.00")
    )
    second = DisbursementFactory(
        agreement=agreement, planned_date=day(2023, 4, 10), planned_amount=D("500000.00")
    )

    # Each receipt of 600,000 fits alone; together they would reach 1,200,000.
    outcomes = run_together(
        lambda: disbursement_receive(
            disbursement=first, received_date=day(2023, 1, 12), received_amount=D("600000.00")
        ),
        lambda: disbursement_receive(
            disbursement=second, received_date=day(2023, 4, 12), received_amount=D("600000.00")
        ),
    )

    received = [o for o in outcomes if isinstance(o, Disbursement)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(received) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert (refused[0].field, refused[0].domain_code) == (
        "received_amount",
        "receipts_exceed_commitment",
    )
    totals = Disbursement.objects.aggregate(total=Sum("received_amount"))
    assert totals["total"] == D("600000.00")
    assert list(Disbursement.objects.filter(received_date__isnull=False)) == [
        Disbursement.objects.get(pk=received[0].pk)
    ]


def test_two_concurrent_allocations_cannot_together_pass_the_agreement(
    require_postgres, transactional_db
):
    agreement = FundingAgreementFactory(amount=D("1000000.00"))
    first, second = ProjectFactory(), ProjectFactory()

    outcomes = run_together(
        lambda: allocation_create(agreement=agreement, project=first, amount=D("600000.00")),
        lambda: allocation_create(agreement=agreement, project=second, amount=D("600000.00")),
    )

    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len([o for o in outcomes if isinstance(o, Allocation)]) == 1, outcomes
    assert [e.domain_code for e in refused] == ["allocation_exceeds_agreement"]
    assert Allocation.objects.aggregate(total=Sum("amount"))["total"] == D("600000.00")
