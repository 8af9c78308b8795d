"""Who may see and do what: the role predicates every page, API, export, report and the
menu ask. Nothing else looks at roles.

Which objects a user may see is each app's own selectors' business, decided with these
predicates (projects.selectors.project_list_visible_to, donors.selectors.
agreements_visible_to, workplans.selectors.versions_visible_to, ...): this module, at the
bottom of every import, knows nothing of the relations above it. Objects a user may not see
are filtered out of querysets (a page gets a 404); actions a user may not take raise
PermissionDenied (a 403).
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from organisations.models import Membership, Organisation, Role

MANAGERS = frozenset({Role.PROGRAMME_MANAGER})
# Roles that see every project and approved workplan of the programme (not money detail
# of agreements, which stays with managers and each agreement's own donor).
PROGRAMME_WIDE = frozenset({Role.PROGRAMME_MANAGER, Role.EWG_SECRETARIAT, Role.ADMINISTRATOR})


def membership_of(user) -> Membership | None:
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def role_of(user) -> str | None:
    if getattr(user, "is_superuser", False):
        return Role.ADMINISTRATOR
    membership = membership_of(user)
    return membership.role if membership else None


def organisation_of(user) -> Organisation | None:
    membership = membership_of(user)
    return membership.organisation if membership else None


def has_role(user, *roles: str) -> bool:
    return role_of(user) in roles


def is_signed_in(user) -> bool:
    """The lists of projects, workplans and reports open to anyone signed in, each showing
    what its app's selectors let them see (which may be nothing)."""
    return bool(getattr(user, "is_authenticated", False))


def is_manager(user) -> bool:
    return role_of(user) in MANAGERS


def is_programme_wide(user) -> bool:
    return role_of(user) in PROGRAMME_WIDE


def is_donor_viewer(user) -> bool:
    return role_of(user) == Role.DONOR_VIEWER


def is_counterpart(user) -> bool:
    return role_of(user) == Role.COUNTERPART_STAFF


def donor_of(user) -> Organisation | None:
    """The donor whose figures a donor viewer may see; None for every other role."""
    if not is_donor_viewer(user):
        return None
    return organisation_of(user)


def must_use_second_factor(user) -> bool:
    """Roles named in CTPORTAL_REQUIRE_OTP_FOR (programme managers and administrators) sign
    in with a one-time code as well as their password; anyone else may choose to."""
    return role_of(user) in settings.CTPORTAL_REQUIRE_OTP_FOR


def require(allowed: bool, message: str = "You may not do this.") -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- What each role may see ---------------------------------------------------


def can_see_money(user) -> bool:
    """Funding figures, budgets and expenditure (the Funding section): managers and
    administrators all of them, a donor viewer its own donor's."""
    return role_of(user) in (Role.PROGRAMME_MANAGER, Role.ADMINISTRATOR, Role.DONOR_VIEWER)


def can_see_all_agreements(user) -> bool:
    """Every donor's agreement-level money (and looking at it as a chosen donor sees it):
    managers and administrators. A donor viewer sees only its own donor's."""
    return has_role(user, Role.PROGRAMME_MANAGER, Role.ADMINISTRATOR)


# Pages and the API alike: a role that never sees money may not ask which donor funds what.
DONOR_FILTER_REFUSED = "Your role does not see which donor funds what."


def can_filter_by_donor(user) -> bool:
    """Narrowing a list by the donor that funds it is money information: for roles that
    see money. (A donor viewer's lists hold only its own donor's funding already.)"""
    return can_see_money(user)


def can_see_notifications(user) -> bool:
    """Anyone signed in has a notification centre: each sees only what was told to them."""
    return is_signed_in(user)


def can_see_meetings(user) -> bool:
    """EWG meetings, their attendance, decisions and documents (pages and API alike):
    managers, the secretariat, administrators and counterpart staff; not donor viewers."""
    return has_role(
        user,
        Role.PROGRAMME_MANAGER,
        Role.EWG_SECRETARIAT,
        Role.ADMINISTRATOR,
        Role.COUNTERPART_STAFF,
    )


