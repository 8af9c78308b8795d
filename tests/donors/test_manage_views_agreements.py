"""Programme managers record money in the browser: agreements, allocations and tranches
through donors.services, with each refusal beside its field on the page and nothing
written, the room left and the USD rate shown, and every change in the history."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from donors.models import FundingAgreement
from tests.donors.conftest import money_state
from tests.donors.manage_views_support import D, field_errors
from tests.factories import EurAgreementFactory


def agreement_form(money, **overrides) -> dict:
    data = {
        "donor": money.eu.pk,
        "implementer": money.agreement.implementer_id,
        "reference": "EU-CT-002",
        "title": "Support to the prosecution of terrorism cases",
        "currency": "EUR",
        "amount": "750000.00",
        "signed_on": "2023-06-20",
        "start_date": "2023-07-01",
        "end_date": "2025-06-30",
        "notes": "",
    }
    return data | overrides


# --- Agreements ------------------------------------------------------------------------


def test_a_manager_records_an_agreement_valued_at_the_month_of_signature(browser, money, manager):
    response = browser.post(reverse("donors:agreement-create"), agreement_form(money))

    agreement = FundingAgreement.objects.get(reference="EU-CT-002")
    assert response.status_code == 302
    assert response.url == reverse("donors:agreement-detail", args=[agreement.pk])
    assert (agreement.currency, agreement.amount, agreement.usd_rate, agreement.amount_usd) == (
        "EUR",
        D("750000.00"),
        D("1.09"),
        D("817500.00"),
    )
    assert agreement.history.get().history_user == manager


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"reference": "EU-CT-001"},
            "reference",
            "Another agreement already has the reference EU-CT-001.",
        ),
        ({"currency": "JPY", "amount": "1500.50"}, "amount", "JPY amounts are whole numbers."),
        ({"end_date": "2023-06-30"}, "end_date", "The end date cannot be before the start date."),
        (
            {"currency": "CAD"},
            "currency",
            "No exchange rate to USD is recorded for CAD in or before June 2023.",
        ),
        ({"amount": "0"}, "amount", "Enter an amount greater than zero."),
    ],
)
def test_a_refused_agreement_shows_the_error_beside_its_field_and_saves_nothing(
    browser, money, overrides, field, message
):
    before = money_state()

    response = browser.post(reverse("donors:agreement-create"), agreement_form(money, **overrides))

    assert response.status_code == 400
    assert field_errors(response, field) == message
    assert money_state() == before


def test_editing_an_agreement_keeps_the_reason_in_its_history(browser, money, manager):
    agreement = money.agreement
    data = agreement_form(
        money,
        reference="EU-CT-001",
        amount="1200000.00",
        signed_on="2023-01-15",
        start_date="2023-02-01",
        end_date="2025-12-31",
        reason="Amendment no. 1",
    )

    response = browser.post(reverse("donors:agreement-update", args=[agreement.pk]), data)

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.amount, agreement.amount_usd, agreement.title) == (
        D("1200000.00"),
        D("1296000.00"),
        "Support to the prosecution of terrorism cases",
    )
    record = agreement.history.latest()
    assert (record.history_user, record.history_change_reason) == (manager, "Amendment no. 1")


def test_a_commitment_below_what_is_allocated_is_refused_on_the_amount(browser, money):
    agreement = money.agreement
    before = money_state()
    data = agreement_form(
        money,
        reference="EU-CT-001",
        amount="599999.99",
        signed_on="2023-01-15",
        start_date="2023-02-01",
        end_date="2025-12-31",
    )

    response = browser.post(reverse("donors:agreement-update", args=[agreement.pk]), data)

    assert response.status_code == 400
    assert field_errors(response, "amount") == (
        "The commitment cannot be less than the EUR 600,000.00 already allocated to projects."
    )
    # The page keeps the saved figures in its heading while showing what was typed.
    assert "Edit agreement EU-CT-001" in response.content.decode()
    assert 'value="599999.99"' in response.content.decode()
    assert money_state() == before


def test_an_agreement_in_use_offers_no_deletion_and_refuses_one(browser, money):
    url = reverse("donors:agreement-delete", args=[money.agreement.pk])
    before = money_state()

    page = browser.get(url)
    posted = browser.post(url, {"reason": "Mistake"})

    message = "This agreement has allocations or tranches; delete those first."
    assert page.status_code == 200
    assert message in page.content.decode()
    assert "<form" not in page.content.decode().split('id="main"')[1]
    assert posted.status_code == 400
    assert message in posted.content.decode()
    assert money_state() == before


def test_an_unused_agreement_is_deleted_after_confirmation_with_its_reason(browser, money, manager):
    agreement = EurAgreementFactory(reference="EU-CT-009", donor=money.eu)
    url = reverse("donors:agreement-delete", args=[agreement.pk])

    assert "Delete the agreement" in browser.get(url).content.decode()
    response = browser.post(url, {"reason": "Signed in error"})

    assert response.status_code == 302
    assert response.url == reverse("donors:agreement-manage-list")
    assert not FundingAgreement.objects.filter(reference="EU-CT-009").exists()
    record = FundingAgreement.history.filter(reference="EU-CT-009").latest()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "-",
        manager,
        "Signed in error",
    )


# --- The agreement list ----------------------------------------------------------------


def _references(response) -> list[str]:
    return [a.reference for a in response.context["agreements"]]


def test_the_agreement_list_searches_reference_title_and_donor(browser, money):
    url = reverse("donors:agreement-manage-list")

    assert _references(browser.get(url)) == ["EU-CT-001", "JP-CT-001"]
    assert _references(browser.get(url, {"q": "jp-ct"})) == ["JP-CT-001"]
    assert _references(browser.get(url, {"q": "european"})) == ["EU-CT-001"]
    assert _references(browser.get(url, {"q": "EU support"})) == ["EU-CT-001"]
    assert _references(browser.get(url, {"q": "nothing like it"})) == []


@pytest.mark.parametrize(
    ("search", "said"),
    [("jp-ct", "1 agreement matches “jp-ct”."), ("ct-001", "2 agreements match “ct-001”.")],
)
def test_the_agreement_list_counts_its_matches_in_good_english(browser, money, search, said):
    response = browser.get(reverse("donors:agreement-manage-list"), {"q": search})
    count = re.search(
        r'data-testid="agreement-count">(.*?)</p>', response.content.decode(), re.S
    ).group(1)
    assert " ".join(count.split()) == said


def test_the_agreement_list_sorts_by_its_columns_both_ways(browser, money):
    url = reverse("donors:agreement-manage-list")
    EurAgreementFactory(
        reference="AA-001", donor=money.japan, amount=D("5.00"), amount_usd=D("5.40")
    )

    assert _references(browser.get(url, {"sort": "reference"})) == [
        "AA-001",
        "EU-CT-001",
        "JP-CT-001",
    ]
    assert _references(browser.get(url, {"sort": "-reference"})) == [
        "JP-CT-001",
        "EU-CT-001",
        "AA-001",
    ]
    assert _references(browser.get(url, {"sort": "amount"}))[0] == "AA-001"
    assert _references(browser.get(url, {"sort": "-donor"})) == [
        "AA-001",
        "JP-CT-001",
        "EU-CT-001",
    ]
    # The header of the sorted column says so and offers the other way round.
    html = browser.get(url, {"sort": "reference"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert "?sort=-reference" in html
    # An unknown sort keeps the default order rather than failing.
    assert browser.get(url, {"sort": "password"}).status_code == 200


def test_the_agreement_list_is_paginated(browser, money):
    for n in range(30):
        EurAgreementFactory(reference=f"PAGE-{n:02d}", donor=money.japan)
    url = reverse("donors:agreement-manage-list")

    first = browser.get(url, {"sort": "reference"})
    second = browser.get(url, {"sort": "reference", "page": 2})

    assert first.context["page_obj"].paginator.count == 32
    assert len(_references(first)) == 25
    assert _references(second) == ["PAGE-23", "PAGE-24", "PAGE-25", "PAGE-26", "PAGE-27",
                                    "PAGE-28", "PAGE-29"]  # fmt: skip


def test_the_agreement_list_takes_the_same_queries_for_one_and_five_rows(
    browser, manager, django_assert_num_queries
):
    url = reverse("donors:agreement-manage-list")
    EurAgreementFactory()
    browser.get(url)  # the first request warms the session
    with CaptureQueriesContext(connection) as one:
        assert browser.get(url).status_code == 200
    for _ in range(4):
        EurAgreementFactory()

    with django_assert_num_queries(len(one.captured_queries)):
        response = browser.get(url)

    assert len(_references(response)) == 5


# --- Links and history -------------------------------------------------------------------


def test_the_agreement_page_gives_managers_their_buttons_and_the_history(browser, money):
    page = browser.get(reverse("donors:agreement-detail", args=[money.agreement.pk]))
    html = page.content.decode()

    for url in (
        reverse("donors:agreement-update", args=[money.agreement.pk]),
        reverse("donors:allocation-create", args=[money.agreement.pk]),
        reverse("donors:tranche-create", args=[money.agreement.pk]),
        reverse("donors:tranche-receive", args=[money.planned.pk]),
        reverse("donors:tranche-update", args=[money.received.pk]),
        reverse("donors:allocation-update", args=[money.allocation.pk]),
    ):
        assert f'href="{url}"' in html
    # In use: no deletion offered.
    assert reverse("donors:agreement-delete", args=[money.agreement.pk]) not in html
    assert 'data-testid="history"' in html


def test_a_correction_reaches_the_agreement_and_tranche_histories(browser, money, manager):
    browser.post(
        reverse("donors:tranche-update", args=[money.planned.pk]),
        {
            "planned_date": "2023-10-02",
            "planned_amount": "200000.00",
            "notes": "",
            "reason": "Donor asked to pay a month later",
        },
    )

    tranche_page = browser.get(reverse("donors:tranche-detail", args=[money.planned.pk]))
    agreement_page = browser.get(reverse("donors:agreement-detail", args=[money.agreement.pk]))

    latest = tranche_page.context["history"][0]
    assert (latest.who, latest.action, latest.reason) == (
        "manager",
        "Changed",
        "Donor asked to pay a month later",
    )
    assert [(c.label, c.old, c.new) for c in latest.changes][0][1:] == (
        "01 Sep 2023",
        "02 Oct 2023",
    )
    assert "Donor asked to pay a month later" in agreement_page.content.decode()


def test_the_dashboard_and_tranche_list_link_managers_to_these_pages(browser, money):
    dashboard = browser.get(reverse("donors:dashboard")).content.decode()
    tranches = browser.get(reverse("donors:tranche-list")).content.decode()

    assert f'href="{reverse("donors:agreement-manage-list")}"' in dashboard
    assert f'href="{reverse("donors:agreement-create")}"' in dashboard
    assert f'href="{reverse("donors:tranche-receive", args=[money.planned.pk])}"' in tranches
    assert f'href="{reverse("donors:tranche-delete", args=[money.received.pk])}"' in tranches
