"""Forms of the projects pages."""

from django import forms


class ProjectFilterForm(forms.Form):
    """The project list's filter form: a period must not end before it starts."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("active_from"), cleaned.get("active_to")
        if start and end and end < start:
            self.add_error("active_to", "The end of the period must not be before its start.")
        return cleaned
