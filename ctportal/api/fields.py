"""Serializer fields every endpoint's input shares.

IdField is the one way a request body names another object. DRF's PrimaryKeyRelatedField
hands whatever the JSON held to the database: 1e309 (which Python reads as infinity) ends
in an OverflowError, 2**64 in one on SQLite, and 1.5 or true quietly become id 1. Here
only a whole number from 1 to the largest 64-bit id is looked up; anything else is the
field's own 400 (incorrect_type, or does_not_exist for a whole number no row can have).
"""

import math
import re

from django.db import models
from rest_framework import serializers

from ctportal.api.filters import PK_MAX

_DIGITS = re.compile(r"[0-9]+")


def _has_integer_pk(queryset) -> bool:
    return isinstance(queryset.model._meta.pk, models.IntegerField)


class IdField(serializers.PrimaryKeyRelatedField):
    """A related object by its id (or, for a model keyed by a code, by that code)."""

    def to_internal_value(self, data):
        if _has_integer_pk(self.get_queryset()):
            data = self._whole_number(data)
        return super().to_internal_value(data)

    def _whole_number(self, data) -> int:
        # bool is an int to Python; JSON's true is not an id.
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, float):
            if not (math.isfinite(data) and data.is_integer()):
                self.fail("incorrect_type", data_type="float")
            data = int(data)
        elif isinstance(data, str):
            if not _DIGITS.fullmatch(data.strip()):
                self.fail("incorrect_type", data_type="str")
            data = int(data.strip())
        if not 1 <= data <= PK_MAX:
            self.fail("does_not_exist", pk_value=data)
        return data
