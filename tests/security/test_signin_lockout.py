"""Guessing passwords: after repeated failures an account (and an address) is locked, on the
sign-in page, the admin's sign-in and the API's token endpoint alike. A new X-Forwarded-For
per try does not make a new address; the right password is refused while locked; the lock
lifts after the cool-off or when an administrator unlocks the account."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from organisations.models import ApiToken, Role
from tests.factories import user_with_role

PASSWORD = "pass-word-123"
LOCKED = (
    "Too many failed sign-ins. Try again in 15 minutes or ask an administrator to unlock "
    "your account."
)


@pytest.fixture(autouse=True)
def _limits(settings):
    """The shipped limits, whatever the environment says; throttle counters start empty."""
    settings.AXES_FAILURE_LIMIT = 5
    settings.CTPORTAL_ADDRESS_FAILURE_LIMIT = 20
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sana(db):
    return user_with_role(Role.PROGRAMME_MANAGER, username="sana")


def _spoofed(n: int) -> dict:
    """A different X-Forwarded-For on every try, from the same real address."""
    return {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": f"198.51.100.{n}"}


def _sign_in(client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- The sign-in page -----------------------------------------------------------------


def test_four_failures_leave_the_account_usable(client, sana):
    for n in range(4):
        assert _sign_in(client, "sana", "guess", **_spoofed(n)).status_code == 200
    response = _sign_in(client, "sana", PASSWORD, **_spoofed(9))
    assert response.status_code == 302
    assert _signed_in(client)


def test_the_fifth_failure_locks_the_account_and_the_right_password_is_refused(client, sana):
    statuses = [_sign_in(client, "sana", "guess", **_spoofed(n)).status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]

    response = _sign_in(client, "sana", PASSWORD, **_spoofed(99))
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert LOCKED in response.content.decode()
    assert not _signed_in(client)
    # The page is still the sign-in page, with its form.
    assert response.templates[0].name == "registration/login.html"


def test_the_lock_holds_from_any_address(client, sana):
    for n in range(5):
        _sign_in(client, "sana", "guess", REMOTE_ADDR=f"192.0.2.{n}")
    response = _sign_in(client, "sana", PASSWORD, REMOTE_ADDR="192.0.2.200")
    assert response.status_code == 429
    assert not _signed_in(client)


def test_an_address_is_locked_after_twenty_failures_for_any_accounts(client, sana):
    # Password spraying: one guess for each of many accounts, a new X-Forwarded-For each.
    for n in range(20):
        _sign_in(client, f"someone{n}", "guess", **_spoofed(n))
    response = _sign_in(client, "sana", PASSWORD, **_spoofed(77))
    assert response.status_code == 429
    assert not _signed_in(client)
    # Sana's account itself is not locked: from another address she signs in.
    response = _sign_in(client, "sana", PASSWORD, REMOTE_ADDR="192.0.2.50")
    assert response.status_code == 302


def test_behind_our_proxy_the_address_is_the_one_it_saw_not_the_one_the_client_wrote(
    client, sana, settings
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The attacker at 198.51.100.66 puts a new address in front on each try; our proxy
    # appends the one it saw.
    for n in range(20):
        _sign_in(
            client,
            f"someone{n}",
            "guess",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.66",
            **proxy,
        )
    locked = _sign_in(
        client, "sana", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.250, 198.51.100.66", **proxy
    )
    assert locked.status_code == 429
    # Someone else behind the same proxy is another address.
    other = _sign_in(client, "sana", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.67", **proxy)
    assert other.status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, sana):
    for n in range(5):
        _sign_in(client, "sana", "guess", **_spoofed(n))
    assert _sign_in(client, "sana", PASSWORD, **_spoofed(50)).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    )
    assert _sign_in(client, "sana", PASSWORD, **_spoofed(51)).status_code == 302


# --- The admin's sign-in --------------------------------------------------------------


def test_the_admin_sign_in_locks_too(client, db):
    user_with_role(Role.ADMINISTRATOR, username="root")
    url = reverse("admin:login")
    statuses = [
        client.post(url, {"username": "root", "password": "guess"}, **_spoofed(n)).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    response = client.post(url, {"username": "root", "password": PASSWORD}, **_spoofed(60))
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not _signed_in(client)


# --- The API's token endpoint ---------------------------------------------------------


def test_the_token_endpoint_locks_and_answers_in_the_api_error_shape(sana):
    client = APIClient()
    url = "/api/v1/auth/token/"
    wrong = {"username": "sana", "password": "guess"}
    responses = [client.post(url, wrong, format="json", **_spoofed(n)) for n in range(5)]
    assert [r.status_code for r in responses] == [400, 400, 400, 400, 429]
    assert responses[0].json()["error"]["code"] == "invalid_credentials"

    right = {"username": "sana", "password": PASSWORD}
    response = client.post(url, right, format="json", **_spoofed(70))
    assert response.status_code == 429
    assert response.json() == {
        "error": {"code": "locked_out", "message": LOCKED, "fields": {}},
    }
    assert response["Retry-After"] == "900"
    assert not ApiToken.objects.exists()


def test_failures_on_the_page_and_the_api_add_up(client, sana):
    for n in range(3):
        _sign_in(client, "sana", "guess", **_spoofed(n))
    api = APIClient()
    for _ in range(2):
        api.post("/api/v1/auth/token/", {"username": "sana", "password": "guess"}, format="json")
    assert _sign_in(client, "sana", PASSWORD, **_spoofed(80)).status_code == 429


# --- An administrator unlocks ---------------------------------------------------------


def test_an_administrator_unlocks_an_account_from_the_user_admin(client, sana):
    for n in range(5):
        _sign_in(client, "sana", "guess", **_spoofed(n))
    assert _sign_in(client, "sana", PASSWORD, **_spoofed(90)).status_code == 429

    admin = user_with_role(Role.ADMINISTRATOR, username="root")
    admin_client = client.__class__()
    admin_client.force_login(admin)
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [sana.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 user may sign in again (1 record of failed attempts removed)." in (
        response.content.decode()
    )
    assert not AccessAttempt.objects.filter(username="sana").exists()

    assert _sign_in(client, "sana", PASSWORD, **_spoofed(91)).status_code == 302
    assert _signed_in(client)


def test_unlocking_two_accounts_says_so_in_the_plural(client, sana):
    omar = user_with_role(Role.PROGRAMME_MANAGER, username="omar")
    for username in ("sana", "omar"):
        for n in range(5):
            _sign_in(client, username, "guess", **_spoofed(n))

    admin_client = client.__class__()
    admin_client.force_login(user_with_role(Role.ADMINISTRATOR, username="root"))
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [sana.pk, omar.pk]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "2 users may sign in again (2 records of failed attempts removed)."
    ]
    assert not AccessAttempt.objects.exists()


def test_only_administrators_reach_the_unlock_action(client, sana):
    client.force_login(user_with_role(Role.PROGRAMME_MANAGER, username="other"))
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [sana.pk]},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
