"""Programme managers record money in the browser: agreements, allocations and tranches
through donors.services, with each refusal beside its field on the page and nothing
written, the room left and the USD rate shown, and every change in the history."""

import datetime

import pytest
from django.urls import reverse

from donors.models import Allocation, Disbursement
from tests.donors.conftest import money_state
from tests.donors.manage_views_support import D, field_errors
from tests.factories import EurAgreementFactory

day = datetime.date


# --- Allocations -----------------------------------------------------------------------


def test_the_allocation_form_shows_the_room_left_in_minor_units(browser, money):
    response = browser.get(reverse("donors:allocation-create", args=[money.agreement.pk]))
    html = response.content.decode()

    assert 'data-limit-minor="100000000"' in html
    assert 'data-used-minor="60000000"' in html
    assert 'data-testid="room-left">EUR 400,000.00<' in html
    # A project the agreement already funds is changed, not offered again.
    assert [p.code for p in response.context["form"].fields["project"].queryset] == ["PRJ-B"]


def test_a_manager_allocates_an_agreement_to_a_project(browser, money, manager):
    response = browser.post(
        reverse("donors:allocation-create", args=[money.agreement.pk]),
        {"project": money.other_project.pk, "amount": "400000.00", "notes": ""},
    )

    assert response.status_code == 302
    allocation = Allocation.objects.get(agreement=money.agreement, project=money.other_project)
    assert (allocation.amount, allocation.amount_usd) == (D("400000.00"), D("432000.00"))
    assert allocation.history.get().history_user == manager


def test_an_allocation_past_the_agreement_is_refused_beside_the_amount(browser, money):
    before = money_state()

    response = browser.post(
        reverse("donors:allocation-create", args=[money.agreement.pk]),
        {"project": money.other_project.pk, "amount": "400000.01", "notes": ""},
    )

    assert response.status_code == 400
    assert field_errors(response, "amount") == (
        "Allocations would total EUR 1,000,000.01, more than the EUR 1,000,000.00 committed; "
        "EUR 400,000.00 is left to allocate."
    )
    assert money_state() == before


def test_changing_an_allocation_counts_every_allocation_but_itself(browser, money, manager):
    url = reverse("donors:allocation-update", args=[money.allocation.pk])
    html = browser.get(url).content.decode()
    assert 'data-used-minor="0"' in html

    response = browser.post(url, {"amount": "1000000.00", "notes": "", "reason": "Budget"})

    assert response.status_code == 302
    money.allocation.refresh_from_db()
    assert (money.allocation.amount, money.allocation.amount_usd) == (
        D("1000000.00"),
        D("1080000.00"),
    )
    assert money.allocation.history.latest().history_change_reason == "Budget"


def test_an_allocation_is_removed_only_after_confirmation(browser, money, manager):
    url = reverse("donors:allocation-delete", args=[money.allocation.pk])

    page = browser.get(url)
    assert "Remove the allocation" in page.content.decode()
    assert Allocation.objects.filter(pk=money.allocation.pk).exists()
    response = browser.post(url, {"reason": "Project closed early"})

    assert response.status_code == 302
    assert not Allocation.objects.filter(pk=money.allocation.pk).exists()
    record = Allocation.history.filter(id=money.allocation.pk).latest()
    assert (record.history_type, record.history_change_reason) == ("-", "Project closed early")


# --- Tranches --------------------------------------------------------------------------


def test_a_manager_plans_a_tranche_at_the_agreements_rate(browser, money, manager):
    response = browser.post(
        reverse("donors:tranche-create", args=[money.agreement.pk]),
        {"planned_date": "2024-02-01", "planned_amount": "100000.00", "notes": ""},
    )

    assert response.status_code == 302
    tranche = Disbursement.objects.get(agreement=money.agreement, planned_date=day(2024, 2, 1))
    assert (tranche.planned_amount, tranche.planned_usd_rate, tranche.planned_amount_usd) == (
        D("100000.00"),
        money.agreement.usd_rate,
        (D("100000.00") * money.agreement.usd_rate).quantize(D("0.01")),
    )
    assert tranche.received_date is None


def test_a_plan_past_the_commitment_is_refused_beside_the_planned_amount(browser, money):
    before = money_state()

    response = browser.post(
        reverse("donors:tranche-create", args=[money.agreement.pk]),
        {"planned_date": "2024-02-01", "planned_amount": "500000.01", "notes": ""},
    )

    assert response.status_code == 400
    assert field_errors(response, "planned_amount") == (
        "Tranches would total EUR 1,000,000.01, more than the EUR 1,000,000.00 committed; "
        "EUR 500,000.00 is left to plan."
    )
    assert money_state() == before


def test_the_receipt_form_shows_the_rate_and_what_can_still_be_received(browser, money):
    html = browser.get(reverse("donors:tranche-receive", args=[money.planned.pk])).content.decode()

    assert 'data-testid="room-left">EUR 700,000.00<' in html
    assert 'data-used-minor="30000000"' in html
    assert 'hx-get="/funding/agreements/' in html


def test_a_manager_records_a_receipt_at_the_rate_of_its_month(browser, money, manager):
    response = browser.post(
        reverse("donors:tranche-receive", args=[money.planned.pk]),
        {"received_date": "2023-09-04", "received_amount": "199980.00"},
    )

    assert response.status_code == 302
    money.planned.refresh_from_db()
    tranche = money.planned
    assert (tranche.received_date, tranche.received_amount) == (day(2023, 9, 4), D("199980.00"))
    assert (tranche.received_usd_rate, tranche.received_amount_usd) == (
        D("1.09"),
        D("217978.20"),
    )
    assert tranche.history.latest().history_user == manager


