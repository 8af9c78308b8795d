"""The random writes, the totals they should leave and the totals stored: shared by the
summary-table tests (tests/donors/test_funding_totals.py)."""

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction

from ctportal.exceptions import DomainError
from donors import services as donor_services
from donors.models import (
    Allocation,
    Disbursement,
    DisbursementMonth,
    DisbursementYear,
    ExpenditureCategoryYear,
    ExpenditureMonth,
    ExpenditureYear,
)
from projects import services as project_services
from projects.exceptions import RowErrors
from projects.models import BudgetCategory, Expenditure
from tests.factories import DonorFactory, ImplementerFactory, ProjectFactory

D = Decimal
day = datetime.date
FIRST, LAST = day(2021, 1, 1), day(2024, 12, 31)
CATEGORIES = list(BudgetCategory.values)


# --- The sums, computed here from the rows ----------------------------------------------------


def _month(d: datetime.date | None) -> datetime.date | None:
    return d.replace(day=1) if d else None


def _year(d: datetime.date | None) -> datetime.date | None:
    return d.replace(month=1, day=1) if d else None


def expected_totals() -> dict[str, dict]:
    tranches: dict = {"months": defaultdict(list), "years": defaultdict(list)}
    for t in Disbursement.objects.all():
        values = (
            1,
            t.planned_amount,
            t.planned_amount_usd,
            t.received_amount or 0,
            t.received_amount_usd or 0,
        )
        tranches["months"][
            (t.agreement_id, _month(t.planned_date), _month(t.received_date))
        ].append(values)
        tranches["years"][(t.agreement_id, _year(t.planned_date), _year(t.received_date))].append(
            values
        )
    spending: dict = {
        "months": defaultdict(list),
        "years": defaultdict(list),
        "categories": defaultdict(list),
    }
    for e in Expenditure.objects.all():
        spending["months"][(e.project_id, _month(e.spent_on))].append((1, e.amount_usd))
        spending["years"][(e.project_id, _year(e.spent_on))].append((1, e.amount_usd))
        spending["categories"][(e.project_id, _year(e.spent_on), e.category)].append(
            (1, e.amount_usd)
        )

    def summed(groups: dict) -> dict:
        return {
            key: tuple(sum(column) for column in zip(*rows, strict=True))
            for key, rows in groups.items()
        }

    return {
        "tranche months": summed(tranches["months"]),
        "tranche years": summed(tranches["years"]),
        "spending months": summed(spending["months"]),
        "spending years": summed(spending["years"]),
        "spending categories": summed(spending["categories"]),
    }


def _tranche_sums(t) -> tuple:
    return (
        t.tranches,
        t.planned_amount,
        t.planned_amount_usd,
        t.received_amount,
        t.received_amount_usd,
    )


def stored_totals() -> dict[str, dict]:
    return {
        "tranche months": {
            (t.agreement_id, t.planned_month, t.received_month): _tranche_sums(t)
            for t in DisbursementMonth.objects.all()
        },
        "tranche years": {
            (t.agreement_id, t.planned_year, t.received_year): _tranche_sums(t)
            for t in DisbursementYear.objects.all()
        },
        "spending months": {
            (m.project_id, m.month): (m.expenditures, m.amount_usd)
            for m in ExpenditureMonth.objects.all()
        },
        "spending years": {
            (y.project_id, y.year): (y.expenditures, y.amount_usd)
            for y in ExpenditureYear.objects.all()
        },
        "spending categories": {
            (y.project_id, y.year, y.category): (y.expenditures, y.amount_usd)
            for y in ExpenditureCategoryYear.objects.all()
        },
    }


def assert_totals_equal_the_rows(step: str = "") -> None:
    expected, stored = expected_totals(), stored_totals()
    for table in expected:
        assert stored[table] == expected[table], (step, table)


# --- A programme, and random writes through the services --------------------------------------


def _month_days(first: datetime.date, last: datetime.date):
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = (month + datetime.timedelta(days=32)).replace(day=1)


def build_programme(rng: random.Random) -> dict:
    for currency, base in (("EUR", D("1.05")), ("JPY", D("0.0075"))):
        for n, month in enumerate(_month_days(day(2020, 1, 1), LAST)):
            project_services.exchange_rate_set(
                currency=currency,
                month=month,
                usd_per_unit=(base * (1 + D(n % 7) / 100)).quantize(D("0.00000001")),
                source="test",
            )
    implementer = ImplementerFactory()
    agreements = []
    for n, (currency, amount) in enumerate(
        (("USD", D("5000000.00")), ("EUR", D("3000000.00")), ("JPY", D("600000000")))
    ):
        agreements.append(
            donor_services.agreement_create(
                donor=DonorFactory(short_name=f"DONOR{n}"),
                implementer=implementer,
                reference=f"AGR-{n}",
                title=f"Agreement {n}",
                currency=currency,
                amount=amount,
                signed_on=day(2020, 12, 15),
                start_date=FIRST,
                end_date=LAST,
            )
        )
    projects = [ProjectFactory(code=f"P{n}", start_date=FIRST, end_date=LAST) for n in range(4)]
    for agreement in agreements:
        for project in rng.sample(projects, 2):
            donor_services.allocation_create(
                agreement=agreement, project=project, amount=agreement.amount / 4
            )
    return {"agreements": agreements, "projects": projects}


