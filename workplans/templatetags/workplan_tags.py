from django import template

register = template.Library()


@register.filter
def shown(value) -> str:
    """A compared value as a reader wants it: lists joined, nothing as a dash."""
    if value is None or value == "":
        return "–"
    if isinstance(value, list | tuple | set):
        return ", ".join(str(item) for item in value) or "–"
    return str(value)


@register.inclusion_tag("workplans/_grid_field.html")
def grid_field(bound_field, label: str, *context):
    """One cell of a data-entry grid: its input with a real label (shown on a phone, where
    the grid has no header row; for screen readers only on wider screens), its errors tied
    to it. The words after the label name the row for screen readers only.

    Usage: {% grid_field row.q3 row.q3.label "target for" "I1.1b" %} labels the input
    "Q3 (Jan-Mar 2023) target for I1.1b", of which a phone shows "Q3 (Jan-Mar 2023)".
    """
    widget = bound_field.field.widget
    css = widget.attrs.get("class", "")
    attrs = {}
    if bound_field.errors:
        attrs = {
            "class": f"{css} is-invalid".strip(),
            "aria-invalid": "true",
            "aria-describedby": f"{bound_field.auto_id}_errors",
        }
    return {
        "field": bound_field,
        "label": label,
        "context": " ".join(str(part) for part in context if part not in (None, "")),
        "widget": bound_field.as_widget(attrs=attrs),
    }
