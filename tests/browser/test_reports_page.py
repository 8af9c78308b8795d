"""The reports page in Chromium: a report running with its progress bar, which htmx
updates (every 2 s) into download links when the worker finishes; a failed one with its
reason. Screenshots go to test-artifacts/screenshots/, with PNGs of generated PDF pages."""

import shutil
import subprocess
from unittest import mock

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from ctportal.demo.data import DEMO_PASSWORD
from organisations.models import Organisation
from reports import services
from reports.models import Report
from reports.services import generating, requesting
from tests.browser.conftest import SCREENSHOT_DIR
from workplans.models import Workplan

pytestmark = pytest.mark.browser


def _pdf_png(report: Report, name: str) -> None:
    """The PDF's first page as a PNG at 60 dpi (pdftoppm, from poppler-utils)."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (apt-get install poppler-utils) renders the PDF pages")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOT_DIR / name
    subprocess.run(
        [pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "2", report.pdf.path, str(target)],
        check=True,
    )
    assert (SCREENSHOT_DIR / f"{name}-1.png").exists()


def test_the_reports_page_shows_progress_and_then_the_files(page, login, screenshot):
    call_command("load_demo", verbosity=0, reports=False)
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.get(username="manager")
    with (
        mock.patch.object(requesting, "_enqueue"),
        mock.patch.object(generating, "_enqueue_delivery"),
    ):
        done = services.report_request(
            kind="progress", workplan=Workplan.objects.get(), quarter=4, user=manager
        )
        done = services.report_generate(report_id=done.pk)
        failed = services.report_request(
            kind="disbursement",
            donor=Organisation.objects.get(short_name="EU"),
            month="2025-05",
            user=manager,
        )
        services.report_fail(
            report_id=failed.pk, reason="Gave up after 6 attempts: OperationalError: disk full"
        )
        running = services.report_request(kind="disbursement", month="2025-06", user=manager)
    claim = services.report_claim(report_id=running.pk, generation=running.generation)
    services.report_progress(report_id=running.pk, token=claim.token, percent=40)

    login(page, manager, password=DEMO_PASSWORD)
    page.goto("/reports/")
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    row = page.locator(f'tr[data-report="{running.pk}"]')
    bar = row.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "40")
    expect(page.locator(f'tr[data-report="{failed.pk}"]')).to_contain_text("disk full")
    expect(page.get_by_role("button", name="Generate now")).to_be_visible()
    screenshot(page, "reports-page-running")

    # The worker finishes: the next poll swaps the bar for the downloads.
    with mock.patch.object(generating, "_enqueue_delivery"):
        finished = services.report_generate(report_id=running.pk, token=claim.token)
    expect(row.get_by_role("link", name="PDF")).to_be_visible(timeout=6_000)
    expect(row.get_by_role("progressbar")).to_have_count(0)
    screenshot(page, "reports-page-done")

    with page.expect_download() as download:
        row.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename == "ctportal-disbursement-all-donors-2025-06.pdf"

    _pdf_png(finished, "report-disbursement-pdf")
    _pdf_png(done, "report-progress-pdf")
