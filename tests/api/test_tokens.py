"""Per-user API tokens: created, named, listed and revoked on /account/tokens/, or obtained
with a username and password; only a digest is stored; a revoked token stops at once."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from organisations.models import ApiToken, Role
from organisations.tokens import MAX_ACTIVE_TOKENS, api_token_create
from tests.api.conftest import client_for
from tests.factories import user_with_role


@pytest.fixture
def manager(db):
    return user_with_role(Role.PROGRAMME_MANAGER, username="sana")


def _auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def test_the_token_page_creates_a_named_token_and_shows_its_key_once(client, manager):
    client.force_login(manager)
    response = client.post("/account/tokens/", {"name": "Monthly export"})
    assert response.status_code == 302
    page = client.get("/account/tokens/")
    key = page.context["new_key"]["key"]
    assert key.startswith("ctp_")
    assert key in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=manager)
    assert (token.name, token.prefix) == ("Monthly export", key[:12])
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.values_list().get())
    # Shown once: the next visit lists the token without its key.
    again = client.get("/account/tokens/").content.decode()
    assert key not in again
    assert "Monthly export" in again
    assert key[:12] in again
    assert client.get("/api/v1/projects/", **_auth(key)).status_code == 200


def test_a_token_needs_a_name_unique_among_the_active_ones(client, manager):
    client.force_login(manager)
    assert client.post("/account/tokens/", {"name": "  "}).status_code == 400
    client.post("/account/tokens/", {"name": "Export"})
    response = client.post("/account/tokens/", {"name": "export"})
    assert response.status_code == 400
    assert "already have an active token named export" in response.content.decode()
    assert ApiToken.objects.filter(user=manager).count() == 1


def test_a_user_holds_a_bounded_number_of_active_tokens(manager):
    for number in range(MAX_ACTIVE_TOKENS):
        api_token_create(user=manager, name=f"script {number}")
    with pytest.raises(Exception, match="revoke one"):
        api_token_create(user=manager, name="one too many")


def test_revoking_a_token_stops_it_at_once(client, manager):
    token, key = api_token_create(user=manager, name="Laptop")
    assert client.get("/api/v1/projects/", **_auth(key)).status_code == 200
    client.force_login(manager)
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    refused = client.get("/api/v1/projects/", **_auth(key))
    assert refused.status_code == 401
    assert refused.json()["error"] == {
        "code": "authentication_failed",
        "message": "The token is unknown or has been revoked.",
        "fields": {},
    }


def test_nobody_revokes_another_users_token(client, manager):
    token, key = api_token_create(user=manager, name="Mine")
    other = user_with_role(Role.PROGRAMME_MANAGER, username="other")
    client.force_login(other)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "Mine" not in client.get("/account/tokens/").content.decode()


def test_the_token_page_is_for_signed_in_users(client, db):
    response = client.get("/account/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_token_records_when_it_was_last_used(manager):
    token, key = api_token_create(user=manager, name="Cron")
    assert token.last_used_at is None
    client_for(None).get("/api/v1/projects/", **_auth(key))
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < datetime.timedelta(seconds=5)


def test_an_inactive_users_token_no_longer_works(manager):
    _, key = api_token_create(user=manager, name="Cron")
    manager.is_active = False
    manager.save()
    assert client_for(None).get("/api/v1/projects/", **_auth(key)).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Token", "Token a b", "Token ctp_not-a-real-key", "Token nonsense", "Token \u00e9t\u00e9"],
)
def test_malformed_or_unknown_tokens_are_a_401(db, header):
    response = client_for(None).get("/api/v1/projects/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'
    assert response.json()["error"]["code"] == "authentication_failed"


def test_obtaining_a_token_with_username_and_password(manager):
    client = client_for(None)
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "sana", "password": "pass-word-123", "name": "Nightly sync"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "name", "key", "created_at", "expires_at"}
    assert body["name"] == "Nightly sync"
    listed = client.get("/api/v1/organisations/", **_auth(body["key"]))
    assert listed.status_code == 200


def test_a_wrong_password_gets_no_token(manager):
    response = client_for(None).post(
        "/api/v1/auth/token/", {"username": "sana", "password": "guess"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_obtaining_tokens_is_throttled(manager, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": None, "anon": None, "auth": "3/hour"},
    }
    client = client_for(None)
    body = {"username": "sana", "password": "guess"}
    statuses = [client.post("/api/v1/auth/token/", body, format="json") for _ in range(4)]
    assert [r.status_code for r in statuses] == [400, 400, 400, 429]
    assert statuses[-1].json()["error"]["code"] == "throttled"
    assert int(statuses[-1]["Retry-After"]) > 0


def test_a_session_works_for_the_browser(client, manager):
    client.force_login(manager)
    assert client.get("/api/v1/projects/").status_code == 200
