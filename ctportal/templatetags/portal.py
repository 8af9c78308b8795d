"""Presentation helpers shared by every page: money, statuses and Bootstrap form fields."""

from decimal import Decimal

from django import template
from django.forms import BoundField, CheckboxInput, RadioSelect, Select, SelectMultiple

from ctportal.money import format_amount

register = template.Library()


@register.filter
def amount(value, currency: str = "USD") -> str:
    """1234567.5 -> "1,234,567.50"; JPY (no minor unit) -> "1,234,568"."""
    if value is None or value == "":
        return "—"
    return format_amount(value, currency)


@register.filter
def money(value, currency: str = "USD") -> str:
    """An amount with its ISO 4217 code: "EUR 1,000.00", "JPY 150,000"."""
    if value is None or value == "":
        return "—"
    return f"{currency} {amount(value, currency)}"


@register.filter
def percent_of(part, whole) -> str:
    """Share of `part` in `whole` as a whole percentage, "—" when there is no whole."""
    if part is None or not whole:
        return "—"
    return f"{Decimal(part) * 100 / Decimal(whole):.0f}%"


# IATI ActivityStatus code -> Bootstrap contextual colour.
_STATUS_COLOURS = {
    "1": "secondary",
    "2": "success",
    "3": "info",
    "4": "dark",
    "5": "danger",
    "6": "warning",
}


@register.filter
def status_colour(code: str) -> str:
    return _STATUS_COLOURS.get(str(code), "secondary")


@register.inclusion_tag("includes/field.html")
def field(bound_field: BoundField, **attrs):
    """A labelled Bootstrap form field with its help text and errors tied to the input.

    Usage: {% field form.username %} or {% field form.q placeholder="Code or title" %}
    """
    widget = bound_field.field.widget
    if isinstance(widget, CheckboxInput):
        css, kind = "form-check-input", "check"
    elif isinstance(widget, RadioSelect):
        css, kind = "form-check-input", "radio"
    elif isinstance(widget, Select | SelectMultiple):
        css, kind = "form-select", "input"
    else:
        css, kind = "form-control", "input"
    if bound_field.errors:
        css += " is-invalid"
    described_by = []
    if bound_field.help_text:
        described_by.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described_by.append(f"{bound_field.auto_id}_errors")
    widget_attrs = {"class": css, **attrs}
    if described_by:
        widget_attrs["aria-describedby"] = " ".join(described_by)
    if bound_field.errors:
        widget_attrs["aria-invalid"] = "true"
    return {
        "field": bound_field,
        "kind": kind,
        "widget": bound_field.as_widget(attrs=widget_attrs),
    }
