"""Programme managers' tranche pages: plan, record a receipt, correct, cancel, and the
USD rate a date will be valued at (an htmx fragment; the page renders it first itself).

As in donors.views_manage: managers only, every write through donors.services, each
refusal beside its field, nothing half-saved. A correction or a cancellation says why;
the history keeps it (the service refuses a received tranche's without one).
"""

import copy
import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from ctportal.exceptions import DomainError
from ctportal.forms import add_service_error
from ctportal.history import history_for
from ctportal.money import Money, to_usd
from donors import selectors, services
from donors.forms import ReasonForm, TrancheCorrectForm, TranchePlanForm, TrancheReceiveForm
from donors.models import Disbursement, FundingAgreement
from donors.views_manage import (
    ManagerRequiredMixin,
    Room,
    agreement_crumb,
    agreement_or_404,
    crumbs,
    tranche_actions,
)


def tranche_or_404(user, pk: int) -> Disbursement:
    try:
        return selectors.disbursement_get(user=user, pk=pk)
    except Disbursement.DoesNotExist:
        raise Http404("No such tranche.") from None


def day_text(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def tranche_crumb(tranche: Disbursement) -> tuple[str, str]:
    return (
        f"Tranche of {day_text(tranche.planned_date)}",
        reverse("donors:tranche-detail", args=[tranche.pk]),
    )


# --- The USD rate a date will be valued at ------------------------------------------------


@dataclass(frozen=True)
class RateInfo:
    currency: str
    on: datetime.date | None
    amount: Decimal | None = None
    rate: Decimal | None = None
    error: str = ""
    # A plan is valued at the agreement's rate, whatever its month.
    agreements_rate: bool = False

    @property
    def rate_display(self) -> str:
        return f"{self.rate.normalize():f}" if self.rate is not None else ""

    @property
    def usd(self) -> Decimal | None:
        if self.rate is None or self.amount is None:
            return None
        return to_usd(self.amount, self.rate)


def rate_info(agreement: FundingAgreement, field: str, on, amount) -> RateInfo:
    """The rate the tranche service records for `field` on `on`, or why there is none."""
    planned = field == "planned"
    if on is None:
        return RateInfo(agreement.currency, None, amount, agreements_rate=planned)
    try:
        rate = services.disbursement_usd_rate(agreement=agreement, field=field, on=on)
    except DomainError as error:
        return RateInfo(agreement.currency, on, amount, error=" ".join(error.messages))
    return RateInfo(agreement.currency, on, amount, rate=rate, agreements_rate=planned)


def _parse_date(value: str) -> datetime.date | None:
    try:
        return forms.DateField().clean(value)
    except ValidationError:
        return None


def _parse_amount(value: str) -> Decimal | None:
    try:
        amount = Decimal(value.strip())
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and amount > 0 else None


class AgreementUsdRateView(ManagerRequiredMixin, View):
    """?field=planned|received with <field>_date and <field>_amount, as the form sends
    them: the rate and the USD value the service would record."""

    def get(self, request, pk):
        agreement = agreement_or_404(request.user, pk)
        field = "received" if request.GET.get("field") == "received" else "planned"
        info = rate_info(
            agreement,
            field,
            _parse_date(request.GET.get(f"{field}_date", "")),
            _parse_amount(request.GET.get(f"{field}_amount", "")),
        )
        return render(request, "donors/manage/_usd_rate.html", {"info": info})


def _bound_rate(form, agreement: FundingAgreement, field: str, default_date=None) -> RateInfo:
    """The rate for what the form holds (typed values on a re-shown form)."""
    if form.is_bound:
        return rate_info(
            agreement,
            field,
            _parse_date(form.data.get(f"{field}_date", "")),
            _parse_amount(form.data.get(f"{field}_amount", "")),
        )
    initial_date = form.initial.get(f"{field}_date", default_date)
    return rate_info(agreement, field, initial_date, form.initial.get(f"{field}_amount"))


# --- Tranches ------------------------------------------------------------------------------


def planned_room(agreement: FundingAgreement, tranche: Disbursement | None) -> Room:
    own = tranche.planned_amount if tranche is not None else Decimal("0")
    return Room(
        input_id="id_planned_amount",
        currency=agreement.currency,
        limit=agreement.amount,
        used=agreement.planned - own,
        left_label="Left to plan",
        used_label="Planned in other tranches",
        over_text="is left to plan",
    )


def received_room(agreement: FundingAgreement, tranche: Disbursement) -> Room:
    own = tranche.received_amount or Decimal("0")
    return Room(
        input_id="id_received_amount",
        currency=agreement.currency,
        limit=agreement.amount,
        used=agreement.received - own,
        left_label="Can still be received",
        used_label="Received in other tranches",
        over_text="can still be received",
    )


class TranchePlanView(ManagerRequiredMixin, View):
    template = "donors/manage/tranche_plan.html"

    def render_form(self, request, form, agreement, status=200):
        return render(
            request,
            self.template,
            {
                "form": form,
                "agreement": agreement,
                "room": planned_room(agreement, None),
                "rate": _bound_rate(form, agreement, "planned"),
                "crumbs": crumbs(agreement_crumb(agreement), ("Plan a tranche", "")),
            },
            status=status,
        )

    def get(self, request, pk):
        agreement = agreement_or_404(request.user, pk)
        form = TranchePlanForm(instance=Disbursement(agreement=agreement))
        return self.render_form(request, form, agreement)

    def post(self, request, pk):
        agreement = agreement_or_404(request.user, pk)
        form = TranchePlanForm(request.POST, instance=Disbursement(agreement=agreement))
        if form.is_valid():
            data = form.cleaned_data
            try:
                tranche = services.disbursement_create(
                    agreement=agreement,
                    planned_date=data["planned_date"],
                    planned_amount=data["planned_amount"],
                    notes=data["notes"],
                    user=request.user,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"Tranche of {Money(tranche.planned_amount, agreement.currency)} planned "
                    f"for {day_text(tranche.planned_date)}.",
                )
                return redirect("donors:agreement-detail", pk=agreement.pk)
        return self.render_form(request, form, agreement, status=400)


class TrancheDetailView(ManagerRequiredMixin, View):
    def get(self, request, pk):
        tranche = tranche_or_404(request.user, pk)
        agreement = tranche.agreement
        return render(
            request,
            "donors/manage/tranche_detail.html",
            {
                "tranche": tranche,
                "agreement": agreement,
                "actions": tranche_actions(tranche)[:-1],
                "history": history_for(tranche),
                "crumbs": crumbs(agreement_crumb(agreement), (tranche_crumb(tranche)[0], "")),
            },
        )


class TrancheReceiveView(ManagerRequiredMixin, View):
    template = "donors/manage/tranche_receive.html"

    def render_form(self, request, form, tranche, agreement, status=200):
        return render(
            request,
            self.template,
            {
                "form": form,
                "tranche": tranche,
                "agreement": agreement,
                "room": received_room(agreement, tranche),
                "rate": _bound_rate(form, agreement, "received"),
                "crumbs": crumbs(
                    agreement_crumb(agreement), tranche_crumb(tranche), ("Record receipt", "")
                ),
            },
            status=status,
        )

    def objects(self, request, pk) -> tuple[Disbursement, FundingAgreement]:
        tranche = tranche_or_404(request.user, pk)
        return tranche, agreement_or_404(request.user, tranche.agreement_id)

    def get(self, request, pk):
        tranche, agreement = self.objects(request, pk)
        if tranche.is_received:
            messages.info(
                request,
                f"This tranche was received on {day_text(tranche.received_date)}; "
                "correct it if the receipt was wrong.",
            )
            return redirect("donors:tranche-detail", pk=tranche.pk)
        today = timezone.localdate()
        initial = {"received_amount": tranche.planned_amount}
        if agreement.start_date <= today <= agreement.end_date:
            initial["received_date"] = today
        form = TrancheReceiveForm(instance=copy.copy(tranche), initial=initial)
        return self.render_form(request, form, tranche, agreement)

    def post(self, request, pk):
        tranche, agreement = self.objects(request, pk)
        form = TrancheReceiveForm(request.POST, instance=copy.copy(tranche))
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.disbursement_receive(
                    disbursement=tranche,
                    received_date=data["received_date"],
                    received_amount=data["received_amount"],
                    user=request.user,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"Receipt of {Money(saved.received_amount, agreement.currency)} on "
                    f"{day_text(saved.received_date)} recorded "
                    f"({Money(saved.received_amount_usd, 'USD')}).",
                )
                return redirect("donors:agreement-detail", pk=agreement.pk)
        return self.render_form(request, form, tranche, agreement, status=400)


class TrancheUpdateView(ManagerRequiredMixin, View):
    """Correct a tranche: its plan and, once received, its receipt; always with a reason."""

    template = "donors/manage/tranche_correct.html"

    def render_form(self, request, form, tranche, agreement, status=200):
        return render(
            request,
            self.template,
            {
                "form": form,
                "tranche": tranche,
                "agreement": agreement,
                "planned_room": planned_room(agreement, tranche),
                "received_room": received_room(agreement, tranche) if tranche.is_received else None,
                "crumbs": crumbs(
                    agreement_crumb(agreement), tranche_crumb(tranche), ("Correct", "")
                ),
            },
            status=status,
        )

    def objects(self, request, pk) -> tuple[Disbursement, FundingAgreement]:
        tranche = tranche_or_404(request.user, pk)
        return tranche, agreement_or_404(request.user, tranche.agreement_id)

    def get(self, request, pk):
        tranche, agreement = self.objects(request, pk)
        form = TrancheCorrectForm(instance=copy.copy(tranche))
        return self.render_form(request, form, tranche, agreement)

    def post(self, request, pk):
        tranche, agreement = self.objects(request, pk)
        form = TrancheCorrectForm(request.POST, instance=copy.copy(tranche))
        if form.is_valid():
            try:
                services.disbursement_update(
                    disbursement=tranche,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    **form.service_values(),
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "Tranche corrected; the reason is in its history.")
                return redirect("donors:tranche-detail", pk=tranche.pk)
        return self.render_form(request, form, tranche, agreement, status=400)


class TrancheDeleteView(ManagerRequiredMixin, View):
    """Cancel a tranche: a confirmation page that asks why."""

    template = "donors/manage/tranche_cancel.html"

    def render_page(self, request, tranche, form, status=200):
        agreement = tranche.agreement
        return render(
            request,
            self.template,
            {
                "tranche": tranche,
                "agreement": agreement,
                "form": form,
                "crumbs": crumbs(
                    agreement_crumb(agreement), tranche_crumb(tranche), ("Cancel", "")
                ),
            },
            status=status,
        )

    @staticmethod
    def reason_form(data=None) -> ReasonForm:
        return ReasonForm(
            data,
            required=True,
            help_text="Kept in the agreement's history, e.g. “Entered twice” or “The donor "
            "withdrew this payment”.",
        )

    def get(self, request, pk):
        return self.render_page(request, tranche_or_404(request.user, pk), self.reason_form())

    def post(self, request, pk):
        tranche = tranche_or_404(request.user, pk)
        form = self.reason_form(request.POST)
        if form.is_valid():
            try:
                services.disbursement_delete(
                    disbursement=tranche, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"Tranche of {day_text(tranche.planned_date)} cancelled; the reason is in "
                    "the agreement's history.",
                )
                return redirect("donors:agreement-detail", pk=tranche.agreement_id)
        return self.render_page(request, tranche, form, status=400)
