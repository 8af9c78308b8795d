"""Writes through the API go through the same services as the pages: each broken rule is a
400 naming its field (with the service's code) and writes nothing; a stale edit is a 409
that leaves the first save intact; a transition a role may not make changes nothing."""

import pytest

from tests.api.conftest import client_for
from tests.api.writes_support import _error, _snapshot
from workplans.models import Activity


@pytest.fixture
def manager(world):
    return client_for(world.users["manager"])


# --- Activities -----------------------------------------------------------------------


def _activity(world, **changes) -> dict:
    return {
        "version": world.pk("draft"),
        "code": "A9",
        "title": "Training of prosecutors",
        "output": world.pk("output_sp"),
        "lead_counterpart": world.pk("lead"),
        "provinces": [],
        "budget": "2500.00",
        "targets": [{"indicator": world.pk("indicator_sp"), "quarter": 2, "value": "10"}],
    } | changes


def test_plans_an_activity_on_a_draft_through_the_service(world, manager):
    response = manager.post("/api/v1/activities/", _activity(world), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["targets"] == [
        {"indicator": world.pk("indicator_sp"), "quarter": 2, "value": "10.00"}
    ]
    activity = Activity.objects.get(pk=body["id"])
    assert activity.history.get().history_user == world.users["manager"]


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"code": "A1"}, "code", "duplicate_code"),
        ({"output": "OUTPUT_B"}, "output", "output_of_other_sub_programme"),
        ({"lead_counterpart": "DONOR_A"}, "lead_counterpart", "not_a_counterpart"),
        ({"project": "PROJECT_B"}, "project", "project_of_other_sub_programme"),
        ({"budget": "-1"}, "budget", "negative_budget"),
        (
            {"targets": [{"indicator": "INDICATOR_SP", "quarter": 9, "value": "1"}]},
            "targets",
            "quarter_outside_workplan",
        ),
        (
            {"targets": [{"indicator": "INDICATOR_SP", "quarter": "x", "value": "1"}]},
            "targets.0.quarter",
            "invalid",
        ),
    ],
)
def test_each_broken_activity_rule_is_a_400_naming_its_field(world, manager, changes, field, code):
    names = {
        "OUTPUT_B": "output_b",
        "DONOR_A": "donor_a",
        "PROJECT_B": "project_b",
        "INDICATOR_SP": "indicator_sp",
    }
    resolved = {}
    for key, value in changes.items():
        if isinstance(value, list):
            value = [
                {k: world.pk(names[v]) if v in names else v for k, v in t.items()} for t in value
            ]
        elif value in names:
            value = world.pk(names[value])
        resolved[key] = value
    before = _snapshot(Activity)
    response = manager.post("/api/v1/activities/", _activity(world, **resolved), format="json")
    error = _error(response, 400)
    assert (error["code"], list(error["fields"])) == (code, [field])
    assert _snapshot(Activity) == before


def test_an_approved_version_is_frozen(world, manager):
    before = _snapshot(Activity)
    response = manager.patch(
        f"/api/v1/activities/{world.pk('activity_lead')}/", {"title": "Changed"}, format="json"
    )
    error = _error(response, 400)
    assert error["code"] == "version_frozen"
    assert "approved and frozen" in error["message"]
    assert _snapshot(Activity) == before
    response = manager.post(
        "/api/v1/activities/", _activity(world, version=world.pk("approved")), format="json"
    )
    assert _error(response, 400)["code"] == "version_frozen"
    assert _snapshot(Activity) == before
