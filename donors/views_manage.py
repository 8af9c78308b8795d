"""Programme managers' money pages: the agreement list, agreements and their allocations.

Every write goes through donors.services, so a page refuses exactly what the admin and
the API refuse, with the error beside the field it concerns, and saves nothing else.
Only programme managers may open these pages (organisations.access.can_manage_money):
everyone else gets a 403, visitors are sent to sign in, and an object the user may not
see is a 404. Tranches have their own module, donors.views_tranches.
"""

import copy
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from ctportal.exceptions import DomainError
from ctportal.forms import add_service_error
from ctportal.history import history_for
from ctportal.listing import ListSearchForm, sort_headers
from ctportal.money import MINOR_UNITS
from donors import selectors, services
from donors.forms import AgreementPageForm, ReasonForm
from donors.models import Allocation, Disbursement, FundingAgreement
from organisations import access

PAGE_SIZE = 25
SORT_COLUMNS = (
    ("donor", "Donor"),
    ("reference", "Reference"),
    ("currency", "Currency"),
    ("amount", "Amount"),
    ("signed", "Signed"),
    ("period", "Period"),
)


class ManagerRequiredMixin(LoginRequiredMixin):
    """Programme managers only: a 403 for every other role, sign-in for visitors."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        access.require(
            access.can_manage_money(request.user),
            "Only programme managers record agreements, allocations and tranches.",
        )
        return super().dispatch(request, *args, **kwargs)


def agreement_or_404(user, pk: int) -> FundingAgreement:
    try:
        return selectors.agreement_get(user=user, pk=pk)
    except FundingAgreement.DoesNotExist:
        raise Http404("No such agreement.") from None


def allocation_or_404(user, pk: int) -> Allocation:
    try:
        return selectors.allocation_get(user=user, pk=pk)
    except Allocation.DoesNotExist:
        raise Http404("No such allocation.") from None


def to_minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(MINOR_UNITS[currency]))


@dataclass(frozen=True)
class Room:
    """How much of the commitment an amount field may still take, for the page and for
    static/js/money_forms.js (which counts in whole minor units, never in floats)."""

    input_id: str
    currency: str
    limit: Decimal
    used: Decimal
    left_label: str
    used_label: str
    # Ends "This is EUR 10.00 more than ...": what an amount past the room exceeds.
    over_text: str

    @property
    def left(self) -> Decimal:
        return self.limit - self.used

    @property
    def places(self) -> int:
        return MINOR_UNITS[self.currency]

    @property
    def limit_minor(self) -> int:
        return to_minor(self.limit, self.currency)

    @property
    def used_minor(self) -> int:
        return to_minor(self.used, self.currency)


def crumbs(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    """Breadcrumbs from the funding dashboard down; the last pair is the page itself."""
    return [
        ("Funding", reverse("donors:dashboard")),
        ("Agreements", reverse("donors:agreement-manage-list")),
        *pairs,
    ]


def agreement_crumb(agreement: FundingAgreement) -> tuple[str, str]:
    return (agreement.reference, reverse("donors:agreement-detail", args=[agreement.pk]))


# --- The agreement page's management part (donors.views_drilldown.AgreementFundingView) -----------


def allocation_actions(row) -> tuple[tuple[str, str], ...]:
    """Links of one allocation row (FundingRow keyed by the allocation's pk)."""
    return (
        ("Change", reverse("donors:allocation-update", args=[row.key])),
        ("Remove", reverse("donors:allocation-delete", args=[row.key])),
        ("History", reverse("donors:allocation-detail", args=[row.key])),
    )


def tranche_actions(tranche: Disbursement) -> tuple[tuple[str, str], ...]:
    receive = (
        ()
        if tranche.received_date
        else (("Record receipt", reverse("donors:tranche-receive", args=[tranche.pk])),)
    )
    return (
        *receive,
        ("Correct", reverse("donors:tranche-update", args=[tranche.pk])),
        ("Cancel", reverse("donors:tranche-delete", args=[tranche.pk])),
        ("History", reverse("donors:tranche-detail", args=[tranche.pk])),
    )


def agreement_management(user, pk: int) -> dict:
    """What the agreement page adds for a manager: its buttons and the history of the
    agreement, its allocations and its tranches."""
    agreement = agreement_or_404(user, pk)
    try:
        services.agreement_delete_validate(agreement=agreement)
        can_delete = True
    except DomainError:
        can_delete = False
    return {
        "agreement": agreement,
        "next_receipt": selectors.disbursement_next_to_receive(agreement=agreement),
        "can_delete": can_delete,
        "history": history_for(agreement, related=("allocations", "disbursements")),
    }


# --- Agreements ---------------------------------------------------------------------------


class AgreementListView(ManagerRequiredMixin, View):
    """Every agreement, searchable and sortable by its columns."""

    def get(self, request):
        search_form = ListSearchForm(
            request.GET,
            columns=SORT_COLUMNS,
            default_label="Donor, then reference",
            label="Search by reference, title or donor",
        )
        search = search_form.search
        sort = request.GET.get("sort", "")
        if sort.lstrip("-") not in selectors.AGREEMENT_SORTS:
            sort = ""
        agreements = selectors.agreement_search(user=request.user, search=search, sort=sort)
        page = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "donors/manage/agreement_list.html",
            {
                "page_obj": page,
                "agreements": page.object_list,
                "search_form": search_form,
                "search": search,
                "sort": sort,
                "columns": sort_headers(SORT_COLUMNS, sort),
                "crumbs": crumbs(),
            },
        )


