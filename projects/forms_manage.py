"""Forms of the project management pages: shape (types, lengths, choices) here; the rules
live in projects.services. A form may ask a service's validate helper in clean() so that a
broken rule shows next to the other errors at once; the service checks again when it
writes."""

from decimal import Decimal

from django import forms

from ctportal.exceptions import DomainError
from ctportal.forms import DateInput, add_service_error
from organisations.models import Organisation
from projects.models import NapArea, Outcome, Project, Province, SubProgramme
from projects.services import project_validate

_CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


class CounterpartChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.short_name} – {obj.name}"


class ProjectForm(forms.Form):
    code = forms.CharField(max_length=30, help_text="e.g. PAKX20, as in UNODC's systems.")
    title = forms.CharField(max_length=250)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    sub_programme = forms.ModelChoiceField(
        label="Sub-programme",
        queryset=SubProgramme.objects.select_related("programme").order_by(
            "-programme__start_date", "code"
        ),
    )
    start_date = forms.DateField(widget=DateInput())
    end_date = forms.DateField(widget=DateInput())
    status = forms.ChoiceField(choices=Project.Status.choices, initial=Project.Status.PIPELINE)
    dac_sector = forms.CharField(
        label="DAC sector",
        max_length=5,
        required=False,
        help_text="OECD DAC 5-digit purpose code, e.g. 15210 (security system management).",
    )
    provinces = forms.ModelMultipleChoiceField(
        queryset=Province.objects.order_by("name"),
        required=False,
        widget=_CHECKBOXES,
    )
    counterparts = CounterpartChoiceField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.COUNTERPART).order_by(
            "short_name"
        ),
        required=False,
        widget=_CHECKBOXES,
    )
    nap_areas = forms.ModelMultipleChoiceField(
        label="NAP areas",
        queryset=NapArea.objects.order_by("version", "number"),
        required=False,
        widget=_CHECKBOXES,
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, project: Project | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start_date") and cleaned.get("end_date"):
            try:
                project_validate(
                    code=cleaned.get("code"),
                    status=cleaned.get("status"),
                    start_date=cleaned["start_date"],
                    end_date=cleaned["end_date"],
                    dac_sector=cleaned.get("dac_sector") or "",
                    counterparts=cleaned.get("counterparts") or (),
                    project=self.project,
                )
            except DomainError as error:
                add_service_error(self, error)
        return cleaned

    @staticmethod
    def initial_for(project: Project) -> dict:
        return {
            "code": project.code,
            "title": project.title,
            "description": project.description,
            "sub_programme": project.sub_programme_id,
            "start_date": project.start_date,
            "end_date": project.end_date,
            "status": project.status,
            "dac_sector": project.dac_sector,
            "provinces": [p.pk for p in project.provinces.all()],
            "counterparts": [o.pk for o in project.counterparts.all()],
            "nap_areas": [n.pk for n in project.nap_areas.all()],
            "notes": project.notes,
        }


class OutcomeForm(forms.Form):
    SCOPE_PROJECT, SCOPE_SUB_PROGRAMME = "project", "sub_programme"

    code = forms.CharField(max_length=20, help_text="e.g. Oc1")
    title = forms.CharField(max_length=400, widget=forms.Textarea(attrs={"rows": 2}))
    scope = forms.ChoiceField(
        label="Applies to",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=SCOPE_PROJECT,
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["scope"].choices = [
            (self.SCOPE_PROJECT, f"This project only ({project.code})"),
            (
                self.SCOPE_SUB_PROGRAMME,
                f"Every project of {project.sub_programme.code} (the sub-programme's framework)",
            ),
        ]

    @classmethod
    def initial_for(cls, outcome: Outcome) -> dict:
        scope = cls.SCOPE_PROJECT if outcome.project_id else cls.SCOPE_SUB_PROGRAMME
        return {"code": outcome.code, "title": outcome.title, "scope": scope}

    def service_values(self) -> dict:
        data = self.cleaned_data
        project = self.project if data["scope"] == self.SCOPE_PROJECT else None
        return {"code": data["code"], "title": data["title"], "project": project}


class OutputForm(forms.Form):
    code = forms.CharField(max_length=20, help_text="e.g. Op1.1")
    title = forms.CharField(max_length=400, widget=forms.Textarea(attrs={"rows": 2}))


class IndicatorForm(forms.Form):
    code = forms.CharField(max_length=20, help_text="e.g. I1.1a")
    title = forms.CharField(max_length=400, widget=forms.Textarea(attrs={"rows": 2}))
    unit = forms.CharField(max_length=40, help_text="persons, workshops, requests, ...")
    baseline = forms.DecimalField(
        max_digits=14, decimal_places=2, initial=0, required=False, help_text="Empty means 0."
    )
    target = forms.DecimalField(max_digits=14, decimal_places=2)
    by_sex = forms.BooleanField(label="Report achieved values by sex", required=False)
    by_province = forms.BooleanField(label="Report achieved values by province", required=False)

    FIELDS = ("code", "title", "unit", "baseline", "target", "by_sex", "by_province")

    def clean_baseline(self):
        baseline = self.cleaned_data["baseline"]
        return Decimal(0) if baseline is None else baseline

    @classmethod
    def initial_for(cls, indicator) -> dict:
        return {name: getattr(indicator, name) for name in cls.FIELDS}


class ReasonForm(forms.Form):
    """Why a recorded figure changes or goes: kept in its history."""

    reason = forms.CharField(
        label="Reason for the change",
        max_length=250,
        help_text="Kept in the history, e.g. “Invoice corrected by the supplier”.",
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
