"""An id that cannot be one (1e309, 1e20, 2**64, 1.5, true, -1) is a 400 naming its field,
in a body or a query string, on both databases, and nothing is written. It used to be a 500:
Python turns the JSON number 1e309 into infinity, and int(infinity) is an OverflowError;
SQLite cannot bind an integer past 64 bits."""

import json

import pytest
from django.db import transaction

from donors.models import Disbursement
from projects.models import Expenditure
from reports.models import Report
from tests.api.conftest import client_for
from tests.api.writes_support import _error, _snapshot
from workplans.models import Activity, ProgressUpdate

# Raw JSON text, so the numbers reach the parser exactly as a script would send them.
BAD_IDS = [
    "1e309",
    "-1e309",
    "1e20",
    "99999999999999999999",
    "18446744073709551616",
    "9223372036854775808",
    "1.5",
    "true",
    "0",
    "-1",
    '"1e309"',
    '"1.5"',
    '"99999999999999999999"',
    "[1]",
    '{"id": 1}',
]


def _tranche(w):
    return {"agreement": w.pk("agreement_a"), "planned_date": "2023-03-01", "planned_amount": "1"}


def _expenditure(w):
    return {
        "project": w.pk("project_a"),
        "category": "training",
        "spent_on": "2023-02-01",
        "amount": "500.00",
    }


def _activity(w):
    return {
        "version": w.pk("draft"),
        "code": "A9",
        "title": "Training of prosecutors",
        "output": w.pk("output_sp"),
        "lead_counterpart": w.pk("lead"),
        "project": w.pk("project_a"),
        "provinces": [],
        "budget": "2500.00",
        "targets": [{"indicator": w.pk("indicator_sp"), "quarter": 2, "value": "10"}],
    }


def _progress(w):
    return {
        "activity": w.pk("activity_lead"),
        "quarter": 3,
        "status": "on_track",
        "percent_complete": 30,
        "values": [{"indicator": w.pk("indicator_sp"), "value": "12"}],
    }


def _report(w):
    return {"kind": "disbursement", "donor": w.pk("donor_a"), "month": "2023-03"}


# (endpoint, body builder, the id field's path, who writes, the model written)
WRITES = [
    ("/api/v1/disbursements/", _tranche, "agreement", "manager", Disbursement),
    ("/api/v1/expenditures/", _expenditure, "project", "manager", Expenditure),
    ("/api/v1/activities/", _activity, "version", "manager", Activity),
    ("/api/v1/activities/", _activity, "output", "manager", Activity),
    ("/api/v1/activities/", _activity, "lead_counterpart", "manager", Activity),
    ("/api/v1/activities/", _activity, "project", "manager", Activity),
    ("/api/v1/activities/", _activity, "targets.0.indicator", "manager", Activity),
    ("/api/v1/progress-updates/", _progress, "activity", "counterpart", ProgressUpdate),
    ("/api/v1/progress-updates/", _progress, "values.0.indicator", "counterpart", ProgressUpdate),
    ("/api/v1/reports/", _report, "donor", "manager", Report),
]

PLACEHOLDER = "__BAD_ID__"


def _with(body: dict, path: str) -> dict:
    """`body` with the field at `path` (dotted, list indexes as numbers) set to PLACEHOLDER."""
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = PLACEHOLDER
    return body


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize(("url", "build", "path", "role", "model"), WRITES)
def test_an_id_that_cannot_be_one_is_a_400_naming_the_field(
    world, url, build, path, role, model, bad
):
    before = _snapshot(model)
    text = json.dumps(_with(build(world), path)).replace(f'"{PLACEHOLDER}"', bad)
    client = client_for(world.users[role])
    # The reports endpoint runs outside the request's transaction, so its 400 marks the
    # test's own transaction for rollback; a savepoint keeps the snapshot below readable.
    with transaction.atomic():
        response = client.generic("POST", url, text, content_type="application/json")
    error = _error(response, 400)
    assert list(error["fields"]) == [path], error
    assert error["code"] in ("incorrect_type", "does_not_exist"), error
    assert _snapshot(model) == before


@pytest.mark.parametrize(("url", "build", "path", "role", "model"), WRITES)
def test_the_same_bodies_with_real_ids_are_accepted(world, url, build, path, role, model):
    """The bodies above are valid but for the one id, so each 400 is about that id."""
    response = client_for(world.users[role]).post(url, build(world), format="json")
    assert response.status_code in (201, 202), response.content


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"/api/v1/{path}?{field}={value}", field)
        for path, field in [
            ("reports/", "donor"),
            ("reports/", "workplan"),
            ("funding/summary/", "donor"),
            ("funding/summary/", "as_donor"),
            ("funding/summary/", "sub_programme"),
            ("funding/summary/", "project"),
            ("progress/summary/", "workplan"),
            ("projects/", "sub_programme"),
            ("projects/", "counterpart"),
            ("projects/", "donor"),
            ("agreements/", "donor"),
            ("agreements/", "sub_programme"),
            ("allocations/", "sub_programme"),
            ("disbursements/", "donor"),
            ("expenditures/", "sub_programme"),
            ("activities/", "workplan"),
        ]
        for value in ("99999999999999999999", "1e309", "-1", "1.5", "0x10")
    ],
)
def test_an_id_filter_that_cannot_be_an_id_is_a_400_naming_it(world, url, field):
    error = _error(client_for(world.users["manager"]).get(url), 400)
    assert list(error["fields"]) == [field], error


def _related_fields(serializer, prefix=""):
    from rest_framework import serializers

    for name, field in serializer.fields.items():
        path = f"{prefix}{name}"
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.ManyRelatedField):
            field = field.child_relation
        if isinstance(field, serializers.Serializer):
            yield from _related_fields(field, f"{path}.")
        elif isinstance(field, serializers.RelatedField) and not field.read_only:
            yield path, field


def test_every_writable_related_field_of_the_api_is_an_id_field(db):
    """New serializers get the same guard: a bare PrimaryKeyRelatedField fails here. Input
    is read by plain Serializers only; the ModelSerializers only show rows."""
    import importlib
    import inspect

    from rest_framework import serializers

    from ctportal.api.fields import IdField

    seen = []
    for module_name in (
        "donors.serializers",
        "projects.serializers",
        "workplans.serializers",
        "organisations.serializers",
        "organisations.apis",
        "reports.apis",
    ):
        module = importlib.import_module(module_name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                not issubclass(cls, serializers.Serializer)
                or issubclass(cls, serializers.ModelSerializer)
                or cls.__module__ != module_name
            ):
                continue
            for path, field in _related_fields(cls()):
                seen.append(f"{cls.__name__}.{path}")
                assert isinstance(field, IdField), f"{cls.__name__}.{path}"
    assert "DisbursementInputSerializer.agreement" in seen
    assert "ProgressUpdateInputSerializer.values.indicator" in seen
