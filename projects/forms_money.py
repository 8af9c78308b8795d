"""Forms of the money pages: the budget grid, expenditures, exchange rates and uploads.
Shape here; the money rules (periods, precision, rates) are the services', which the
expenditure form asks in clean() so that every broken rule shows at once."""

from django import forms
from django.forms import formset_factory

from ctportal.forms import DateInput, add_service_error
from ctportal.money import Currency
from projects.models import BudgetCategory, Expenditure, Project
from projects.services import expenditure_problems

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class BudgetLineForm(forms.Form):
    """One row of the budget grid. `line` is the saved line the row shows (none for a new
    row); only lines of the page's project are accepted."""

    line = forms.ModelChoiceField(
        queryset=None, required=False, widget=forms.HiddenInput, label="Saved line"
    )
    category = forms.ChoiceField(choices=[("", "Choose…"), *BudgetCategory.choices])
    year = forms.IntegerField(min_value=1900, max_value=2100)
    amount = forms.DecimalField(max_digits=18, decimal_places=2)
    currency = forms.ChoiceField(choices=Currency.choices, initial=Currency.USD)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = project.budget_lines.all()
        years = range(project.start_date.year, project.end_date.year + 1)
        self.fields["year"].widget.attrs.update(
            {"min": years.start, "max": years.stop - 1, "inputmode": "numeric"}
        )
        self.fields["amount"].widget.attrs.update({"inputmode": "decimal", "step": "any"})


class BaseBudgetFormSet(forms.BaseFormSet):
    def get_deletion_widget(self):
        return forms.CheckboxInput(attrs={"class": "form-check-input"})


BudgetFormSet = formset_factory(
    BudgetLineForm,
    formset=BaseBudgetFormSet,
    extra=2,
    can_delete=True,
    # New rows are taken off the page (formset.js); only saved lines need a Remove box.
    can_delete_extra=False,
    max_num=200,
    absolute_max=200,
)


def budget_initial(project: Project, lines) -> list[dict]:
    return [
        {
            "line": line.pk,
            "category": line.category,
            "year": line.year,
            "amount": line.amount,
            "currency": line.currency,
        }
        for line in lines
    ]


class ExpenditureForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.none())
    category = forms.ChoiceField(choices=[("", "Choose…"), *BudgetCategory.choices])
    spent_on = forms.DateField(label="Date", widget=DateInput())
    amount = forms.DecimalField(max_digits=18, decimal_places=2)
    currency = forms.ChoiceField(choices=Currency.choices, initial=Currency.USD)
    description = forms.CharField(max_length=250, required=False)

    FIELDS = ("project", "category", "spent_on", "amount", "currency", "description")

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["amount"].widget.attrs.update({"inputmode": "decimal", "step": "any"})

    def clean(self):
        cleaned = super().clean()
        problems, _ = expenditure_problems(
            project=cleaned.get("project"),
            category=cleaned.get("category") or None,
            spent_on=cleaned.get("spent_on"),
            amount=cleaned.get("amount"),
            currency=cleaned.get("currency") or None,
        )
        for problem in problems:
            add_service_error(self, problem)
        return cleaned

    @classmethod
    def initial_for(cls, expenditure: Expenditure) -> dict:
        return {name: getattr(expenditure, name) for name in cls.FIELDS}


class ExchangeRateForm(forms.Form):
    currency = forms.ChoiceField(choices=[c for c in Currency.choices if c[0] != Currency.USD])
    month = forms.DateField(
        widget=DateInput(), help_text="Any day of the month; the rate applies to the whole month."
    )
    usd_per_unit = forms.DecimalField(
        label="USD per unit", max_digits=18, decimal_places=8, help_text="e.g. 1.0712 for EUR."
    )
    source = forms.CharField(max_length=200, initial="UN operational rates of exchange")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["usd_per_unit"].widget.attrs.update({"inputmode": "decimal", "step": "any"})


class ExchangeRateFilterForm(forms.Form):
    currency = forms.ChoiceField(
        choices=[("", "All currencies"), *(c for c in Currency.choices if c[0] != Currency.USD)],
        required=False,
    )
    sort = forms.ChoiceField(
        label="Order",
        choices=[("-month", "Newest month first"), ("month", "Oldest month first")],
        required=False,
    )


class UploadForm(forms.Form):
    file = forms.FileField(help_text="At most 5 MB.")

    def __init__(self, *args, accept: str = ".xlsx", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = accept

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        return uploaded