def test_a_receipt_past_the_commitment_is_refused_beside_the_amount(browser, money):
    before = money_state()

    response = browser.post(
        reverse("donors:tranche-receive", args=[money.planned.pk]),
        {"received_date": "2023-09-04", "received_amount": "700000.01"},
    )

    assert response.status_code == 400
    assert field_errors(response, "received_amount") == (
        "Receipts would total EUR 1,000,000.01, more than the EUR 1,000,000.00 committed; "
        "at most EUR 700,000.00 can still be received."
    )
    assert field_errors(response, "received_date") == ""
    assert money_state() == before


def test_a_receipt_in_a_month_without_a_rate_is_refused_beside_the_date(browser, money):
    agreement = EurAgreementFactory(
        reference="CA-001",
        currency="CAD",
        usd_rate=D("0.74"),
        start_date=day(2023, 1, 1),
    )
    tranche = Disbursement.objects.create(
        agreement=agreement,
        planned_date=day(2023, 3, 1),
        planned_amount=D("100.00"),
        planned_usd_rate=D("0.74"),
        planned_amount_usd=D("74.00"),
    )
    before = money_state()

    response = browser.post(
        reverse("donors:tranche-receive", args=[tranche.pk]),
        {"received_date": "2023-03-02", "received_amount": "100.00"},
    )

    assert response.status_code == 400
    assert field_errors(response, "received_date") == (
        "No exchange rate to USD is recorded for CAD in or before March 2023."
    )
    assert "No USD rate for March 2023." in response.content.decode()
    assert money_state() == before


def test_a_received_tranche_is_not_offered_for_receipt_again(browser, money):
    response = browser.get(reverse("donors:tranche-receive", args=[money.received.pk]))

    assert response.status_code == 302
    assert response.url == reverse("donors:tranche-detail", args=[money.received.pk])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"field": "received", "received_date": "2023-06-15", "received_amount": "1000"},
            ["USD rate used for 15 Jun 2023", ">1.09<", "EUR 1,000.00 =", ">USD 1,090.00<"],
        ),
        (
            # A plan takes the agreement's rate, whatever its month (June's is 1.09).
            {"field": "planned", "planned_date": "2023-06-15", "planned_amount": "1000"},
            ["USD rate used: the agreement's", ">1.08<", "EUR 1,000.00 =", ">USD 1,080.00<"],
        ),
        (
            {"field": "received", "received_date": "2022-12-31"},
            ["No USD rate for December 2022.", "No exchange rate to USD is recorded for EUR"],
        ),
        ({"field": "received", "received_date": "not a date"}, ["Choose the date"]),
    ],
)
def test_the_rate_fragment_says_which_rate_a_date_gets(browser, money, params, expected):
    response = browser.get(reverse("donors:agreement-usd-rate", args=[money.agreement.pk]), params)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    for text in expected:
        assert text in html


def test_correcting_a_received_tranche_keeps_the_reason(browser, money, manager):
    response = browser.post(
        reverse("donors:tranche-update", args=[money.received.pk]),
        {
            "planned_date": "2023-03-01",
            "planned_amount": "300000.00",
            "received_date": "2023-03-01",
            "received_amount": "299950.00",
            "notes": "",
            "reason": "Bank fees of EUR 50.00",
        },
    )

    assert response.status_code == 302
    money.received.refresh_from_db()
    assert (money.received.received_amount, money.received.received_amount_usd) == (
        D("299950.00"),
        D("323946.00"),
    )
    record = money.received.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        manager,
        "Bank fees of EUR 50.00",
    )


def test_a_correction_without_a_reason_is_refused_beside_the_reason(browser, money):
    before = money_state()

    response = browser.post(
        reverse("donors:tranche-update", args=[money.received.pk]),
        {
            "planned_date": "2023-03-01",
            "planned_amount": "300000.00",
            "received_date": "2023-03-01",
            "received_amount": "1.00",
            "notes": "",
            "reason": "",
        },
    )

    assert response.status_code == 400
    assert field_errors(response, "reason") == "Give the reason: it is kept in the history."
    assert money_state() == before


def test_the_correction_of_a_planned_tranche_asks_for_no_receipt(browser, money):
    form = browser.get(reverse("donors:tranche-update", args=[money.planned.pk])).context["form"]

    assert list(form.fields) == ["planned_date", "planned_amount", "notes", "reason"]


def test_cancelling_a_received_tranche_needs_a_reason_and_keeps_it(browser, money, manager):
    url = reverse("donors:tranche-delete", args=[money.received.pk])
    before = money_state()

    refused = browser.post(url, {"reason": "  "})

    assert refused.status_code == 400
    assert field_errors(refused, "reason") == "Give the reason: it is kept in the history."
    assert money_state() == before

    response = browser.post(url, {"reason": "Recorded twice"})

    assert response.status_code == 302
    assert response.url == reverse("donors:agreement-detail", args=[money.agreement.pk])
    assert not Disbursement.objects.filter(pk=money.received.pk).exists()
    record = Disbursement.history.filter(id=money.received.pk).latest()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "-",
        manager,
        "Recorded twice",
    )
