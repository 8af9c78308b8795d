"""Forms for agreements, allocations and tranches: shape here, money rules in the services.

Each form's clean() calls the service's validate function, so the page shows a broken
rule on the field it concerns before anything is saved; the service checks it again
under its lock when it writes.
"""

from typing import Any

from django import forms

from ctportal.exceptions import DomainError
from ctportal.forms import DateInput
from donors.models import Allocation, Disbursement, FundingAgreement
from donors.services import (
    AGREEMENT_FIELDS,
    agreement_validate,
    allocation_validate,
    disbursement_reason_validate,
    disbursement_validate,
)
from organisations.models import Organisation
from projects.models import Project


class ServiceValidatedForm(forms.ModelForm):
    """A ModelForm whose clean() asks a service's validate function and shows its errors."""

    validated_fields: tuple[str, ...] = ()

    def validate_with_service(self, values: dict[str, Any], instance: Any) -> None:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # A field that failed its own validation has already told the user what is wrong.
        if any(self.has_error(name) for name in self.validated_fields if name in self.fields):
            return cleaned
        values = {
            name: cleaned.get(name) if name in self.fields else getattr(self.instance, name)
            for name in self.validated_fields
        }
        try:
            self.validate_with_service(values, self.instance if self.instance.pk else None)
        except DomainError as error:
            if error.field and error.field not in self.fields:
                self.add_error(None, error.messages)
            else:
                # A DomainError naming a field lands on that field.
                self.add_error(None, error)
        return cleaned


class FundingAgreementForm(ServiceValidatedForm):
    validated_fields = (
        "donor",
        "implementer",
        "reference",
        "currency",
        "amount",
        "signed_on",
        "start_date",
        "end_date",
    )

    class Meta:
        model = FundingAgreement
        fields = list(AGREEMENT_FIELDS)

    def validate_with_service(self, values: dict[str, Any], instance: Any) -> None:
        agreement_validate(**values, instance=instance)


class AllocationForm(ServiceValidatedForm):
    validated_fields = ("agreement", "project", "amount")

    class Meta:
        model = Allocation
        fields = ["agreement", "project", "amount", "notes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "agreement" in self.fields:
            # Each option's label names the donor: load them with the agreements.
            self.fields["agreement"].queryset = FundingAgreement.objects.select_related("donor")

    def validate_with_service(self, values: dict[str, Any], instance: Any) -> None:
        allocation_validate(**values, instance=instance)


class DisbursementForm(ServiceValidatedForm):
    validated_fields = (
        "agreement",
        "planned_date",
        "planned_amount",
        "received_date",
        "received_amount",
    )

    class Meta:
        model = Disbursement
        fields = [
            "agreement",
            "planned_date",
            "planned_amount",
            "received_date",
            "received_amount",
            "notes",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "agreement" in self.fields:
            self.fields["agreement"].queryset = FundingAgreement.objects.select_related("donor")

    def validate_with_service(self, values: dict[str, Any], instance: Any) -> None:
        if instance is not None and "reason" in self.fields and not self.has_error("reason"):
            # Shown together with any other broken rule, not one after the other.
            try:
                disbursement_reason_validate(
                    disbursement=instance, reason=self.cleaned_data.get("reason") or ""
                )
            except DomainError as error:
                self.add_error(None, error)
        disbursement_validate(**values, instance=instance)


REASON_HELP = "Why this changes; kept in the tranche's history. Required once money was received."


class DisbursementAdminForm(DisbursementForm):
    """The admin's tranche form: a correction of a received tranche says why."""

    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=REASON_HELP,
    )


# --- The managers' pages -----------------------------------------------------------------

# Money is typed as text: the browser's number input would round or reject what the
# server must judge (and show the error beside).
MONEY_INPUT = {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}


def _reason_field(*, required: bool, label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        required=required,
        max_length=500,
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Give the reason: it is kept in the history."},
    )


class AgreementPageForm(FundingAgreementForm):
    """A donor's agreement as a manager enters or corrects it."""

    reason = _reason_field(
        required=False,
        label="Why the change (optional)",
        help_text="Kept in the agreement's history, e.g. “Amendment no. 1 signed 3 May 2024”.",
    )

    class Meta(FundingAgreementForm.Meta):
        labels = {
            "amount": "Amount committed",
            "signed_on": "Signing date",
            "start_date": "Start of the period",
            "end_date": "End of the period",
        }
        help_texts = {"amount": "In the agreement's currency, e.g. 1500000.00."}
        widgets = {
            "amount": forms.TextInput(attrs=MONEY_INPUT),
            "signed_on": DateInput(),
            "start_date": DateInput(),
            "end_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["donor"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.DONOR
        ).order_by("short_name")
        self.fields["implementer"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.IMPLEMENTER
        ).order_by("short_name")
        if self.instance.pk is None:
            del self.fields["reason"]

    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in AGREEMENT_FIELDS}


class AllocationPageForm(AllocationForm):
    """Part of one agreement for a project; the agreement comes from the page, and an
    existing allocation keeps its project (another project is another allocation)."""

    reason = _reason_field(
        required=False,
        label="Why the change (optional)",
        help_text="Kept in the allocation's history.",
    )

    class Meta(AllocationForm.Meta):
        fields = ["project", "amount", "notes"]
        labels = {"amount": "Amount allocated"}
        widgets = {
            "amount": forms.TextInput(attrs=MONEY_INPUT),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["reason"]
            # Projects this agreement already funds are changed, not funded twice.
            self.fields["project"].queryset = Project.objects.exclude(
                allocations__agreement=self.instance.agreement
            ).order_by("code")
        else:
            del self.fields["project"]


class TranchePlanForm(DisbursementForm):
    """A tranche the donor is expected to pay: its date and amount."""

    class Meta(DisbursementForm.Meta):
        fields = ["planned_date", "planned_amount", "notes"]
        labels = {"planned_date": "Expected on", "planned_amount": "Amount expected"}
        widgets = {
            "planned_date": DateInput(),
            "planned_amount": forms.TextInput(attrs=MONEY_INPUT),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class TrancheReceiveForm(DisbursementForm):
    """The money of a planned tranche arrived: when, and how much."""

    class Meta(DisbursementForm.Meta):
        fields = ["received_date", "received_amount"]
        labels = {"received_date": "Received on", "received_amount": "Amount received"}
        widgets = {
            "received_date": DateInput(),
            "received_amount": forms.TextInput(attrs=MONEY_INPUT),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].required = True


class TrancheCorrectForm(DisbursementForm):
    """A correction of a tranche, with the reason the history keeps. The receipt's fields
    appear once money was received (a planned tranche is received on its own page)."""

    reason = _reason_field(
        required=True,
        label="Reason for the correction",
        help_text="Kept in the tranche's history, e.g. “The bank statement of 3 May shows "
        "249,980.00 after fees”.",
    )

    class Meta(DisbursementForm.Meta):
        fields = ["planned_date", "planned_amount", "received_date", "received_amount", "notes"]
        labels = TranchePlanForm.Meta.labels | TrancheReceiveForm.Meta.labels
        widgets = TranchePlanForm.Meta.widgets | TrancheReceiveForm.Meta.widgets

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.is_received:
            del self.fields["received_date"]
            del self.fields["received_amount"]

    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class ReasonForm(forms.Form):
    """Why an object is deleted or a tranche cancelled."""

    def __init__(self, *args: Any, required: bool, help_text: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"] = _reason_field(
            required=required,
            label="Reason" if required else "Reason (optional)",
            help_text=help_text,
        )