class AgreementCreateView(ManagerRequiredMixin, View):
    template = "donors/manage/agreement_form.html"

    def render_form(self, request, form, status=200):
        return render(
            request,
            self.template,
            {"form": form, "crumbs": crumbs(("New agreement", ""))},
            status=status,
        )

    def get(self, request):
        return self.render_form(request, AgreementPageForm())

    def post(self, request):
        form = AgreementPageForm(request.POST)
        if form.is_valid():
            try:
                agreement = services.agreement_create(user=request.user, **form.service_values())
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"Agreement {agreement.reference} recorded.")
                return redirect("donors:agreement-detail", pk=agreement.pk)
        return self.render_form(request, form, status=400)


class AgreementUpdateView(ManagerRequiredMixin, View):
    template = "donors/manage/agreement_form.html"

    def render_form(self, request, form, agreement, status=200):
        return render(
            request,
            self.template,
            {
                "form": form,
                "agreement": agreement,
                "crumbs": crumbs(agreement_crumb(agreement), ("Edit", "")),
            },
            status=status,
        )

    def get(self, request, pk):
        agreement = agreement_or_404(request.user, pk)
        return self.render_form(request, AgreementPageForm(instance=agreement), agreement)

    def post(self, request, pk):
        agreement = agreement_or_404(request.user, pk)
        # The form writes the typed values into its instance; the page keeps the saved ones.
        form = AgreementPageForm(request.POST, instance=copy.copy(agreement))
        if form.is_valid():
            try:
                services.agreement_update(
                    agreement=agreement,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    **form.service_values(),
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"Agreement {agreement.reference} saved.")
                return redirect("donors:agreement-detail", pk=agreement.pk)
        return self.render_form(request, form, agreement, status=400)


class AgreementDeleteView(ManagerRequiredMixin, View):
    """A confirmation page; deletion is offered only when the service would allow it."""

    template = "donors/manage/agreement_delete.html"

    def render_page(self, request, agreement, form, refusal, status=200):
        return render(
            request,
            self.template,
            {
                "agreement": agreement,
                "form": form,
                "refusal": refusal,
                "crumbs": crumbs(agreement_crumb(agreement), ("Delete", "")),
            },
            status=status,
        )

    @staticmethod
    def reason_form(data=None) -> ReasonForm:
        return ReasonForm(data, required=False, help_text="Kept in the agreement's history.")

    def get(self, request, pk):
        agreement = agreement_or_404(request.user, pk)
        try:
            services.agreement_delete_validate(agreement=agreement)
        except DomainError as error:
            return self.render_page(request, agreement, None, " ".join(error.messages))
        return self.render_page(request, agreement, self.reason_form(), "")

    def post(self, request, pk):
        agreement = agreement_or_404(request.user, pk)
        form = self.reason_form(request.POST)
        if form.is_valid():
            try:
                services.agreement_delete(
                    agreement=agreement, user=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                return self.render_page(
                    request, agreement, None, " ".join(error.messages), status=400
                )
            messages.success(request, f"Agreement {agreement.reference} deleted.")
            return redirect("donors:agreement-manage-list")
        return self.render_page(request, agreement, form, "", status=400)