def _a_day(rng: random.Random, first=FIRST, last=LAST) -> datetime.date:
    # Often the first or last of a month, where a month's totals begin and end.
    d = first + datetime.timedelta(days=rng.randrange((last - first).days + 1))
    pick = rng.random()
    if pick < 0.15:
        return d.replace(day=1)
    if pick < 0.3:
        return (d.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - (
            datetime.timedelta(days=1)
        )
    return d


def _amount(rng: random.Random, currency: str) -> D:
    whole = D(rng.randrange(1, 200)) * 1000
    return whole if currency == "JPY" else whole + D(rng.randrange(100)) / 100


def _some(rng: random.Random, queryset):
    rows = list(queryset.order_by("pk"))
    return rng.choice(rows) if rows else None


def write_at_random(rng: random.Random, world: dict) -> str:
    """One random write through a service (a refused one changes nothing); its name."""
    agreement = rng.choice(world["agreements"])
    agreement.refresh_from_db()
    currency = agreement.currency
    project = rng.choice(world["projects"])
    op = rng.choice(
        [
            "plan",
            "plan",
            "plan_received",
            "receive",
            "edit_tranche",
            "edit_tranche",
            "unreceive",
            "delete_tranche",
            "spend",
            "spend",
            "spend",
            "edit_spending",
            "edit_spending",
            "move_spending",
            "delete_spending",
            "import_spending",
            "rate_change",
            "allocation",
            "rate_correction",
        ]
    )
    tranche = _some(rng, Disbursement.objects.filter(agreement=agreement))
    spending = _some(rng, Expenditure.objects.all())
    if op in ("plan", "plan_received"):
        received = _a_day(rng) if op == "plan_received" else None
        donor_services.disbursement_create(
            agreement=agreement,
            planned_date=_a_day(rng),
            planned_amount=_amount(rng, currency),
            received_date=received,
            received_amount=_amount(rng, currency) if received else None,
        )
    elif op == "receive" and tranche is not None and tranche.received_date is None:
        donor_services.disbursement_receive(
            disbursement=tranche,
            received_date=_a_day(rng),
            received_amount=_amount(rng, currency),
        )
    elif op == "edit_tranche" and tranche is not None:
        changes = rng.choice(
            [
                {"planned_date": _a_day(rng)},
                {"planned_amount": _amount(rng, currency)},
                {"planned_date": _a_day(rng), "planned_amount": _amount(rng, currency)},
                {"received_date": _a_day(rng), "received_amount": _amount(rng, currency)},
                {"notes": f"note {rng.random()}"},
            ]
        )
        donor_services.disbursement_update(disbursement=tranche, reason="correction", **changes)
    elif op == "unreceive" and tranche is not None and tranche.received_date is not None:
        donor_services.disbursement_update(
            disbursement=tranche, reason="reversed", received_date=None, received_amount=None
        )
    elif op == "delete_tranche" and tranche is not None:
        donor_services.disbursement_delete(disbursement=tranche, reason="cancelled")
    elif op == "spend":
        project_services.expenditure_create(
            project=project,
            category=rng.choice(CATEGORIES),
            spent_on=_a_day(rng),
            amount=_amount(rng, "USD"),
            currency=rng.choice(["USD", "EUR"]),
        )
    elif op == "edit_spending" and spending is not None:
        changes = rng.choice(
            [
                {"spent_on": _a_day(rng)},
                {"amount": _amount(rng, "USD")},
                {"category": rng.choice(CATEGORIES)},
                {"currency": "EUR", "amount": _amount(rng, "USD")},
                {"description": "corrected"},
            ]
        )
        project_services.expenditure_update(expenditure=spending, reason="fix", **changes)
    elif op == "move_spending" and spending is not None:
        project_services.expenditure_update(
            expenditure=spending, project=project, spent_on=_a_day(rng)
        )
    elif op == "delete_spending" and spending is not None:
        project_services.expenditure_delete(expenditure=spending, reason="duplicate")
    elif op == "import_spending":
        project_services.expenditure_import(
            rows=[
                project_services.ExpenditureInput(
                    project=rng.choice(world["projects"]),
                    category=rng.choice(CATEGORIES),
                    spent_on=_a_day(rng),
                    amount=_amount(rng, "USD"),
                    currency="USD",
                )
                for _ in range(rng.randrange(1, 4))
            ]
        )
    elif op == "rate_change":
        # Signed in another month: its rate, and so every planned tranche's USD value, moves.
        donor_services.agreement_update(agreement=agreement, signed_on=_a_day(rng))
    elif op == "allocation":
        allocation = _some(rng, Allocation.objects.filter(agreement=agreement))
        if allocation is not None and rng.random() < 0.5:
            donor_services.allocation_update(allocation=allocation, amount=_amount(rng, currency))
        elif allocation is not None and rng.random() < 0.5:
            donor_services.allocation_delete(allocation=allocation)
        else:
            donor_services.allocation_create(
                agreement=agreement, project=project, amount=_amount(rng, currency)
            )
    elif op == "rate_correction":
        project_services.exchange_rate_set(
            currency="EUR",
            month=_a_day(rng),
            usd_per_unit=D("1.2") + D(rng.randrange(100)) / 1000,
            source="correction",
        )
    return op


def run_writes(rng: random.Random, world: dict, steps: int, check=None) -> dict[str, int]:
    done: dict[str, int] = defaultdict(int)
    for step in range(steps):
        try:
            with transaction.atomic():
                op = write_at_random(rng, world)
        except (DomainError, RowErrors):
            op = "refused"
        done[op] += 1
        if check is not None:
            check(f"step {step}: {op}")
    return dict(done)


# --- The tests --------------------------------------------------------------------------------
