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
