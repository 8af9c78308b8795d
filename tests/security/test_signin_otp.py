"""Two-step sign-in: programme managers and administrators give a one-time code after their
password (setting one up first if they have none) and reach nothing else until they do;
other roles may turn it on; API tokens are not affected."""

import time

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from organisations.models import ApiToken, Role
from organisations.tokens import api_token_create
from tests.factories import user_with_role

PASSWORD = "pass-word-123"
SETUP = reverse("account:otp-setup")
VERIFY = reverse("account:otp-verify")


@pytest.fixture(autouse=True)
def _required(settings):
    settings.CTPORTAL_REQUIRE_OTP_FOR = [Role.PROGRAMME_MANAGER, Role.ADMINISTRATOR]
    cache.clear()


@pytest.fixture
def sana(db):
    return user_with_role(Role.PROGRAMME_MANAGER, username="sana")


@pytest.fixture
def imran(db):
    return user_with_role(Role.COUNTERPART_STAFF, username="imran")


def code_for(device: TOTPDevice) -> str:
    """The code the user's app shows: the current one, or the next if the current one was
    used already (a code works once)."""
    device.refresh_from_db()
    step = max(int(time.time()) // device.step, device.last_t + 1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = step * device.step + 1
    return f"{totp.token():0{device.digits}d}"


def a_minute_later(monkeypatch) -> None:
    """The device's clock moves on (a user does not enter three codes in 30 seconds)."""

    class Later:
        @staticmethod
        def time() -> float:
            return time.time() + 60

    monkeypatch.setattr("django_otp.plugins.otp_totp.models.time", Later)


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def sign_in(client, username: str):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return response


# --- A manager without a device is sent to set one up ---------------------------------


def test_a_manager_without_a_device_must_set_one_up_before_anything_else(client, sana):
    sign_in(client, "sana")
    for url in ("/", "/projects/", "/funding/", "/account/tokens/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{SETUP}?next="), url
    api = client.get("/api/v1/projects/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "second_factor_required"
    # Signing out stays open.
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_setting_up_shows_a_qr_code_and_the_key_and_takes_the_apps_first_code(client, sana):
    sign_in(client, "sana")
    page = client.get(f"{SETUP}?next=/projects/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert '<svg class="otp-qr" role="img"' in html
    device = TOTPDevice.objects.get(user=sana, confirmed=False)
    assert page.context["secret"].replace(" ", "") in html.replace(" ", "")

    wrong = client.post(SETUP, {"code": "000000", "next": "/projects/"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    device.throttle_reset()  # the wrong code above makes the device wait a second
    done = client.post(SETUP, {"code": code_for(device), "next": "/projects/"})
    assert done.status_code == 302
    assert done["Location"] == "/projects/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200


def test_reloading_the_set_up_page_keeps_the_same_key(client, sana):
    sign_in(client, "sana")
    first = client.get(SETUP).context["secret"]
    assert client.get(SETUP).context["secret"] == first
    assert TOTPDevice.objects.filter(user=sana).count() == 1


# --- A manager with a device gives its code -------------------------------------------


def test_a_manager_with_a_device_must_enter_a_valid_code(client, sana):
    device = confirmed_device(sana)
    sign_in(client, "sana")
    response = client.get("/funding/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Ffunding%2F"

    wrong = client.post(VERIFY, {"code": "123456", "next": "/funding/"})
    assert wrong.status_code == 400
    assert client.get("/").status_code == 302

    device.throttle_reset()
    right = client.post(VERIFY, {"code": code_for(device), "next": "/funding/"})
    assert right.status_code == 302
    assert right["Location"] == "/funding/"
    assert client.get("/funding/").status_code == 200


def test_a_code_works_once(client, sana):
    device = confirmed_device(sana)
    code = code_for(device)
    sign_in(client, "sana")
    assert client.post(VERIFY, {"code": code}).status_code == 302
    other = client.__class__()
    sign_in(other, "sana")
    assert other.post(VERIFY, {"code": code}).status_code == 400


def test_wrong_codes_make_the_device_wait(client, sana):
    device = confirmed_device(sana)
    sign_in(client, "sana")
    client.post(VERIFY, {"code": "111111"})
    # Even the right code is refused while the device waits.
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_the_verify_page_does_not_redirect_anywhere_but_this_site(client, sana):
    device = confirmed_device(sana)
    sign_in(client, "sana")
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_password_alone_cannot_replace_the_device(client, sana):
    confirmed_device(sana)
    sign_in(client, "sana")
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=sana).count() == 1


def test_the_admin_site_asks_for_the_code_too(client, db):
    admin = user_with_role(Role.ADMINISTRATOR, username="root")
    device = confirmed_device(admin)
    sign_in(client, "root")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200


# --- Other roles ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COUNTERPART_STAFF, Role.DONOR_VIEWER, Role.EWG_SECRETARIAT])
def test_other_roles_are_not_forced(client, db, role):
    user_with_role(role, username="other")
    sign_in(client, "other")
    assert client.get("/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_a_counterpart_may_turn_it_on_and_is_then_asked_and_may_turn_it_off(
    client, imran, monkeypatch
):
    sign_in(client, "imran")
    page = client.get(reverse("account:otp"))
    assert page.status_code == 200
    assert "Off." in page.content.decode()
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=imran)
    assert client.post(SETUP, {"code": code_for(device)}).status_code == 302
    assert "On." in client.get(reverse("account:otp")).content.decode()

    client.post(reverse("logout"))
    sign_in(client, "imran")
    assert client.get("/").status_code == 302
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get("/").status_code == 200

    a_minute_later(monkeypatch)
    off = client.post(reverse("account:otp-disable"), {"code": code_for(device)})
    assert off.status_code == 302
    assert not TOTPDevice.objects.filter(user=imran).exists()


def test_a_manager_cannot_turn_it_off(client, sana, monkeypatch):
    device = confirmed_device(sana)
    sign_in(client, "sana")
    client.post(VERIFY, {"code": code_for(device)})
    a_minute_later(monkeypatch)
    response = client.post(reverse("account:otp-disable"), {"code": code_for(device)})
    assert response.status_code == 400
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=sana).exists()


def test_nothing_is_asked_when_the_setting_is_empty(client, sana, settings):
    settings.CTPORTAL_REQUIRE_OTP_FOR = []
    sign_in(client, "sana")
    assert client.get("/").status_code == 200


# --- The API ----------------------------------------------------------------------------


def test_a_token_works_without_a_code(sana):
    _, key = api_token_create(user=sana, name="Cron")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/projects/").status_code == 200


def test_a_bad_token_with_an_unverified_session_is_still_a_401(client, sana):
    sign_in(client, "sana")
    response = client.get("/api/v1/projects/", HTTP_AUTHORIZATION="Token ctp_nope")
    assert response.status_code == 401


def test_obtaining_a_token_needs_the_code_of_an_account_with_a_second_factor(sana):
    device = confirmed_device(sana)
    client = APIClient()
    url = "/api/v1/auth/token/"
    body = {"username": "sana", "password": PASSWORD}

    missing = client.post(url, body, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "otp_code_required"
    assert list(missing.json()["error"]["fields"]) == ["otp_code"]

    wrong = client.post(url, {**body, "otp_code": "000000"}, format="json")
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid_otp_code"
    assert not ApiToken.objects.exists()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # the failure was kept

    device.throttle_reset()
    right = client.post(url, {**body, "otp_code": code_for(device)}, format="json")
    assert right.status_code == 201
    assert ApiToken.objects.filter(user=sana).count() == 1


def test_a_manager_without_a_device_gets_no_token_by_password(sana):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "sana", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert "set up an authenticator app" in response.json()["error"]["message"]
    assert not ApiToken.objects.exists()
