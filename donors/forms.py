"""Forms for agreements, allocations and tranches: shape here, money rules in the services.

Each form's clean() calls the service's validate function, so the page shows a broken
rule on the field it concerns before anything is saved; the service checks it again
under its lock when it writes.
"""

from typing import Any

from django import forms

from ctportal.exceptions import DomainError
from donors.models import Allocation, Disbursement, FundingAgreement
from donors.services import (
    AGREEMENT_FIELDS,
    agreement_validate,
    allocation_validate,
    disbursement_reason_validate,
    disbursement_validate,
)


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
