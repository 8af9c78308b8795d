"""Programme managers' allocation pages: allocate part of an agreement to a project (the
room left on the agreement shown as you type), change, remove, and its history.

As in donors.views_manage: managers only, every write through donors.services, each
refusal beside its field, nothing half-saved.
"""

import copy
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from ctportal.forms import add_service_error
from ctportal.history import history_for
from ctportal.money import Money
from donors import services
from donors.forms import AllocationPageForm, ReasonForm
from donors.models import Allocation, FundingAgreement
from donors.views_manage import (
    ManagerRequiredMixin,
    Room,
    agreement_crumb,
    agreement_or_404,
    allocation_or_404,
    crumbs,
)

# --- Allocations --------------------------------------------------------------------------


def allocation_room(agreement: FundingAgreement, allocation: Allocation | None) -> Room:
    """The commitment less every other allocation of the agreement (`agreement` carries the
    `allocated` total of agreement_list)."""
    own = allocation.amount if allocation is not None else Decimal("0")
    return Room(
        input_id="id_amount",
        currency=agreement.currency,
        limit=agreement.amount,
        used=agreement.allocated - own,
        left_label="Room left on the agreement",
        used_label="Allocated to other projects",
        over_text="the room left on the agreement",
    )


class AllocationFormView(ManagerRequiredMixin, View):
    """Allocate part of an agreement to a project (pk = the agreement), or change an
    allocation's amount (pk = the allocation)."""

    template = "donors/manage/allocation_form.html"
    creating = True

    def objects(self, request, pk) -> tuple[FundingAgreement, Allocation | None]:
        if self.creating:
            return agreement_or_404(request.user, pk), None
        allocation = allocation_or_404(request.user, pk)
        return agreement_or_404(request.user, allocation.agreement_id), allocation

    def form(self, agreement, allocation, data=None) -> AllocationPageForm:
        instance = copy.copy(allocation) if allocation else Allocation(agreement=agreement)
        return AllocationPageForm(data, instance=instance)

    def render_form(self, request, form, agreement, allocation, status=200):
        here = f"Allocation to {allocation.project.code}" if allocation else "Allocate"
        return render(
            request,
            self.template,
            {
                "form": form,
                "agreement": agreement,
                "allocation": allocation,
                "room": allocation_room(agreement, allocation),
                "crumbs": crumbs(agreement_crumb(agreement), (here, "")),
            },
            status=status,
        )

    def get(self, request, pk):
        agreement, allocation = self.objects(request, pk)
        return self.render_form(request, self.form(agreement, allocation), agreement, allocation)

    def post(self, request, pk):
        agreement, allocation = self.objects(request, pk)
        form = self.form(agreement, allocation, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if allocation is None:
                    saved = services.allocation_create(
                        agreement=agreement,
                        project=data["project"],
                        amount=data["amount"],
                        notes=data["notes"],
                        user=request.user,
                    )
                else:
                    saved = services.allocation_update(
                        allocation=allocation,
                        amount=data["amount"],
                        notes=data["notes"],
                        reason=data["reason"],
                        user=request.user,
                    )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"{agreement.reference} now funds {saved.project.code} with "
                    f"{Money(saved.amount, agreement.currency)}.",
                )
                return redirect(reverse("donors:agreement-detail", args=[agreement.pk]))
        return self.render_form(request, form, agreement, allocation, status=400)


class AllocationUpdateView(AllocationFormView):
    creating = False


class AllocationDetailView(ManagerRequiredMixin, View):
    def get(self, request, pk):
        allocation = allocation_or_404(request.user, pk)
        agreement = allocation.agreement
        return render(
            request,
            "donors/manage/allocation_detail.html",
            {
                "allocation": allocation,
                "agreement": agreement,
                "history": history_for(allocation),
                "crumbs": crumbs(
                    agreement_crumb(agreement), (f"Allocation to {allocation.project.code}", "")
                ),
            },
        )


class AllocationDeleteView(ManagerRequiredMixin, View):
    template = "donors/manage/allocation_delete.html"

    def render_page(self, request, allocation, form, status=200):
        agreement = allocation.agreement
        return render(
            request,
            self.template,
            {
                "allocation": allocation,
                "agreement": agreement,
                "form": form,
                "crumbs": crumbs(agreement_crumb(agreement), ("Remove allocation", "")),
            },
            status=status,
        )

    @staticmethod
    def reason_form(data=None) -> ReasonForm:
        return ReasonForm(data, required=False, help_text="Kept in the allocation's history.")

    def get(self, request, pk):
        return self.render_page(request, allocation_or_404(request.user, pk), self.reason_form())

    def post(self, request, pk):
        allocation = allocation_or_404(request.user, pk)
        form = self.reason_form(request.POST)
        if form.is_valid():
            services.allocation_delete(
                allocation=allocation, user=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                f"The allocation of {allocation.agreement.reference} to "
                f"{allocation.project.code} was removed.",
            )
            return redirect("donors:agreement-detail", pk=allocation.agreement_id)
        return self.render_page(request, allocation, form, status=400)
