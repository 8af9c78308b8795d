"""Who may call which endpoint, as DRF permissions over organisations.access's role
predicates; which rows and objects they see is each app's selectors' business, applied in
each endpoint's queryset. HasRole is every endpoint's default (settings' REST_FRAMEWORK)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from organisations import access


class HasRole(BasePermission):
    """Signed in (session or token) and holding a role in the portal."""

    message = "Your account has no role in the portal; ask an administrator for one."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return access.role_of(user) is not None


class SeesMoney(BasePermission):
    """Money endpoints: managers and administrators, and donor viewers (their own rows)."""

    message = "Your role does not see money figures."

    def has_permission(self, request, view) -> bool:
        return access.can_see_money(request.user)


class SeesMeetings(BasePermission):
    """EWG meetings, as on the pages (organisations.access.can_see_meetings)."""

    message = "Your role does not see EWG meetings."

    def has_permission(self, request, view) -> bool:
        return access.can_see_meetings(request.user)


class ManagesMoneyToWrite(BasePermission):
    """Reads as the other permissions allow; writes only for programme managers."""

    message = "Only programme managers record money."

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or access.can_manage_money(request.user)


class EditsWorkplansToWrite(BasePermission):
    """Reads as the other permissions allow; planning activities only for managers."""

    message = "Only programme managers plan activities."

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or access.can_edit_workplans(request.user)


class ProgressRoles(BasePermission):
    """Progress writes by role before any object is looked up: counterpart staff write,
    attach evidence and submit, programme managers verify and return. Which activity and
    update is the service's to check (the lead organisation, never one's own)."""

    REPORTER_ACTIONS = frozenset({"create", "partial_update", "submit", "evidence"})
    REVIEWER_ACTIONS = frozenset({"verify", "return_"})

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if view.action in self.REPORTER_ACTIONS:
            self.message = "Only counterpart staff report progress."
            return access.is_counterpart(request.user)
        if view.action in self.REVIEWER_ACTIONS:
            self.message = "Only programme managers review progress."
            return access.can_review_progress(request.user)
        return False
