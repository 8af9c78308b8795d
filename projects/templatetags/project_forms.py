"""Form pieces of the project management pages that the shared {% field %} tag does not
cover: one labelled cell of an editable grid."""

from django import template
from django.forms import BoundField, Select

register = template.Library()


@register.inclusion_tag("projects/_grid_cell.html")
def grid_cell(bound_field: BoundField, label: str, row):
    """A grid cell: a real label (its visible part names the column, a visually hidden part
    the row, e.g. "Amount, row 2"), the input, and its errors tied to it."""
    css = "form-select" if isinstance(bound_field.field.widget, Select) else "form-control"
    attrs = {"class": css}
    if bound_field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{bound_field.auto_id}_errors"
    return {
        "field": bound_field,
        "label": label,
        "row": row,
        "widget": bound_field.as_widget(attrs=attrs),
    }
