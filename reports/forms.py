"""The "Generate now" form: shape only; reports.services checks the rules again."""

from django import forms
from django.utils import timezone

from organisations import access
from reports import selectors
from reports.models import Report
from reports.periods import previous_month


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m")
        super().__init__(**kwargs)


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label="Report", choices=Report.Kind.choices)
    donor = forms.ModelChoiceField(
        label="Donor",
        queryset=selectors.donor_choices(),
        required=False,
        empty_label="All donors (overall)",
        help_text="Disbursement reports: one donor, or all donors.",
    )
    month = forms.CharField(
        label="Month",
        required=False,
        widget=MonthInput(),
        help_text="Disbursement reports: the month (YYYY-MM).",
    )
    workplan = forms.ModelChoiceField(
        label="Workplan",
        queryset=selectors.workplan_choices(),
        required=False,
        help_text="Progress reports: a workplan with an approved version.",
    )
    quarter = forms.IntegerField(
        label="Quarter",
        required=False,
        min_value=1,
        max_value=40,
        help_text="Progress reports: the workplan's quarter (1 = its first).",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.offers_progress = True
        donor = access.donor_of(user)
        if donor is not None:
            # A donor viewer is offered its own donor's disbursement report only. The fields
            # still accept every choice, so reports.services refuses anything else on its
            # field (organisations.access.can_request_reports is the one rule).
            self.offers_progress = False
            self.fields["kind"].widget.choices = [
                (k, label) for k, label in Report.Kind.choices if k == Report.Kind.DISBURSEMENT
            ]
            self.fields["donor"].widget.choices = [(donor.pk, donor.short_name)]
            self.fields["donor"].help_text = "Your donor's disbursement report."
            self.initial.setdefault("donor", donor.pk)
        if not self.is_bound:
            self.initial.setdefault("month", f"{previous_month(timezone.localdate()).start:%Y-%m}")

    def clean(self):
        data = super().clean()
        if data.get("kind") == Report.Kind.DISBURSEMENT:
            data["workplan"] = data["quarter"] = None
            if not data.get("month"):
                self.add_error("month", "Choose the month.")
        elif data.get("kind") == Report.Kind.PROGRESS:
            data["donor"] = None
            data["month"] = None
            if not data.get("workplan"):
                self.add_error("workplan", "Choose the workplan.")
            if not data.get("quarter"):
                self.add_error("quarter", "Choose the quarter.")
        return data


class SubscriptionForm(forms.Form):
    disbursement = forms.BooleanField(
        label="E-mail me each new disbursement report I may see", required=False
    )
    progress = forms.BooleanField(
        label="E-mail me each new progress report I may see", required=False
    )
