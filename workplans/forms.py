from django import forms
from django.forms import formset_factory

from ctportal.forms import DateInput
from organisations.models import Organisation
from projects.models import Indicator, Output, Project, Province, SubProgramme
from workplans.models import Attendance, WorkplanVersion
from workplans.quarters import quarters_of


class WorkplanForm(forms.Form):
    sub_programme = forms.ModelChoiceField(
        label="Sub-programme",
        queryset=SubProgramme.objects.select_related("programme").order_by(
            "-programme__start_date", "code"
        ),
    )
    code = forms.CharField(max_length=40, help_text="e.g. WP-SP4-2023-24")
    title = forms.CharField(max_length=250)
    period_start = forms.DateField(widget=DateInput(), help_text="First day of the first quarter.")
    period_end = forms.DateField(widget=DateInput(), help_text="Last day of the last quarter.")


class ActivityForm(forms.Form):
    code = forms.CharField(max_length=20)
    title = forms.CharField(max_length=400)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    output = forms.ModelChoiceField(queryset=Output.objects.none())
    lead_counterpart = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.COUNTERPART)
    )
    provinces = forms.ModelMultipleChoiceField(
        queryset=Province.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    project = forms.ModelChoiceField(queryset=Project.objects.none(), required=False)
    budget = forms.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, initial=0, label="Budget (USD)"
    )

    def __init__(self, *args, version: WorkplanVersion, **kwargs):
        super().__init__(*args, **kwargs)
        sub_programme = version.workplan.sub_programme
        self.fields["output"].queryset = Output.objects.filter(
            outcome__sub_programme=sub_programme
        ).select_related("outcome")
        self.fields["project"].queryset = Project.objects.filter(sub_programme=sub_programme)


class TargetRowForm(forms.Form):
    """One indicator's targets, one field per quarter of the workplan."""

    indicator = forms.ModelChoiceField(queryset=Indicator.objects.none(), required=False)

    def __init__(self, *args, version: WorkplanVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.quarters = quarters_of(version.workplan)
        self.fields["indicator"].queryset = Indicator.objects.filter(
            output__outcome__sub_programme=version.workplan.sub_programme
        ).select_related("output")
        for quarter in self.quarters:
            self.fields[f"q{quarter.number}"] = forms.DecimalField(
                label=quarter.label, required=False, min_value=0, max_digits=14, decimal_places=2
            )

    def quarter_fields(self):
        return [self[f"q{quarter.number}"] for quarter in self.quarters]

    def targets(self):
        indicator = self.cleaned_data.get("indicator")
        if not indicator:
            return []
        return [
            (indicator, quarter.number, self.cleaned_data[f"q{quarter.number}"])
            for quarter in self.quarters
            if self.cleaned_data.get(f"q{quarter.number}")
        ]


TargetFormSet = formset_factory(TargetRowForm, extra=0, min_num=1, max_num=12)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="The portal's XLSX template, filled in.")

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 5 MB.")
        return uploaded


class MeetingForm(forms.Form):
    sub_programme = forms.ModelChoiceField(
        label="Sub-programme",
        queryset=SubProgramme.objects.select_related("programme").order_by(
            "-programme__start_date", "code"
        ),
    )
    date = forms.DateField(widget=DateInput())
    venue = forms.CharField(max_length=200)
    chair = forms.CharField(max_length=200)
    chair_organisation = forms.ModelChoiceField(queryset=Organisation.objects.all(), required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    decisions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="One decision per line.",
    )

    def decision_list(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["decisions"].splitlines() if line.strip()
        ]


class AttendanceForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.all(), required=False)
    mode = forms.ChoiceField(choices=Attendance.Mode.choices, initial=Attendance.Mode.IN_PERSON)
    names = forms.CharField(max_length=300, required=False)


AttendanceFormSet = formset_factory(AttendanceForm, extra=3, max_num=60)


class DecisionForm(forms.Form):
    """Approve a submitted version, or send it back with comments."""

    version = forms.ModelChoiceField(queryset=WorkplanVersion.objects.none())
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("return", "Send back with comments")]
    )
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = WorkplanVersion.objects.filter(
            workplan__sub_programme=meeting.sub_programme, status=WorkplanVersion.Status.SUBMITTED
        ).select_related("workplan")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "return" and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Say why the version is sent back.")
        return cleaned
