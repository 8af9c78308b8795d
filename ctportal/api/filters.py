"""Filter plumbing: ordering that refuses unknown fields, and django-filter pieces that
reject bad values with a 400 instead of ignoring them (or failing with a 500)."""

import django_filters
from django import forms
from django.db import models
from django_filters.fields import ModelChoiceField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter

PK_MAX = 2**63 - 1


def with_tiebreaker(ordering) -> list:
    """`ordering` ending with the primary key, unless it names it already. Rows that tie
    on every other term are otherwise returned in whatever order the database likes, which
    can differ from one LIMIT/OFFSET to the next (PostgreSQL's top-N sort does), so paging
    would repeat some rows and never show others."""
    terms = list(ordering)
    names = {term.lstrip("-") for term in terms if isinstance(term, str)}
    if names & {"pk", "id"}:
        return terms
    return [*terms, "pk"]


class StrictOrderingFilter(OrderingFilter):
    """?ordering=a,-b over the view's `ordering_fields`; any other field is a 400. Every
    ordering, asked for or the list's default, ends with the primary key."""

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view) or (
            queryset.query.order_by or queryset.model._meta.ordering
        )
        return queryset.order_by(*with_tiebreaker(ordering))

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = {item[0] for item in self.get_valid_fields(queryset, view, {"request": request})}
        invalid = [term for term in fields if term.lstrip("-") not in valid]
        if invalid:
            raise ValidationError(
                {
                    self.ordering_param: [
                        f"Cannot order by {', '.join(invalid)}; "
                        f"use {', '.join(sorted(valid))} (prefix - for descending)."
                    ]
                },
                code="invalid_ordering",
            )
        return [term for term in fields if term]

    def get_schema_operation_parameters(self, view):
        fields = sorted(getattr(view, "ordering_fields", None) or [])
        if not fields:
            return []  # Not accepted (a 400), so not documented.
        parameters = super().get_schema_operation_parameters(view)
        one = "-?(" + "|".join(fields) + ")"
        for parameter in parameters:
            parameter["description"] = (
                f"Comma-separated fields to order by, any of {', '.join(fields)}; "
                "prefix - for descending."
            )
            parameter["schema"] = {"type": "string", "pattern": f"^{one}(,{one})*$"}
        return parameters


class PortalSearchFilter(SearchFilter):
    def get_schema_operation_parameters(self, view):
        # A list without search_fields refuses ?search= (a 400), so it is not documented.
        if not getattr(view, "search_fields", None):
            return []
        return super().get_schema_operation_parameters(view)


class BoundedIntegerFilter(django_filters.NumberFilter):
    """A whole number in a range (a quarter, a year): anything else is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int, max_value: int, **kwargs):
        kwargs.setdefault("min_value", min_value)
        kwargs.setdefault("max_value", max_value)
        super().__init__(*args, **kwargs)


class PortalFilterSet(django_filters.FilterSet):
    """Base of every API filter set: filters come from an allow-list, nothing else."""


def date_filter(field_name: str, lookup_expr: str, label: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(field_name=field_name, lookup_expr=lookup_expr, label=label)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": PK_MAX})
class IdFilter(BoundedIntegerFilter):
    """The id of a related object; not a whole number from 1 is a 400."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=PK_MAX, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 100})
class QuarterFilter(BoundedIntegerFilter):
    """A quarter of a workplan, numbered from 1."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=100, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1900, "maximum": 2200})
class YearFilter(BoundedIntegerFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1900, max_value=2200, **kwargs)


class _StrictBooleanField(forms.Field):
    TRUE, FALSE = ("true", "1"), ("false", "0")

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Enter true or false.", code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    """true/false (or 1/0); anything else is a 400 rather than being ignored."""

    field_class = _StrictBooleanField


def is_id_text(text: str) -> bool:
    """Whether a query parameter's text is an id some row could have: a whole number from 1
    to the largest 64-bit id (SQLite cannot even bind a larger one: a 500, not a miss)."""
    return text.isascii() and text.isdigit() and 1 <= int(text) <= PK_MAX


class IdChoiceField(ModelChoiceField):
    """A form field choosing an object by its id: text that cannot be an id is refused
    before the database sees it, with the same invalid_choice error as an unknown id."""

    def to_python(self, value):
        if (
            value not in self.empty_values
            and isinstance(self.queryset.model._meta.pk, models.IntegerField)
            and not is_id_text(str(value).strip())
        ):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": PK_MAX})
class ObjectFilter(django_filters.ModelChoiceFilter):
    """A related object by its id; one that does not exist (or is not offered) is a 400."""

    field_class = IdChoiceField


@extend_schema_field(OpenApiTypes.STR)
class CodeFilter(django_filters.ModelChoiceFilter):
    """A related object by its code (a province: PK-PB, PK-SD, ...); unknown is a 400."""
