"""Form plumbing shared by every app's pages."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's error on the form: on its field when the form has that field,
    otherwise at the top of the form, prefixed with the field's name."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        if name in form.fields:
            form.add_error(name, errors)
        else:
            label = name.replace("_", " ").capitalize()
            for item in errors:
                for message in item.messages:
                    form.add_error(None, f"{label}: {message}")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)
