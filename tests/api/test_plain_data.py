"""PlainData (ctportal.api.plain) gives exactly a serializer's data: the same dicts, strings
and nulls as DRF for dict rows and object rows, nested rows and lists, every Decimal
field's places, precision and rounding, and the awkward cases it hands back to DRF (a
missing key, a callable, a mapping that is not a dict, a property that fails)."""

import datetime
from collections import OrderedDict
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

import pytest
from rest_framework import serializers

from ctportal.api.plain import PlainData

D = Decimal


class _Line(serializers.Serializer):
    key = serializers.JSONField()
    label = serializers.CharField()
    amount = serializers.DecimalField(max_digits=24, decimal_places=2)
    share = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    down = serializers.DecimalField(max_digits=12, decimal_places=2, rounding=ROUND_DOWN)
    fine = serializers.DecimalField(max_digits=30, decimal_places=8)
    count = serializers.IntegerField(allow_null=True)
    day = serializers.DateField(allow_null=True)


class _Total(_Line):
    label = serializers.CharField(allow_null=True)
    optional = serializers.CharField(required=False)


class _Body(serializers.Serializer):
    kind = serializers.CharField()
    lines = _Line(many=True)
    total = _Total(allow_null=True)
    notes = serializers.DictField(child=serializers.CharField())


def _line(**changes) -> dict:
    line = {
        "key": 7,
        "label": "AGR-1",
        "amount": D("1234.5"),
        "share": D("33.35"),
        "down": D("2.999"),
        "fine": D("0.000000015"),
        "count": 3,
        "day": datetime.date(2024, 2, 29),
    }
    return line | changes


@dataclass(frozen=True)
class _Row:
    key: object
    label: str
    amount: Decimal
    down: Decimal
    fine: Decimal
    count: int | None
    day: datetime.date | None

    @property
    def share(self) -> Decimal | None:
        return None if not self.amount else self.down * 100 / self.amount


class _Failing(_Row):
    @property
    def share(self):
        raise AttributeError("no share")


LINES = [
    _line(),
    # Yen have no minor unit; a negative zero; places past the precision of share; a float,
    # an int and text for a Decimal field (DRF reads them through str()).
    _line(key="PK-PB", amount=D("1000"), share=None, count=None, day=None),
    _line(key=None, amount=D("-0.00"), share=D("99.95"), down=D("-1.005")),
    _line(amount=1.1, share=5, down=" 3.456 ", fine=D("1E+3")),
    _line(amount=D("123456789012345678901.994"), fine=D("-1E-12")),
    _Row(key=2024, label="2024", amount=D("10"), down=D("3"), fine=D("0"), count=0, day=None),
    _Row(key=1, label="zero", amount=D("0"), down=D("1"), fine=D("1"), count=None, day=None),
]


def _body(lines, total) -> dict:
    return {"kind": "project", "lines": lines, "total": total, "notes": {"a": "x", 1: "y"}}


@pytest.mark.parametrize(
    "total",
    [None, _line(label=None), _line(optional="kept"), _line(label=None, optional=None)],
)
def test_plain_data_is_the_serializers_data(total):
    body = _body(LINES, total)
    assert PlainData(_Body).represent(body) == _Body(body).data


@pytest.mark.parametrize(
    "line",
    [
        {k: v for k, v in _line().items() if k != "count"},  # missing: DRF's error or default
        _line(label=lambda: "called"),  # a callable DRF calls
        OrderedDict(_line()),  # a dict subclass
        _Failing(key=1, label="x", amount=D(1), down=D(1), fine=D(1), count=1, day=None),
    ],
)
def test_what_is_not_plain_is_read_by_drf(line):
    body = _body([line], None)
    try:
        expected = _Body(body).data
    except Exception as error:  # noqa: BLE001 - the same failure, then
        with pytest.raises(type(error)):
            PlainData(_Body).represent(body)
        return
    assert PlainData(_Body).represent(body) == expected


def test_a_value_past_the_fields_precision_fails_as_in_drf():
    body = _body([_line(share=D("123456789.5"))], None)
    with pytest.raises(InvalidOperation):
        _Body(body).data  # noqa: B018 - the property raises
    with pytest.raises(InvalidOperation):
        PlainData(_Body).represent(body)


def test_decimals_are_written_in_plain_notation_to_the_fields_places():
    data = PlainData(_Body).represent(_body(LINES[:4], None))
    assert [line["amount"] for line in data["lines"]] == [
        "1234.50",
        "1000.00",
        "-0.00",
        "1.10",
    ]
    assert data["lines"][3]["fine"] == "1000.00000000"
    assert data["lines"][0]["down"] == "2.99"  # the field's own rounding
    assert data["lines"][0]["share"] == "33.4"  # the context's: half even
