"""API tokens: throttled per address and per account (the address from REMOTE_ADDR, not a
client's X-Forwarded-For), with an expiry date chosen at creation; an expired token is a
401 in the API's error shape."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from organisations.models import ApiToken, Role
from organisations.tokens import api_token_create
from tests.factories import user_with_role

URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sana(db):
    return user_with_role(Role.PROGRAMME_MANAGER, username="sana")


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": None, "anon": None, "auth": None, **rates},
    }


# --- Throttles ------------------------------------------------------------------------


def test_the_address_throttle_ignores_a_new_x_forwarded_for_per_request(sana, settings):
    _rates(settings, auth="3/hour", auth_account=None)
    client = APIClient()
    body = {"username": "sana", "password": "guess"}
    statuses = [
        client.post(URL, body, format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(4)
    ]
    assert statuses == [400, 400, 400, 429]


def test_the_account_throttle_counts_one_account_from_every_address(sana, settings):
    _rates(settings, auth=None, auth_account="3/hour")
    client = APIClient()
    body = {"username": "sana", "password": "pass-word-123"}
    statuses = [
        client.post(
            URL, {**body, "name": f"Script {n}"}, format="json", REMOTE_ADDR=f"192.0.2.{n}"
        ).status_code
        for n in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    assert ApiToken.objects.filter(user=sana).count() == 3
    # Spelling the name otherwise is the same account.
    shouted = {"username": " SANA ", "password": "pass-word-123"}
    assert client.post(URL, shouted, format="json").status_code == 429


def test_people_behind_one_address_each_have_their_own_allowance(sana, settings):
    # One office behind a NAT: a colleague is not throttled by sana's requests.
    _rates(settings, auth="200/hour", auth_account="3/hour")
    user_with_role(Role.COUNTERPART_STAFF, username="imran")
    client = APIClient()
    for n in range(3):
        body = {"username": "sana", "password": "pass-word-123", "name": f"Script {n}"}
        assert client.post(URL, body, format="json").status_code == 201
    assert client.post(URL, body, format="json").status_code == 429
    response = client.post(URL, {"username": "imran", "password": "pass-word-123"}, format="json")
    assert response.status_code == 201


def test_the_shipped_rates_are_per_account_and_generous_per_address(settings):
    from ctportal.settings import base

    assert base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_account"] == "20/hour"
    assert base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"] == "200/hour"
    assert base.REST_FRAMEWORK["NUM_PROXIES"] == 0


# --- Expiry ---------------------------------------------------------------------------


def test_a_token_obtained_without_a_choice_lasts_90_days(sana):
    response = APIClient().post(
        URL, {"username": "sana", "password": "pass-word-123"}, format="json"
    )
    assert response.status_code == 201
    token = ApiToken.objects.get(pk=response.json()["id"])
    lasts = token.expires_at - token.created_at
    assert datetime.timedelta(days=90) - lasts < datetime.timedelta(seconds=5)
    assert response.json()["expires_at"].startswith(f"{token.expires_at:%Y-%m-%d}")


def test_the_token_endpoint_takes_the_days_and_refuses_too_many(sana):
    client = APIClient()
    body = {"username": "sana", "password": "pass-word-123", "expires_in_days": 7}
    response = client.post(URL, body, format="json")
    assert response.status_code == 201
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert (token.expires_at - token.created_at).days in (6, 7)

    too_long = client.post(URL, {**body, "expires_in_days": 366}, format="json")
    assert too_long.status_code == 400
    assert list(too_long.json()["error"]["fields"]) == ["expires_in_days"]
    assert ApiToken.objects.count() == 1


def test_the_token_page_takes_the_days(client, sana):
    client.force_login(sana)
    response = client.post("/account/tokens/", {"name": "Quarterly", "expires_in_days": "30"})
    assert response.status_code == 302
    token = ApiToken.objects.get(user=sana)
    assert abs((token.expires_at - timezone.now()) - datetime.timedelta(days=30)) < (
        datetime.timedelta(seconds=5)
    )
    refused = client.post("/account/tokens/", {"name": "Forever", "expires_in_days": "0"})
    assert refused.status_code == 400
    assert refused.context["form"].errors["expires_in_days"]
    assert ApiToken.objects.filter(user=sana).count() == 1
    listed = client.get("/account/tokens/").content.decode()
    assert f"{timezone.localtime(token.expires_at):%-d %b %Y}" in listed


def test_an_expired_token_is_a_401_in_the_error_shape(sana):
    token, key = api_token_create(user=sana, name="Nightly", expires_in_days=1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/organisations/").status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.get("/api/v1/organisations/")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "token_expired"
    assert error["message"].startswith("The token expired on ")
    assert error["fields"] == {}
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_expired_tokens_do_not_count_against_the_limit_or_names(sana):
    token, _ = api_token_create(user=sana, name="Nightly", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    again, _ = api_token_create(user=sana, name="Nightly")
    assert again.pk != token.pk
    token.refresh_from_db()
    assert token.is_expired
    assert not token.is_active
