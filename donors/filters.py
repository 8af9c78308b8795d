"""The funding pages' filters: the period the figures cover and what they are narrowed to."""

from django import forms

from ctportal.forms import DateInput
from donors.selectors_funding import FundingFilters, funding_donor_choices
from organisations.models import Organisation
from projects.models import Project, Province, SubProgramme

# The query parameters the filters read; links and exports carry them on.
FILTER_PARAMS = ("date_from", "date_to", "sub_programme", "project", "province", "donor")
PERIOD_ERROR = "The end of the period cannot be before its start."


class FundingPeriodForm(forms.Form):
    """The period funding figures cover: either end open, the end not before the start."""

    date_from = forms.DateField(required=False, label="From", widget=DateInput())
    date_to = forms.DateField(required=False, label="Until", widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", PERIOD_ERROR)
        return cleaned


class ProjectSelect(forms.Select):
    """The viewer's projects as a list while they are few; past LISTED (a programme at a
    decade's scale holds thousands, 150 KB of options on every funding page) a box for a
    project's code. Either way one query, of at most LISTED + 1 projects."""

    LISTED = 200

    def render(self, name, value, attrs=None, renderer=None):
        field = getattr(self.choices, "field", None)  # a ModelChoiceIterator's field
        if field is None:  # rendered before: the choices are listed already
            return super().render(name, value, attrs, renderer)
        listed = list(field.queryset[: self.LISTED + 1])
        if len(listed) > self.LISTED:
            attrs = {**self.attrs, **(attrs or {}), "placeholder": "Project code"}
            # Styled as the text box it is, not as a list.
            attrs["class"] = attrs.get("class", "").replace("form-select", "form-control")
            return forms.TextInput().render(name, value, attrs, renderer)
        empty = [("", field.empty_label)] if field.empty_label is not None else []
        self.choices = empty + [self.choices.choice(project) for project in listed]
        return super().render(name, value, attrs, renderer)


class FundingFilterForm(FundingPeriodForm):
    """The dashboard's filters. Choices offer only what the viewer may see."""

    sub_programme = forms.ModelChoiceField(
        queryset=SubProgramme.objects.select_related("programme").order_by(
            "programme__code", "code"
        ),
        required=False,
        label="Sub-programme",
        empty_label="All sub-programmes",
    )
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(),
        required=False,
        to_field_name="code",
        label="Project",
        empty_label="All projects",
        widget=ProjectSelect,
        error_messages={"invalid_choice": "No project whose figures you may see has this code."},
    )
    province = forms.ModelChoiceField(
        queryset=Province.objects.order_by("name"),
        required=False,
        to_field_name="code",
        label="Province",
        empty_label="All provinces",
    )
    donor = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        label="Donor",
        empty_label="All donors",
    )

    def __init__(self, data, *, projects, offer_donors: bool):
        super().__init__(data)
        # Only the projects whose money this view may show; a donor's view never offers
        # another donor (the donor filter is for managers and administrators).
        self.fields["project"].queryset = projects.order_by("code")
        if offer_donors:
            self.fields["donor"].queryset = funding_donor_choices()
        else:
            del self.fields["donor"]

    def funding_filters(self) -> FundingFilters:
        data = self.cleaned_data
        return FundingFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            sub_programme_id=data["sub_programme"].pk if data.get("sub_programme") else None,
            project_id=data["project"].pk if data.get("project") else None,
            province_code=data["province"].code if data.get("province") else None,
            donor_id=data["donor"].pk if data.get("donor") else None,
        )
