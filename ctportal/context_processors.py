"""What every page's layout needs: the portal's name, who is signed in, which menus to show.

The menus follow organisations.access; a link appears only once its page exists (its URL
name resolves), so an app adding a page gets its menu entry without touching the layout.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from organisations import access
from organisations.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    # The first path segment that marks this item as the current section.
    section: str


# (flag, label, URL names tried in order). The first name that resolves is used.
_NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("nav_home", "Home", ("home",)),
    ("nav_projects", "Projects", ("projects:project-list",)),
    ("nav_workplans", "Workplans", ("workplans:workplan-list",)),
    ("nav_meetings", "EWG meetings", ("workplans:meeting-list", "meetings:meeting-list")),
    ("nav_funding", "Funding", ("donors:agreement-list", "donors:funding", "donors:dashboard")),
)


def nav_flags(user) -> dict[str, bool]:
    """Which sections a user's menu offers, from the access rules alone."""
    signed_in = bool(getattr(user, "is_authenticated", False))
    return {
        "nav_home": signed_in,
        "nav_projects": signed_in,
        "nav_workplans": access.has_role(
            user, Role.PROGRAMME_MANAGER, Role.EWG_SECRETARIAT, Role.COUNTERPART_STAFF
        ),
        "nav_meetings": access.has_role(
            user, Role.PROGRAMME_MANAGER, Role.EWG_SECRETARIAT, Role.COUNTERPART_STAFF
        ),
        "nav_funding": access.has_role(user, Role.PROGRAMME_MANAGER, Role.DONOR_VIEWER),
        "nav_admin": access.has_role(user, Role.ADMINISTRATOR),
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
    nav_items = []
    for flag, label, names in _NAV:
        if not flags[flag]:
            continue
        url = _first_url(names)
        if url:
            nav_items.append(NavItem(label=label, url=url, section=url.strip("/").split("/")[0]))
    membership = access.membership_of(user)
    role = access.role_of(user)
    return {
        "portal_name": getattr(settings, "PORTAL_NAME", "CT Portal"),
        "nav_items": nav_items,
        "current_section": request.path.strip("/").split("/")[0],
        "user_organisation": membership.organisation if membership else None,
        "user_role_label": Role(role).label if role else "",
        "can_see_money": access.can_see_money(user),
        **flags,
    }
