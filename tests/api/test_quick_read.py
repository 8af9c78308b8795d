"""QuickRead (ctportal.api.reading) serializes exactly as DRF does: the same serializer
without it gives the same data, for the lists' rows and for the awkward cases (a method
as source, a None or a missing object on the way, a related manager, a dict). ValueRows
shows rows read as values exactly as the serializer shows the model instances."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

from ctportal.api.reading import QuickRead, ValueRows


class _Plain(serializers.Serializer):
    name = serializers.CharField()
    upper = serializers.CharField(source="shout")
    nested = serializers.CharField(source="parent.name", allow_null=True)
    missing_default = serializers.CharField(source="parent.nothing", default="none")
    missing_null = serializers.CharField(source="absent", allow_null=True)
    missing_skipped = serializers.CharField(source="absent", required=False)
    gone = serializers.CharField(source="related.name", allow_null=True)
    manager = serializers.ListField(source="items", child=serializers.IntegerField())
    whole = serializers.SerializerMethodField()
    amount = serializers.DecimalField(max_digits=8, decimal_places=2)

    def get_whole(self, obj) -> str:
        return "whole"


class _Quick(QuickRead, _Plain):
    pass


class _Items:
    """Like a related manager: callable (DRF does not call it) and iterable."""

    def __call__(self, **kwargs):
        raise AssertionError("not to be called")

    def __iter__(self):
        return iter([1, 2])


class _Row:
    def __init__(self, name, parent):
        self.name, self.parent, self.amount = name, parent, "3.5"
        self.items = _Items()

    def shout(self):
        return self.name.upper()

    @property
    def related(self):
        raise ObjectDoesNotExist


ROWS = [
    _Row("a", SimpleNamespace(name="p")),
    _Row("b", None),
    _Row("c", SimpleNamespace(name=None)),
]


def test_the_same_data_as_drf_for_awkward_rows():
    assert _Quick(ROWS, many=True).data == _Plain(ROWS, many=True).data


def test_a_dict_is_read_as_drf_reads_it():
    row = {"name": "d", "shout": "D", "parent": {"name": "q"}, "items": [3], "amount": 1}
    assert _Quick(row).data == _Plain(row).data


def test_a_failing_method_fails_as_in_drf():
    class Broken(_Row):
        def shout(self):
            raise AttributeError("inside")

    with pytest.raises(ValueError, match="callable attribute"):
        _Plain(Broken("e", None)).data  # noqa: B018
    with pytest.raises(ValueError, match="callable attribute"):
        _Quick(Broken("e", None)).data  # noqa: B018


def _drf(serializer_class):
    """The same serializer reading its rows as DRF does."""
    return type(
        f"Drf{serializer_class.__name__}",
        (serializer_class,),
        {"to_representation": serializers.Serializer.to_representation},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "viewset"),
    [
        ("projects", "projects.apis.ProjectViewSet"),
        ("agreements", "donors.apis.AgreementViewSet"),
        ("allocations", "donors.apis.AllocationViewSet"),
        ("disbursements", "donors.apis.DisbursementViewSet"),
        ("expenditures", "projects.apis.ExpenditureViewSet"),
        ("activities", "workplans.apis.ActivityViewSet"),
        ("progress-updates", "workplans.apis_progress.ProgressUpdateViewSet"),
    ],
)
@pytest.mark.parametrize("reader", ["manager", "donor"])
def test_each_lists_rows_are_what_drf_would_give(endpoint, viewset, reader):
    from django.utils.module_loading import import_string

    from organisations.models import Role
    from tests.api.test_query_counts import ROWS, Parents
    from tests.factories import user_with_role

    parents = Parents()
    for i in range(3):
        ROWS[endpoint](parents, i)
    role = Role.PROGRAMME_MANAGER if reader == "manager" else Role.DONOR_VIEWER
    user = user_with_role(role, organisation=parents.donor if reader == "donor" else None)
    view = import_string(viewset)()
    view.request = SimpleNamespace(user=user)
    rows = list(view.get_queryset())
    assert rows
    context = {"request": view.request}
    quick = view.serializer_class(rows, many=True, context=context).data
    assert quick == _drf(view.serializer_class)(rows, many=True, context=context).data


@pytest.mark.django_db
def test_value_rows_show_values_as_the_serializer_shows_instances():
    from tests.factories import (
        AchievedValueFactory,
        ActivityTargetFactory,
        ProgressUpdateFactory,
        ProvinceFactory,
    )
    from workplans.models import AchievedValue, ActivityTarget
    from workplans.serializers import AchievedValueSerializer, ActivityTargetSerializer

    update = ProgressUpdateFactory()
    province = ProvinceFactory(code="PK-PB", name="Punjab")
    AchievedValueFactory(update=update, value=Decimal("10"))  # no sex, no province: nulls
    AchievedValueFactory(update=update, sex="female", province=province, value=Decimal("2.5"))
    ActivityTargetFactory(quarter=3, value=Decimal("1234567.8"))
    for model, serializer_class, columns in (
        (AchievedValue, AchievedValueSerializer, ("indicator", "sex", "province", "value")),
        (ActivityTarget, ActivityTargetSerializer, ("indicator", "quarter", "value")),
    ):
        instances = list(model.objects.order_by("id"))
        rows = list(model.objects.order_by("id").values(*columns))
        shown = ValueRows(serializer_class()).represent(rows)
        assert shown == [serializer_class(instance).data for instance in instances]
        assert shown[-1]["value"] in ("2.50", "1234567.80")  # formatted as DRF formats it
