"""Display helpers of the donors' management pages."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def rate(value) -> str:
    """A recorded USD rate without its padding zeros: 1.08000000 -> "1.08", 110 -> "110"."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value).normalize():f}"
