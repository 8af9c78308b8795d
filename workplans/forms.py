from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.functional import cached_property

from ctportal.exceptions import DomainError
from ctportal.forms import DateInput, add_service_error
from organisations.models import Organisation
from projects.models import Indicator, Output, Project, Province, SubProgramme
from workplans import selectors, services
from workplans.models import Attendance, EwgMeeting, WorkplanVersion
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


class WorkplanListFilterForm(forms.Form):
    """What the workplan list narrows its versions by (a GET form)."""

    status = forms.ChoiceField(
        label="Version status",
        required=False,
        choices=[("", "Any status"), *WorkplanVersion.Status.choices],
    )


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

    indicator = forms.ModelChoiceField(
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select grid-indicator"}),
    )

    def __init__(self, *args, version: WorkplanVersion, indicator_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.quarters = quarters_of(version.workplan)
        self.fields["indicator"].queryset = indicators_of(version)
        if indicator_choices is not None:
            # The formset reads the indicators once; each row's select reuses them.
            self.fields["indicator"].widget.choices = indicator_choices
        for quarter in self.quarters:
            self.fields[f"q{quarter.number}"] = forms.DecimalField(
                label=quarter.label,
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
                widget=forms.NumberInput(
                    attrs={"class": "form-control grid-number", "step": "any", "min": "0"}
                ),
            )

    def quarter_fields(self):
        return [self[f"q{quarter.number}"] for quarter in self.quarters]

    def clean(self):
        cleaned = super().clean()
        indicator = cleaned.get("indicator")
        entered = [q for q in self.quarters if cleaned.get(f"q{q.number}") is not None]
        if indicator is None:
            if entered and "indicator" not in self.errors:
                self.add_error("indicator", "Choose the indicator these targets are for.")
            return cleaned
        for quarter in entered:
            name = f"q{quarter.number}"
            try:
                services.target_value_validate(
                    indicator=indicator, quarter=quarter.number, value=cleaned[name]
                )
            except DomainError as error:
                self.add_error(name, error.messages)
        return cleaned

    def targets(self):
        indicator = self.cleaned_data.get("indicator")
        if not indicator:
            return []
        return [
            (indicator, quarter.number, self.cleaned_data[f"q{quarter.number}"])
            for quarter in self.quarters
            if self.cleaned_data.get(f"q{quarter.number}")
        ]


def indicators_of(version: WorkplanVersion):
    return Indicator.objects.filter(
        output__outcome__sub_programme=version.workplan.sub_programme
    ).select_related("output")


class BaseTargetFormSet(forms.BaseFormSet):
    def __init__(self, *args, form_kwargs=None, **kwargs):
        form_kwargs = dict(form_kwargs or {})
        version = form_kwargs["version"]
        form_kwargs["indicator_choices"] = [("", "---------")] + [
            (indicator.pk, str(indicator)) for indicator in indicators_of(version)
        ]
        super().__init__(*args, form_kwargs=form_kwargs, **kwargs)

    def clean(self):
        if any(self.errors):
            return
        rows: dict[int, int] = {}
        for number, form in enumerate(self.forms, start=1):
            if self.can_delete and self._should_delete_form(form):
                continue
            indicator = form.cleaned_data.get("indicator")
            if indicator is None:
                continue
            if indicator.pk in rows:
                form.add_error(
                    "indicator",
                    f"{indicator.code} already has a row (row {rows[indicator.pk]}); "
                    "put all its quarters there.",
                )
            else:
                rows[indicator.pk] = number

    def targets(self) -> list:
        """(indicator, quarter, value) of every row that is not removed."""
        targets = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            targets.extend(form.targets())
        return targets


MAX_TARGET_ROWS = 30
TargetFormSet = formset_factory(
    TargetRowForm,
    formset=BaseTargetFormSet,
    extra=2,
    can_delete=True,
    can_delete_extra=False,
    max_num=MAX_TARGET_ROWS,
    absolute_max=MAX_TARGET_ROWS,
    validate_max=True,
)


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
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    mode = forms.ChoiceField(
        label="Attended",
        choices=Attendance.Mode.choices,
        initial=Attendance.Mode.IN_PERSON,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    names = forms.CharField(
        label="Names (optional)",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def has_changed(self) -> bool:
        """A row counts once it names an organisation or people. The way of attending has a
        default, so a row removed in the browser (a gap in the numbering, whose fields are
        not posted at all) must not count as changed for lack of it."""
        return bool(set(self.changed_data) - {"mode"})


class BaseAttendanceFormSet(forms.BaseFormSet):
    def __init__(self, *args, form_kwargs=None, **kwargs):
        super().__init__(*args, form_kwargs=form_kwargs, **kwargs)
        # Every row offers the same organisations: read them once for the whole grid.
        choices = [("", "---------")] + [
            (organisation.pk, str(organisation)) for organisation in Organisation.objects.all()
        ]
        for form in [*self.forms, self.empty_form]:
            form.fields["organisation"].widget.choices = choices

    @cached_property
    def empty_form(self):
        return super().empty_form

    def attendees(self) -> list[tuple]:
        """(organisation, mode, names) of every row naming an organisation, not removed."""
        return [
            (
                form.cleaned_data["organisation"],
                form.cleaned_data["mode"],
                form.cleaned_data.get("names", ""),
            )
            for form in self.forms
            if not (self.can_delete and self._should_delete_form(form))
            and form.cleaned_data.get("organisation")
        ]


MAX_ATTENDEE_ROWS = 60
AttendanceFormSet = formset_factory(
    AttendanceForm,
    formset=BaseAttendanceFormSet,
    extra=3,
    can_delete=True,
    can_delete_extra=False,
    max_num=MAX_ATTENDEE_ROWS,
    absolute_max=MAX_ATTENDEE_ROWS,
    validate_max=True,
)

DOCUMENT_TITLES = ["Agenda", "Minutes", "Attendance sheet", "Presentation", "Decision record"]


class MeetingDocumentForm(forms.Form):
    title = forms.CharField(
        label="Document title",
        max_length=200,
        help_text="e.g. Agenda, Minutes.",
        widget=forms.TextInput(attrs={"list": "document-titles"}),
    )
    file = forms.FileField(
        help_text="PDF, Word (DOCX), Excel (XLSX), PNG or JPEG, at most 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.png,.jpg,.jpeg"}),
    )


class _DecisionFields(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("return", "Send back with comments")]
    )
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "return" and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Say why the version is sent back.")
        return cleaned


