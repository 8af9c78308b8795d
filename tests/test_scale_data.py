"""generate_scale_data keeps every rule the services keep (issue 14), checked at the tiny
scale on the rows it wrote, with plain SQL-side sums rather than the portal's selectors."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F, Sum

from ctportal.money import to_usd
from ctportal.scale.generate import PROFILES, generate
from ctportal.scale.profiles import AS_OF
from donors.models import Allocation, Disbursement, FundingAgreement
from projects.models import ExchangeRate, Expenditure
from workplans.models import Activity, ProgressUpdate, WorkplanVersion
from workplans.quarters import quarters_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("require_postgres")]
TINY = PROFILES["tiny"]


def _quiet(_line: str) -> None:
    pass


def _fingerprint() -> tuple:
    return (
        Disbursement.objects.aggregate(a=Sum("planned_amount"), r=Sum("received_amount")),
        Expenditure.objects.aggregate(s=Sum("amount_usd")),
        list(ProgressUpdate.objects.order_by("id").values_list("state", "percent_complete")),
    )


def test_tiny_scale_keeps_the_money_rules():
    counts = generate(TINY, say=_quiet)

    assert counts["disbursements"] == TINY.disbursements == Disbursement.objects.count()
    assert counts["expenditures"] == TINY.expenditures == Expenditure.objects.count()
    assert FundingAgreement.objects.count() == TINY.agreements
    rates = {(r.currency, r.month): r.usd_per_unit for r in ExchangeRate.objects.all()}

    def month_rate(currency, day):
        return Decimal("1") if currency == "USD" else rates[(currency, day.replace(day=1))]

    for agreement in FundingAgreement.objects.all():
        tranches = list(agreement.disbursements.all())
        assert sum(t.planned_amount for t in tranches) <= agreement.amount
        assert sum(t.received_amount or 0 for t in tranches) <= agreement.amount
        allocated = Allocation.objects.filter(agreement=agreement).aggregate(s=Sum("amount"))["s"]
        assert allocated <= agreement.amount
        assert agreement.usd_rate == month_rate(agreement.currency, agreement.signed_on)
        for t in tranches:
            assert agreement.start_date <= t.planned_date <= agreement.end_date
            # USD_POLICY: a plan at the agreement's rate, a receipt at its month's.
            assert t.planned_usd_rate == agreement.usd_rate
            assert t.planned_amount_usd == to_usd(t.planned_amount, agreement.usd_rate)
            if t.received_date is not None:
                assert agreement.start_date <= t.received_date <= min(agreement.end_date, AS_OF)
                assert t.received_usd_rate == month_rate(agreement.currency, t.received_date)
                assert t.received_amount_usd == to_usd(t.received_amount, t.received_usd_rate)
    assert Disbursement.objects.filter(received_date__isnull=False).exists()
    assert Disbursement.objects.overdue(AS_OF).exists()

    for e in Expenditure.objects.select_related("project"):
        assert e.project.start_date <= e.spent_on <= min(e.project.end_date, AS_OF)
        assert e.usd_rate == month_rate(e.currency, e.spent_on)
        assert e.amount_usd == to_usd(e.amount, e.usd_rate)


def test_tiny_scale_keeps_the_results_rules():
    generate(TINY, say=_quiet)

    assert Activity.objects.count() == TINY.activities
    assert ProgressUpdate.objects.count() == TINY.progress_updates
    verified = ProgressUpdate.objects.filter(state=ProgressUpdate.State.VERIFIED)
    assert verified.exists()
    assert not verified.exclude(activity__version__status=WorkplanVersion.Status.APPROVED).exists()
    assert not Activity.objects.exclude(
        output__outcome__sub_programme=F("version__workplan__sub_programme")
    ).exists()
    assert (
        not Activity.objects.exclude(project__isnull=True)
        .exclude(project__sub_programme=F("version__workplan__sub_programme"))
        .exists()
    )
    assert not Activity.objects.exclude(lead_counterpart__kind="counterpart").exists()
    for update in ProgressUpdate.objects.select_related("activity__version__workplan"):
        quarter = quarters_of(update.activity.version.workplan)[update.quarter - 1]
        assert quarter.start <= AS_OF
        if update.state == ProgressUpdate.State.VERIFIED:
            assert quarter.end < update.verified_at.date() <= AS_OF
            assert update.values.count() == 1


def test_same_rows_every_run_and_a_used_database_refused_without_force():
    generate(TINY, say=_quiet)
    first = _fingerprint()

    with pytest.raises(CommandError, match="--force"):
        call_command("generate_scale_data", "--scale", "tiny")
    assert _fingerprint() == first

    generate(TINY, force=True, say=_quiet)
    assert _fingerprint() == first
