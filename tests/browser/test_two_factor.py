"""A programme manager signs in with a second factor in a real Chromium: password, then
setting up an authenticator (the key read off the page, as a person types it into an app),
the app's code, home; then signs out and in again with a new code. No page breaks the
Content-Security-Policy on the way."""

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from organisations.models import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"


def _app_code(secret_text: str, *, after_step: int = -1) -> str:
    """What an authenticator app holding this key shows: the current code, or the next one
    when the current one was used already (each code is accepted once)."""
    secret = secret_text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    step = max(int(time.time()) // 30, after_step + 1)
    totp = TOTP(key, step=30, digits=6)
    totp.time = step * 30 + 1
    return f"{totp.token():06d}"


def _password_step(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_manager_signs_in_with_a_second_factor(page, screenshot, settings):
    settings.CTPORTAL_REQUIRE_OTP_FOR = [Role.PROGRAMME_MANAGER, Role.ADMINISTRATOR]
    manager = user_with_role(
        Role.PROGRAMME_MANAGER, username="sana", first_name="Sana", last_name="Qureshi"
    )
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    # Password first: the portal sends a manager with no authenticator to set one up.
    _password_step(page, "sana")
    expect(page).to_have_url(re.compile(r"/account/two-step/set-up/\?next=%2F$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    secret = page.get_by_test_id("otp-secret").inner_text()
    assert len(secret.replace(" ", "")) == 32
    screenshot(page, "two-factor-set-up")
    screenshot(page, "two-factor-set-up-phone", phone=True)

    # Nothing else opens until the code is given; then the page asked for opens.
    page.goto("/projects/")
    expect(page).to_have_url(re.compile(r"/account/two-step/set-up/\?next=%2Fprojects%2F$"))

    page.get_by_label("Code from your authenticator app").fill(_app_code(secret))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page).to_have_url(re.compile(r"/projects/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Projects")
    expect(page.get_by_text("Two-step sign-in is on")).to_be_visible()
    screenshot(page, "two-factor-projects")

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # Next time: password, then the code.
    _password_step(page, "sana")
    expect(page).to_have_url(re.compile(r"/account/two-step/code/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    screenshot(page, "two-factor-code")
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()

    device = TOTPDevice.objects.get(user=manager, confirmed=True)
    # The wrong code makes the device wait a second before it takes another.
    time.sleep(1.1)
    page.get_by_label("Code from your authenticator app").fill(
        _app_code(secret, after_step=device.last_t)
    )
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Sana Qureshi")

    screenshot(page, "two-factor-home")
    assert violations == []
