"""Issue 16 in Chromium: a counterpart officer sees the alert of a quarter ending with no
update (the daily run raised it), opens it, lands on the progress form, reports and submits,
and the alert clears: marked done, and the menu no longer counts it.

Every field is filled through tests/browser/person.py; each page passes axe-core."""

import calendar
import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from alerts.models import Kind, Notification
from organisations.models import Role
from reports.services import alerts_date_driven_create
from tests.browser.person import assert_accessible, click_visible, fill_visible, select_visible
from tests.factories import ActivityFactory, WorkplanFactory, user_with_role
from tests.workplans import approved_version, counterpart
from workplans.models import ProgressUpdate
from workplans.quarters import quarters_of

pytestmark = pytest.mark.browser


def _a_year_from_this_month():
    today = timezone.localdate()
    start = today.replace(day=1)
    end_month = (start.month + 10) % 12 + 1
    end_year = start.year + (1 if end_month < start.month else 0)
    end = datetime.date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])
    return start, end


def test_a_counterpart_opens_the_alert_of_a_quarter_without_update_reports_and_it_clears(
    page, login, transactional_db
):
    nacta = counterpart("NACTA")
    officer = user_with_role(Role.COUNTERPART_STAFF, nacta, username="nacta", first_name="Sana")
    start, end = _a_year_from_this_month()
    workplan = WorkplanFactory(code="WP-SP4-ALERT", period_start=start, period_end=end)
    activity = ActivityFactory(
        version=approved_version(workplan=workplan),
        code="A1",
        title="Joint investigation training",
        lead_counterpart=nacta,
    )
    q1 = quarters_of(workplan)[0]
    # The daily run, ten days before the first quarter ends (it has started: it is reportable).
    alerts_date_driven_create(today=q1.end - datetime.timedelta(days=10))
    alert = Notification.objects.get(recipient=officer)
    assert alert.kind == Kind.QUARTER_ENDING

    # 1. The menu counts it; the centre lists it.
    login(page, officer)
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_test_id("nav-count")).to_have_text("1 need you")
    click_visible(menu, re.compile(r"^Notifications"), role="link")
    item = page.get_by_test_id(f"notification-{alert.pk}")
    expect(item).to_contain_text(f"Quarter ending with no update: WP-SP4-ALERT A1 {q1.label}")
    expect(item.get_by_test_id("state")).to_have_text("Unread")
    assert_accessible(page, "notifications-with-the-alert")

    # 2. She opens it: the progress form of A1 for that quarter.
    click_visible(item, re.compile(r"^Quarter ending with no update"), role="link")
    expect(page).to_have_url(re.compile(rf"/workplans/activities/{activity.pk}/progress/1/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Progress of A1 in Q1")
    assert_accessible(page, "progress-form-from-the-alert")

    # 3. She reports and submits.
    select_visible(page, "Status", "On track")
    fill_visible(page, "Percent complete", "30")
    fill_visible(page, "Narrative", "First session held with 24 investigators.", exact=True)
    click_visible(page, "Submit for verification", exact=True)
    expect(page.locator(".messages")).to_contain_text("Q1 update of A1 submitted for verification.")
    assert ProgressUpdate.objects.get().state == ProgressUpdate.State.SUBMITTED

    # 4. The alert has cleared: done, and nothing counted in the menu.
    click_visible(menu, "Notifications", role="link", exact=True)
    expect(menu.get_by_test_id("nav-count")).to_have_count(0)
    expect(page.get_by_test_id("unread-count")).to_have_text("0 need you.")
    expect(page.get_by_test_id(f"notification-{alert.pk}").get_by_test_id("state")).to_have_text(
        "Done"
    )
    assert_accessible(page, "notifications-alert-cleared")
    alert.refresh_from_db()
    assert alert.resolved_at is not None
