"""A serializer's output for plain data already in memory, without DRF's per-field work
(issue 14).

An aggregate endpoint builds its answer as dicts, lists and row objects of Decimals, dates,
strings and numbers (the funding summary: 2,000 project rows of 25 figures), then hands
them to a serializer only to format them. DRF reads every value through get_attribute (an
abc Mapping check and a callable check) and quantizes every Decimal with a fresh copy of
the decimal context: at 2,000 rows that was more than half of the request. PlainData plans
the serializer's fields once per answer and formats each value directly, as the field's
own to_representation would: a DecimalField quantized with the same places, precision and
rounding and written as "{:f}" writes it; any other field through its to_representation.
A row read by key (a dict) or by attribute (any other object but a mapping) in one call;
what is not plain (a missing key or attribute, a callable value, a failing property, a
mapping that is not a dict, a field with a source or a reading of its own) is handed to
the serializer's own to_representation, so the output is DRF's, byte for byte, always.
"""

import decimal
from collections.abc import Callable, Mapping
from decimal import Decimal
from operator import attrgetter, itemgetter

from rest_framework import serializers
from rest_framework.fields import Field
from rest_framework.settings import api_settings

Represent = Callable[[object], object]


class _NotPlain(Exception):
    """A value the fast path does not format: the serializer formats it."""


def _decimal(field: serializers.DecimalField, context: decimal.Context) -> Represent:
    """DecimalField.to_representation with its coerce-to-string output, for one call."""
    quantum = Decimal(".1") ** field.decimal_places
    places = context.copy()
    if field.max_digits is not None:
        places.prec = field.max_digits
    rounding = field.rounding
    # A value quantized to 0-6 places prints the same through str() as through "{:f}"
    # (str() turns to an exponent only past 6 places or for a positive exponent), faster.
    text = str if 0 <= field.decimal_places <= 6 else "{:f}".format

    def represent(value):
        if not isinstance(value, Decimal):
            value = Decimal(str(value).strip())
        return text(value.quantize(quantum, rounding=rounding, context=places))

    return represent


def _is_plain_decimal(field: Field) -> bool:
    return (
        type(field) is serializers.DecimalField
        and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        and not field.localize
        and not field.normalize_output
        and field.decimal_places is not None
    )


def _reads_own_name(field: Field) -> bool:
    """The field reads its own name from a row the standard way (no dotted source, no
    method of the serializer)."""
    return (
        type(field).get_attribute is Field.get_attribute
        and field.source_attrs == [field.field_name]
        and not isinstance(field, serializers.SerializerMethodField)
    )


def _plan(field: Field, context: decimal.Context) -> Represent:
    """How to represent a value of `field` (or of a whole serializer) that is not None."""
    if isinstance(field, serializers.ListSerializer):
        child = _plan(field.child, context)
        return lambda values: (
            [child(value) for value in values]
            if isinstance(values, list | tuple)
            else field.to_representation(values)
        )
    if isinstance(field, serializers.Serializer):
        return _object(field, context)
    if type(field) is serializers.DictField:
        child = _plan(field.child, context)
        return lambda value: {
            str(key): None if item is None else child(item) for key, item in value.items()
        }
    if _is_plain_decimal(field):
        return _decimal(field, context)
    return field.to_representation


def _object(serializer: serializers.Serializer, context: decimal.Context) -> Represent:
    """Serializer.to_representation for a row that is a dict holding every field's key, or
    an object (not a mapping) with every field's attribute."""
    fields = list(serializer._readable_fields)
    if not all(_reads_own_name(field) for field in fields):
        return serializer.to_representation
    names = [field.field_name for field in fields]
    formats = [_plan(field, context) for field in fields]
    # All of a row's values in one call: a tuple, in the fields' order (two or more names).
    by_key = itemgetter(*names, names[0]) if names else None
    by_attribute = attrgetter(*names, names[0]) if names else None

    def fast(values: tuple) -> dict:
        out = {}
        for name, represent, value in zip(names, formats, values, strict=False):
            if value is None:
                out[name] = None
            elif callable(value):
                raise _NotPlain  # DRF may call it: its reading decides
            else:
                out[name] = represent(value)
        return out

    def represent(row):
        try:
            if isinstance(row, dict):
                return fast(by_key(row))
            if not isinstance(row, Mapping):
                return fast(by_attribute(row))
        except Exception:  # noqa: BLE001 - a missing value or a failing property: DRF's reading
            pass
        return serializer.to_representation(row)

    return represent if names else serializer.to_representation


class PlainData:
    """`serializer_class(instance).data` for plain data, formatted without DRF's per-value
    reading. The serializer is built once; its fields must not depend on a context."""

    def __init__(self, serializer_class: type[serializers.Serializer]):
        self.serializer_class = serializer_class
        self._serializer: serializers.Serializer | None = None

    @property
    def serializer(self) -> serializers.Serializer:
        if self._serializer is None:
            self._serializer = self.serializer_class()
        return self._serializer

    def represent(self, instance) -> dict:
        # The thread's decimal context of this call, as DRF copies it for every value.
        return _plan(self.serializer, decimal.getcontext())(instance)
