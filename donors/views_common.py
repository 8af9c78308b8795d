"""What every funding page shares: sign-in, the 403 for roles without money, ?as_donor,
the filters and the links that keep them."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property

from donors.filters import FILTER_PARAMS, FundingFilterForm
from donors.selectors_funding import (
    ATTRIBUTION_NOTES,
    FundingFilters,
    FundingScope,
    funding_donor_choices,
    funding_scope,
    funding_viewer_can_choose_donor,
)
from donors.tables import Links
from organisations.access import can_manage_money, can_see_money
from organisations.models import Organisation
from projects.models import Project

PAGE_SIZE = 50


class FundingPageMixin(LoginRequiredMixin):
    """Signs in, refuses roles without money (403), resolves ?as_donor and the filters."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not can_see_money(request.user):
            raise PermissionDenied("Funding figures are for managers and donors only.")
        self.as_donor = self._as_donor(request)
        self.today = timezone.localdate()
        return super().dispatch(request, *args, **kwargs)

    def _as_donor(self, request) -> Organisation | None:
        value = request.GET.get("as_donor", "")
        if value == "":
            return None
        if not funding_viewer_can_choose_donor(request.user):
            raise PermissionDenied(
                "Only programme managers and administrators can view the figures as a donor."
            )
        try:
            return Organisation.objects.get(pk=int(value), kind=Organisation.Kind.DONOR)
        except (ValueError, Organisation.DoesNotExist):
            raise Http404("No such donor.") from None

    @cached_property
    def unfiltered_scope(self) -> FundingScope:
        return funding_scope(user=self.request.user, as_donor=self.as_donor)

    @cached_property
    def viewing_donor(self) -> Organisation | None:
        """The donor whose view this is: the viewer's own, or the one a manager chose."""
        return self.unfiltered_scope.donor

    @cached_property
    def filter_form(self) -> FundingFilterForm:
        scope = self.unfiltered_scope
        donor_view = scope.donor is not None
        return FundingFilterForm(
            self.request.GET,
            projects=scope.projects if donor_view else Project.objects.all(),
            offer_donors=not donor_view,
        )

    @cached_property
    def filters(self) -> FundingFilters | None:
        """None when the filters do not validate: the page then shows errors, not figures."""
        form = self.filter_form
        return form.funding_filters() if form.is_valid() else None

    @cached_property
    def manages(self) -> bool:
        """Management controls: for programme managers, not while they look as a donor."""
        return can_manage_money(self.request.user) and self.as_donor is None

    @cached_property
    def links(self) -> Links:
        params = {name: self.request.GET.get(name, "") for name in FILTER_PARAMS}
        if self.as_donor is not None:
            params["as_donor"] = str(self.as_donor.pk)
        return Links(params)

    def selector_kwargs(self) -> dict:
        return {
            "user": self.request.user,
            "filters": self.filters,
            "as_donor": self.as_donor,
            "today": self.today,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        context.update(
            filter_form=self.filter_form,
            filters_valid=self.filters is not None,
            is_filtered=any(request.GET.get(name) for name in FILTER_PARAMS),
            viewing_donor=self.viewing_donor,
            as_donor=self.as_donor,
            can_choose_donor=funding_viewer_can_choose_donor(request.user),
            donor_choices=(
                funding_donor_choices() if funding_viewer_can_choose_donor(request.user) else []
            ),
            links=self.links,
            dashboard_url=self.links.url("donors:dashboard"),
            manages=self.manages,
            today=self.today,
            notes=ATTRIBUTION_NOTES,
        )
        return context


def year_param(value: str | None) -> int | None:
    """?year=: a plausible year, or None (no narrowing) for anything else."""
    try:
        year = int(value or "")
    except ValueError:
        return None
    return year if 1900 <= year <= 2200 else None
