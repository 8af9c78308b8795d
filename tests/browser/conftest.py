"""Playwright against pytest-django's live server, in Debian's Chromium (never a download).

Fixtures: `browser` (one Chromium per session), `page` (a fresh context per test whose
base_url is the live server, so `page.goto("/projects/")` works), `login(page, user)`,
and `screenshot(page, name, phone=False)` writing PNGs under
test-artifacts/screenshots/<test>/<NN>-<name>.png (one folder per test, numbered by step).
tests/browser/person.py fills forms only after asserting a person can see the field, and
runs axe-core at 1366 and 390 px (assert_accessible).
Browser tests need `transactional_db` (the live server runs in another thread); mark them
`@pytest.mark.browser`. They run one at a time: under pytest-xdist (`make test`) every test
in this folder goes to the same worker (tests/conftest.py, pytest_xdist_make_scheduler).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.person import SCREENSHOT_DIR, fill_visible, save_screenshot, taken
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


# A loaded CI machine (two xdist workers, each with a live server) can take more than
# the default 5 s for a navigation to finish; the same limit as the context's actions.
expect.set_options(timeout=10_000)


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
    # Reduced motion turns off Bootstrap's transitions: a click while a collapse is still
    # opening (the phone's filter panel) could land before the button had settled.
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="en-GB", reduced_motion="reduce"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login():
    """login(page, user): sign in through the sign-in form and land on the home page."""

    def sign_in(page, user, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        fill_visible(page, "Username", user.get_username())
        fill_visible(page, "Password", password)
        page.get_by_role("button", name="Sign in").click()
        # A failed sign-in re-renders the sign-in page with its error.
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    return sign_in


@pytest.fixture
def screenshot():
    """screenshot(page, name, phone=False): a full-page PNG at 1280x900 (or 390x844), saved
    as test-artifacts/screenshots/<test>/<NN>-<name>.png."""

    def take(page, name: str, *, phone: bool = False) -> Path:
        return save_screenshot(page, name, viewport=PHONE if phone else None)

    return take


def pytest_terminal_summary(terminalreporter):
    if taken:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(taken)} screenshot(s) in {SCREENSHOT_DIR}")
