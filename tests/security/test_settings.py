"""Production-grade settings: `check --deploy` passes with no warning under the production
settings; a Content-Security-Policy with no inline script or style; sessions that end
after 30 idle minutes; API errors, 500 included, in the documented shape; load_demo that
refuses production settings and never leaves a known administrator password there."""

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ctportal.api.exceptions import SERVER_ERROR_MESSAGE
from ctportal.demo import data
from ctportal.demo.otp import DEMO_OTP_KEY_HEX, demo_otp_secret
from organisations.models import Role
from tests.factories import user_with_role

ROOT = Path(__file__).resolve().parents[2]


def _production_env() -> dict:
    """The environment a deployment gives: a secret, its host, nothing from a developer."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_", "DEBUG"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="ctportal.settings.production",
        SECRET_KEY="k" + "3x9!q-Zr7w$Lm2@pV8tY#nB5dF0hJ6sE4gC1uA" * 2,
        ALLOWED_HOSTS="ctportal.example.gov.pk",
        DEBUG="false",
    )
    return env


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


# --- check --deploy -------------------------------------------------------------------


def test_check_deploy_under_production_settings_has_no_warning():
    result = _run("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNINGS" not in output


def test_production_settings_hold_the_deployment_values():
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({name: getattr(s, name) for name in ("
        "'DEBUG', 'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', 'SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY', "
        "'SESSION_COOKIE_AGE', 'SESSION_SAVE_EVERY_REQUEST', 'CTPORTAL_REQUIRE_OTP_FOR', "
        "'CTPORTAL_PRODUCTION', 'NUM_PROXIES', 'SECURE_REDIRECT_EXEMPT')}))"
    )
    result = _run("-c", script)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_AGE": 1800,
        "SESSION_SAVE_EVERY_REQUEST": True,
        "CTPORTAL_REQUIRE_OTP_FOR": ["programme_manager", "administrator"],
        "CTPORTAL_PRODUCTION": True,
        "NUM_PROXIES": 0,
        "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
    }


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    env["SECRET_KEY"] = ""
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_passwords_need_twelve_characters_and_not_a_common_one(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("Kq8#vLm2pQ")
    with pytest.raises(ValidationError, match="too common"):
        validate_password("password1234")
    validate_password(data.DEMO_PASSWORD)  # 13 characters, not on the list
    validate_password("Sindh-CTD-mentoring-2026")


# --- Content-Security-Policy ----------------------------------------------------------


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_page_carries_a_policy_with_no_inline_script_or_style(client, db):
    client.force_login(user_with_role(Role.PROGRAMME_MANAGER))
    for url in ("/", "/projects/", reverse("login")):
        policy = _policy(client.get(url))
        assert policy["default-src"] == ["'self'"], url
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["img-src"] == ["'self'", "data:"], url
        assert policy["object-src"] == ["'none'"], url
        assert policy["frame-ancestors"] == ["'none'"], url


def test_no_template_holds_an_inline_style_or_script():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        # Django's comments are never sent; they may name what they avoid.
        text = re.sub(
            r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", "", path.read_text(), flags=re.S
        )
        relative = path.relative_to(ROOT).as_posix()
        if re.search(r"\sstyle\s*=", text):
            offenders.append(f"{relative}: style=")
        if re.search(r"<style[\s>]", text):
            offenders.append(f"{relative}: <style>")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "nonce=" not in tag:
                offenders.append(f"{relative}: {tag}")
        if re.search(r"\son[a-z]+\s*=\s*\"", text):
            offenders.append(f"{relative}: an on...= handler")
    assert offenders == []


def test_the_api_docs_run_their_one_script_by_nonce(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    scripts = _policy(response)["script-src"]
    nonces = [value for value in scripts if value.startswith("'nonce-")]
    assert scripts[0] == "'self'"
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    assert f'<script nonce="{nonce}">' in response.content.decode()
    assert _policy(response)["style-src"] == ["'self'"]
    # A new response, a new nonce.
    assert nonces[0] not in _policy(client.get("/api/v1/docs/"))["script-src"]


# --- Sessions -------------------------------------------------------------------------


def test_a_session_lasts_thirty_idle_minutes_and_each_request_renews_it(client, db):
    client.force_login(user_with_role(Role.PROGRAMME_MANAGER))
    client.get("/")
    session = Session.objects.get()
    left = session.expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < left <= datetime.timedelta(minutes=30)

    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=2))
    client.get("/projects/")
    renewed = Session.objects.get().expire_date - timezone.now()
    assert renewed > datetime.timedelta(minutes=29)


def test_an_idle_session_has_ended(client, db):
    client.force_login(user_with_role(Role.PROGRAMME_MANAGER))
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get("/projects/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_session_cookie_ends_with_the_browser_and_is_http_only(client, db):
    user_with_role(Role.DONOR_VIEWER, username="dv")
    response = client.post(reverse("login"), {"username": "dv", "password": "pass-word-123"})
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == ""  # no lifetime: gone when the browser closes


# --- API errors, 500 included ---------------------------------------------------------


@pytest.fixture
def boom(settings, client):
    settings.ROOT_URLCONF = "tests.security.urls_boom"
    client.raise_request_exception = False
    return client


def test_an_unhandled_exception_in_an_api_view_is_a_500_in_the_error_shape(boom, db, caplog):
    response = boom.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"code": "server_error", "message": SERVER_ERROR_MESSAGE, "fields": {}}
    }
    assert "a bug in an API view" not in response.content.decode()
    logged = [r for r in caplog.records if r.name == "ctportal.api"]
    assert logged
    assert logged[0].exc_info[1].args == ("a bug in an API view",)


def test_a_server_error_elsewhere_under_the_api_is_json_too(boom, db):
    response = boom.get("/api/v1/boom-plain/")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"


def test_a_server_error_on_a_page_is_the_portals_page(boom, db):
    response = boom.get("/boom-page/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_the_test_client_still_sees_the_exception_by_default(settings, client, db):
    settings.ROOT_URLCONF = "tests.security.urls_boom"
    with pytest.raises(RuntimeError, match="a bug in an API view"):
        client.get("/api/v1/boom/")


# --- The demo under production settings -----------------------------------------------


def test_load_demo_refuses_production_settings(settings, db):
    settings.CTPORTAL_PRODUCTION = True
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("load_demo", verbosity=0)
    assert not get_user_model().objects.exists()


def test_with_the_flag_no_demo_account_keeps_the_demo_password(settings, db, capsys):
    settings.CTPORTAL_PRODUCTION = True
    settings.CTPORTAL_REQUIRE_OTP_FOR = [Role.PROGRAMME_MANAGER, Role.ADMINISTRATOR]
    call_command("load_demo", allow_production=True)
    out = capsys.readouterr().out
    users = get_user_model().objects
    admin = users.get(username="admin")
    assert admin.is_superuser
    assert not admin.check_password(data.DEMO_PASSWORD)
    printed = re.search(r"the admin account's password is (\S+)", out).group(1)
    assert admin.check_password(printed)
    others = users.exclude(username="admin")
    assert others.count() == len(data.USERS) - 1
    assert not any(user.has_usable_password() for user in others)
    # The public demo authenticator key never reaches a production database.
    assert not TOTPDevice.objects.exists()

    # A second run finds nothing to replace and prints no password.
    call_command("load_demo", allow_production=True)
    assert "password is" not in capsys.readouterr().out
    admin.refresh_from_db()
    assert admin.check_password(printed)


def test_locally_the_demo_manager_and_admin_get_the_printed_authenticator(settings, db, capsys):
    settings.CTPORTAL_REQUIRE_OTP_FOR = [Role.PROGRAMME_MANAGER, Role.ADMINISTRATOR]
    call_command("load_demo", verbosity=0)
    devices = TOTPDevice.objects.filter(confirmed=True).select_related("user")
    assert sorted(d.user.username for d in devices) == ["admin", "manager"]
    assert {d.key for d in devices} == {DEMO_OTP_KEY_HEX}
    assert get_user_model().objects.get(username="manager").check_password(data.DEMO_PASSWORD)

    call_command("demo_logins")
    out = capsys.readouterr().out
    assert demo_otp_secret() in out
    assert "never in production" in out

    call_command("demo_logins", codes=True)
    code = capsys.readouterr().out.strip()
    assert len(code) == 6
    assert code.isdigit()
    assert devices.get(user__username="manager").verify_token(code)
