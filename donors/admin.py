"""Admin for agreements, allocations and tranches: thin, every write through donors.services.

The forms' clean() runs the services' validation (under the agreement's row lock, which
the admin's atomic change view holds until save), so a broken rule shows on its field;
save_model and delete_model then call the services, never Model.save() or delete().
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from ctportal.admin import ServiceAdminMixin, form_values
from ctportal.exceptions import DomainError
from ctportal.money import Money
from donors.forms import (
    REASON_HELP,
    AllocationForm,
    DisbursementAdminForm,
    DisbursementForm,
    FundingAgreementForm,
)
from donors.models import Allocation, Disbursement, FundingAgreement
from donors.selectors import agreement_annotate_totals
from donors.services import (
    agreement_create,
    agreement_delete,
    agreement_update,
    allocation_create,
    allocation_delete,
    allocation_update,
    disbursement_create,
    disbursement_delete,
    disbursement_reason_validate,
    disbursement_update,
)

TIMESTAMPS = ("created_at", "updated_at")


def _money(amount: Any, currency: str) -> str:
    return "-" if amount is None else str(Money(amount, currency))


@admin.register(FundingAgreement)
class FundingAgreementAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    form = FundingAgreementForm
    list_display = (
        "reference",
        "donor",
        "title",
        "commitment",
        "amount_usd",
        "allocated_amount",
        "received_amount",
        "start_date",
        "end_date",
    )
    list_filter = ("donor", "currency")
    list_select_related = ("donor",)
    search_fields = ("reference", "title", "donor__short_name", "donor__name")
    readonly_fields = ("usd_rate", "amount_usd", *TIMESTAMPS)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return agreement_annotate_totals(queryset=super().get_queryset(request))

    @admin.display(description="Commitment", ordering="amount")
    def commitment(self, obj: FundingAgreement) -> str:
        return _money(obj.amount, obj.currency)

    @admin.display(description="Allocated", ordering="allocated")
    def allocated_amount(self, obj: FundingAgreement) -> str:
        return _money(obj.allocated, obj.currency)

    @admin.display(description="Received", ordering="received")
    def received_amount(self, obj: FundingAgreement) -> str:
        return _money(obj.received, obj.currency)

    def service_save(self, request, obj, form, change) -> FundingAgreement:
        if change:
            return agreement_update(agreement=obj, user=request.user, **form_values(form))
        return agreement_create(user=request.user, **form_values(form))

    def service_delete(self, request: HttpRequest, obj: FundingAgreement) -> None:
        agreement_delete(agreement=obj, user=request.user)


@admin.register(Allocation)
class AllocationAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    form = AllocationForm
    list_display = ("agreement", "project", "allocated", "amount_usd")
    list_filter = ("agreement__donor", "agreement__currency")
    list_select_related = ("agreement", "agreement__donor", "project")
    search_fields = ("agreement__reference", "project__code", "project__title")
    readonly_fields = ("amount_usd", *TIMESTAMPS)

    def get_readonly_fields(self, request: HttpRequest, obj: Allocation | None = None):
        # allocation_update changes the amount only: another project is another allocation.
        if obj is not None:
            return ("agreement", "project", *self.readonly_fields)
        return self.readonly_fields

    @admin.display(description="Amount", ordering="amount")
    def allocated(self, obj: Allocation) -> str:
        return _money(obj.amount, obj.agreement.currency)

    def service_save(self, request, obj, form, change) -> Allocation:
        data = form_values(form)
        if change:
            return allocation_update(
                allocation=obj, amount=data["amount"], notes=data["notes"], user=request.user
            )
        return allocation_create(user=request.user, **data)

    def service_delete(self, request: HttpRequest, obj: Allocation) -> None:
        allocation_delete(allocation=obj, user=request.user)


@admin.register(Disbursement)
class DisbursementAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    form = DisbursementAdminForm
    # Deleting a received tranche needs its reason: asked on the confirmation page.
    delete_confirmation_template = "donors/admin/disbursement_delete_confirmation.html"
    list_display = (
        "agreement",
        "planned_date",
        "planned",
        "planned_amount_usd",
        "received_date",
        "received",
        "received_amount_usd",
        "overdue",
    )
    list_filter = (
        "agreement__donor",
        "agreement__currency",
        ("received_date", admin.EmptyFieldListFilter),
    )
    list_select_related = ("agreement", "agreement__donor")
    search_fields = ("agreement__reference", "agreement__donor__short_name", "notes")
    readonly_fields = (
        "planned_usd_rate",
        "planned_amount_usd",
        "received_usd_rate",
        "received_amount_usd",
        *TIMESTAMPS,
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Disbursement | None = None):
        # A tranche belongs to its agreement for good; the rules are checked against it.
        if obj is not None:
            return ("agreement", *self.readonly_fields)
        return self.readonly_fields

    def get_form(self, request: HttpRequest, obj: Disbursement | None = None, **kwargs: Any):
        # A new tranche has nothing to correct, so nothing to give a reason for.
        if obj is None:
            kwargs["form"] = DisbursementForm
        return super().get_form(request, obj, **kwargs)

    def get_actions(self, request: HttpRequest):
        # A bulk delete has nowhere to ask each received tranche's reason.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="Planned", ordering="planned_amount")
    def planned(self, obj: Disbursement) -> str:
        return _money(obj.planned_amount, obj.agreement.currency)

    @admin.display(description="Received", ordering="received_amount")
    def received(self, obj: Disbursement) -> str:
        return _money(obj.received_amount, obj.agreement.currency)

    @admin.display(description="Overdue", boolean=True)
    def overdue(self, obj: Disbursement) -> bool:
        return obj.is_overdue(timezone.localdate())

    def service_save(self, request, obj, form, change) -> Disbursement:
        if change:
            return disbursement_update(disbursement=obj, user=request.user, **form_values(form))
        return disbursement_create(user=request.user, **form_values(form))

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                try:
                    disbursement_reason_validate(
                        disbursement=obj, reason=request.POST.get("reason", "")
                    )
                except DomainError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
                    return HttpResponseRedirect(request.path)
        extra_context = {**(extra_context or {}), "reason_help": REASON_HELP}
        return super().delete_view(request, object_id, extra_context)

    def service_delete(self, request: HttpRequest, obj: Disbursement) -> None:
        disbursement_delete(
            disbursement=obj, user=request.user, reason=request.POST.get("reason", "")
        )