# --- What each role may do ----------------------------------------------------


def can_manage_money(user) -> bool:
    return is_manager(user)


def can_edit_workplans(user) -> bool:
    return is_manager(user)


def can_submit_workplans(user) -> bool:
    return has_role(user, Role.PROGRAMME_MANAGER, Role.EWG_SECRETARIAT)


def can_record_meetings(user) -> bool:
    return has_role(user, Role.PROGRAMME_MANAGER, Role.EWG_SECRETARIAT)


def can_report_progress_for(user, lead_counterpart_id: int) -> bool:
    """Only counterpart staff of the organisation that leads the activity."""
    org = organisation_of(user)
    return can_report_progress(user) and org is not None and org.pk == lead_counterpart_id


def can_report_progress(user) -> bool:
    """Counterpart staff report progress, on the activities their organisation leads (My
    activities); can_report_progress_for says which."""
    return is_counterpart(user)


def can_review_progress(user) -> bool:
    return is_manager(user)


# The kind of report a donor viewer may ask for (reports.models.Report.Kind.DISBURSEMENT:
# this module sits below the apps and names it by value).
DONOR_REQUESTABLE_KIND = "disbursement"
REPORT_SCOPE_REFUSED = "A donor viewer may request only its own donor's disbursement report."


def can_request_reports(user, *, kind: str | None = None, donor_id: int | None = None) -> bool:
    """Asking for a report, or for one to be generated again, on the reports page and the
    API alike: programme managers any report; a donor viewer the disbursement report of
    its own donor only (never the overall one, another donor's or a progress report).
    Administrators handle the schedules that request reports without a user.

    Without `kind`: whether `user` may ask for any report at all (the page offers
    "Generate now"). With `kind` (and `donor_id`, None meaning all donors): this one.
    """
    if is_manager(user):
        return True
    donor = donor_of(user)
    if donor is None:
        return False
    if kind is None:
        return True
    return kind == DONOR_REQUESTABLE_KIND and donor_id == donor.pk


def can_administer(user) -> bool:
    """Users, organisations, roles and schedules in Django's admin site (only administrators
    are staff: organisations.services.membership_set keeps the two together)."""
    return has_role(user, Role.ADMINISTRATOR)


def can_see_audit(user) -> bool:
    """The audit page (every sign-in, role change and change to money, workplans and
    progress) is for administrators only."""
    return has_role(user, Role.ADMINISTRATOR)


# --- Who is told (alerts) -------------------------------------------------------
# Alerts go to people by role: these say who, as filters over users, so that the role
# rules of an alert's audience live here too (alerts.selectors applies them).


def alert_audience_managers_q(prefix: str = "") -> Q:
    """Programme managers: they verify progress, run the money and the reports."""
    return Q(**{f"{prefix}membership__role__in": list(MANAGERS)})


def alert_audience_ewg_secretariat_q(prefix: str = "") -> Q:
    """The EWG secretariat: it records the EWG's decision on a submitted version."""
    return Q(**{f"{prefix}membership__role": Role.EWG_SECRETARIAT})


def alert_audience_counterpart_staff_q(organisation_ids, prefix: str = "") -> Q:
    """Counterpart staff of these organisations: they report on the activities these lead."""
    return Q(
        **{
            f"{prefix}membership__role": Role.COUNTERPART_STAFF,
            f"{prefix}membership__organisation_id__in": list(organisation_ids),
        }
    )


def alert_audience_donor_viewers_q(donor_id: int, prefix: str = "") -> Q:
    """Viewers of this one donor: never of another donor's agreements or tranches."""
    return Q(
        **{
            f"{prefix}membership__role": Role.DONOR_VIEWER,
            f"{prefix}membership__organisation_id": donor_id,
        }
    )
