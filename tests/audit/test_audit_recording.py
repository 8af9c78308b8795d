"""The audit log: every sign-in, failed sign-in, lockout, role, permission and token change,
and every change to money, workplans and progress, for administrators only; filtered, paged
by a cursor that loses nothing, and exported as CSV with formulas made inert."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.urls import reverse

from organisations.models import ApiToken, Role, SecurityEvent
from organisations.services import membership_set
from organisations.tokens import api_token_create
from tests.audit.audit_support import PASSWORD, Kind, _events, _sign_in
from tests.factories import (
    ImplementerFactory,
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