class DecisionForm(_DecisionFields):
    """On a meeting's page: approve a submitted version, or send it back with comments.
    Only the versions this meeting may decide are offered."""

    field_order = ["version", "decision", "comment"]
    version = forms.ModelChoiceField(queryset=WorkplanVersion.objects.none())

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = selectors.version_decision_list(meeting=meeting)


class VersionDecisionForm(_DecisionFields):
    """On a submitted version's page: the EWG meeting's decision. Only the meetings that
    may decide this version are offered."""

    field_order = ["meeting", "decision", "comment"]
    meeting = forms.ModelChoiceField(
        label="EWG meeting", queryset=EwgMeeting.objects.none(), empty_label=None
    )

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = selectors.meeting_decision_list(version=version)


def add_grid_service_error(form: forms.BaseForm, error: ValidationError, *, grid: str) -> list:
    """Show a service's error on the form, except what it says about `grid` (the targets
    or attendees of the page's grid): those messages are returned, to be shown in the grid.
    """
    if not hasattr(error, "error_dict") or grid not in error.error_dict:
        add_service_error(form, error)
        return []
    messages = [message for item in error.error_dict[grid] for message in item.messages]
    rest = {name: errors for name, errors in error.error_dict.items() if name != grid}
    if rest:
        add_service_error(form, ValidationError(rest))
    else:
        form.add_error(None, "Please correct the rows below.")
    return messages
