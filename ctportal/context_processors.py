"""What every page's layout needs: the portal's name, who is signed in, which menus to show.

The menus follow organisations.access; a link appears only once its page exists (its URL
name resolves), so an app adding a page gets its menu entry without touching the layout.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from alerts.selectors import notification_unread_count
from organisations import access
from organisations.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool = False
    # A number to show beside the label (the notifications that need the person).
    count: int = 0


# (flag, label, URL names tried in order). The first name that resolves is used.
_NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("nav_home", "Home", ("home",)),
    ("nav_projects", "Projects", ("projects:project-list",)),
    ("nav_workplans", "Workplans", ("workplans:workplan-list",)),
    ("nav_my_activities", "My activities", ("workplans:my-activities",)),
    ("nav_reviews", "Review queue", ("workplans:review-list",)),
    ("nav_meetings", "EWG meetings", ("workplans:meeting-list", "meetings:meeting-list")),
    # The section's root (/funding/), so that every funding page, the agreements list
    # included, marks it, and every role with money can open it.
    ("nav_funding", "Funding", ("donors:dashboard",)),
    ("nav_reports", "Reports", ("reports:report-list",)),
    ("nav_notifications", "Notifications", ("alerts:notification-list",)),
    ("nav_audit", "Audit log", ("audit-log",)),
)


def nav_flags(user) -> dict[str, bool]:
    """Which sections a user's menu offers: exactly the ones whose page opens for them, by
    the same organisations.access predicates the pages ask (tests/test_menu_matches_access
    walks the menu of every role)."""
    signed_in = access.is_signed_in(user)
    return {
        "nav_home": signed_in,
        # These lists show each signed-in user what they may see, which may be nothing.
        "nav_projects": signed_in,
        "nav_workplans": signed_in,
        "nav_reports": signed_in,
        "nav_notifications": access.can_see_notifications(user),
        "nav_my_activities": access.can_report_progress(user),
        "nav_reviews": access.can_review_progress(user),
        "nav_meetings": access.can_see_meetings(user),
        "nav_funding": access.can_see_money(user),
        "nav_admin": access.can_administer(user),
        "nav_audit": access.can_see_audit(user),
    }


def _first_url(names: tuple[str, ...]) -> str | None:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    flags = nav_flags(user)
    links = []
    for flag, label, names in _NAV:
        if flags[flag] and (url := _first_url(names)):
            links.append((label, url))
    # The current section is the item whose address is the longest prefix of this page's
    # (so /workplans/meetings/ marks "EWG meetings", not "Workplans"); Home only on "/".
    matches = [
        url
        for _, url in links
        if request.path == url or (url != "/" and request.path.startswith(url))
    ]
    current = max(matches, key=len, default=None)
    counts = (
        {"Notifications": notification_unread_count(user=user)}
        if flags["nav_notifications"]
        else {}
    )
    nav_items = [
        NavItem(label=label, url=url, active=url == current, count=counts.get(label, 0))
        for label, url in links
    ]
    membership = access.membership_of(user)
    role = access.role_of(user)
    return {
        "portal_name": getattr(settings, "PORTAL_NAME", "CT Portal"),
        "nav_items": nav_items,
        "user_organisation": membership.organisation if membership else None,
        "user_role_label": Role(role).label if role else "",
        "can_see_money": access.can_see_money(user),
        **flags,
    }
