"""Playwright against pytest-django's live server, in Debian's Chromium (never a download).

Fixtures: `browser` (one Chromium per session), `page` (a fresh context per test whose
base_url is the live server, so `page.goto("/projects/")` works), `login(page, user)`,
and `screenshot(page, name, phone=False)` writing PNGs under test-artifacts/screenshots/.
Browser tests need `transactional_db` (the live server runs in another thread); mark them
`@pytest.mark.browser` and run them one at a time (never with xdist).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import REQUIRE_REAL_SERVICES

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pass-word-123"  # what tests.factories.UserFactory sets
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

_taken: list[Path] = []


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        if REQUIRE_REAL_SERVICES:
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop in this thread; Django's guard against
    # ORM calls from async code would then refuse the tests' own (synchronous) queries.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login():
    """login(page, user): sign in through the sign-in form and land on the home page."""

    def sign_in(page, user, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        # A failed sign-in re-renders the sign-in page with its error.
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    return sign_in


@pytest.fixture
def screenshot():
    """screenshot(page, name, phone=False): a full-page PNG at 1280x900 (or 390x844)."""

    def take(page, name: str, *, phone: bool = False) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        if phone:
            page.set_viewport_size(PHONE)
        try:
            page.screenshot(path=str(path), full_page=True)
        finally:
            if phone:
                page.set_viewport_size(DESKTOP)
        _taken.append(path)
        return path

    return take


def pytest_terminal_summary(terminalreporter):
    if _taken:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(_taken)} screenshot(s) in {SCREENSHOT_DIR}")
