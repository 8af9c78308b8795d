"""The audit log: every sign-in, failed sign-in, lockout, role, permission and token change,
and every change to money, workplans and progress, for administrators only; filtered, paged
by a cursor that loses nothing, and exported as CSV with formulas made inert."""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from donors.models import Disbursement
from donors.services import disbursement_delete, disbursement_update
from organisations.models import Role, SecurityEvent
from tests.audit.audit_support import KARACHI, URL, D, Kind, _rows, _sign_in
from tests.factories import (
    user_with_role,
)


@pytest.fixture(autouse=True)
def _limits(settings):
    """The shipped lockout limits; throttle counters start empty."""
    settings.AXES_FAILURE_LIMIT = 5
    settings.CTPORTAL_ADDRESS_FAILURE_LIMIT = 20
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    cache.clear()
    yield
    cache.clear()


# --- The page shows them -----------------------------------------------------------------


def test_the_page_lists_security_events_and_a_tranche_change_with_its_reason(
    auditor, client, sana, received, manager
):
    _sign_in(client, "sana", "guess", REMOTE_ADDR="192.0.2.10")
    disbursement_update(
        disbursement=received,
        received_amount=D("290000.00"),
        user=manager,
        reason="The bank kept EUR 10,000 in fees.",
    )

    rows = _rows(auditor.get(URL))

    tranche = rows[0]
    assert (tranche["event"], tranche["what"], tranche["who"]) == (
        "Record changed Disbursement",
        "Changed disbursement planned for 01 Mar 2023",
        manager.username,
    )
    assert "Received amount: EUR 300,000.00 → EUR 290,000.00" in tranche["details"]
    assert "Received amount USD: USD 324,000.00 → USD 313,200.00" in tranche["details"]
    assert "Reason: The bank kept EUR 10,000 in fees." in tranche["details"]
    failed = rows[1]
    assert (failed["event"], failed["what"], failed["who"]) == (
        "Failed sign-in Security",
        "Failed sign-in: Sana Mir",
        "Not signed in",
    )
    assert "Wrong username or password. From 192.0.2.10" in failed["details"]
    # The tranche's creation (by a factory, nobody) comes after: newest first.
    assert rows[2]["what"] == "Created disbursement planned for 01 Mar 2023"
    assert rows[2]["who"] == "System"


def test_a_deleted_tranche_appears_with_its_reason(auditor, received, manager):
    disbursement_delete(disbursement=received, user=manager, reason="Recorded twice.")

    first = _rows(auditor.get(URL, {"object_type": "donors.disbursement"}))[0]
    assert (first["event"], first["what"]) == (
        "Record deleted Disbursement",
        "Deleted disbursement planned for 01 Mar 2023",
    )
    assert "Reason: Recorded twice." in first["details"]


def test_administrators_find_the_page_in_the_menu(auditor):
    items = {item.label: item.url for item in auditor.get("/").context["nav_items"]}

    assert items["Audit log"] == URL


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMINISTRATOR])
def test_no_other_role_finds_it_in_the_menu(client, db, role):
    client.force_login(user_with_role(role))

    assert "Audit log" not in {item.label for item in client.get("/").context["nav_items"]}


# --- Who may see it ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMINISTRATOR, 200),
        (Role.PROGRAMME_MANAGER, 403),
        (Role.COUNTERPART_STAFF, 403),
        (Role.DONOR_VIEWER, 403),
        (Role.EWG_SECRETARIAT, 403),
    ],
)
@pytest.mark.parametrize("query", ["", "?format=csv", "?kind=sign_in"])
def test_only_administrators_open_the_audit_log(client, db, role, status, query):
    client.force_login(user_with_role(role))

    assert client.get(URL + query).status_code == status


def test_someone_signed_out_is_sent_to_sign_in(client, db):
    response = client.get(URL)

    assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next={URL}")


def test_the_page_is_not_cached(auditor):
    assert "no-store" in auditor.get(URL)["Cache-Control"]


def _whats(client, **query) -> list[str]:
    response = client.get(URL, query)
    assert response.status_code == 200
    return [row["what"] for row in _rows(response)]


def test_filter_by_kind_of_event(auditor, mixed):
    assert _whats(auditor, kind="sign_in_failed") == ["Failed sign-in: Sana Mir"]
    assert _whats(auditor, kind="token_created") == ["Token created: Sana Mir"]
    assert _whats(auditor, kind="changed") == ["Changed disbursement planned for 01 Mar 2023"]
    # The fixture's rate, agreement and tranche, newest first.
    assert _whats(auditor, kind="created") == [
        "Created disbursement planned for 01 Mar 2023",
        "Created funding agreement",
        "Created exchange rate",
    ]
    assert _whats(auditor, kind="deleted") == []


def test_filter_by_user_finds_what_they_did_and_what_happened_to_them(auditor, mixed, manager):
    assert _whats(auditor, user="SANA") == [
        "Token created: Sana Mir",
        "Sign-in: Sana Mir",
        "Failed sign-in: Sana Mir",
    ]
    assert _whats(auditor, user=manager.username) == [
        "Changed disbursement planned for 01 Mar 2023"
    ]
    assert _whats(auditor, user="nobody-here") == []


def test_filter_by_a_username_nobody_holds_finds_the_attempts_in_that_name(auditor, mixed):
    _sign_in(Client(), "ghost", "guess")

    assert _whats(auditor, user="ghost") == ["Failed sign-in: ghost"]


def test_filter_by_object_type(auditor, mixed):
    assert _whats(auditor, object_type="donors.disbursement") == [
        "Changed disbursement planned for 01 Mar 2023",
        "Created disbursement planned for 01 Mar 2023",
    ]
    assert len(_whats(auditor, object_type="security")) == 3


def test_filter_by_date_range(auditor, mixed):
    SecurityEvent.objects.filter(kind=Kind.SIGN_IN).update(
        when=datetime.datetime(2024, 3, 10, 23, 59, tzinfo=KARACHI)
    )
    Disbursement.history.filter(history_type="~").update(
        history_date=datetime.datetime(2024, 3, 11, 0, 0, tzinfo=KARACHI)
    )

    assert _whats(auditor, date_from="2024-03-10", date_to="2024-03-10") == ["Sign-in: Sana Mir"]
    assert _whats(auditor, date_from="2024-03-10", date_to="2024-03-11") == [
        "Changed disbursement planned for 01 Mar 2023",
        "Sign-in: Sana Mir",
    ]
    assert "Sign-in: Sana Mir" not in _whats(auditor, date_from="2024-03-11")


def test_a_range_that_ends_before_it_starts_is_an_error_on_the_field(auditor, db):
    response = auditor.get(URL, {"date_from": "2024-03-10", "date_to": "2024-03-01"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "date_to": ["The end date is before the start date."]
    }


@pytest.mark.parametrize(
    "before", ["yesterday", "2024-01-01T00:00:00~1~x", "2024-01-01T00:00:00~1~2"]
)
def test_a_made_up_cursor_is_refused(auditor, before):
    response = auditor.get(URL, {"before": before})

    assert response.status_code == 400
    assert "This page of the log does not exist" in response.content.decode()
