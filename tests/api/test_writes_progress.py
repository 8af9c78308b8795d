"""Writes through the API go through the same services as the pages: each broken rule is a
400 naming its field (with the service's code) and writes nothing; a stale edit is a 409
that leaves the first save intact; a transition a role may not make changes nothing."""

import pytest

from tests.api.conftest import client_for
from tests.api.writes_support import _error, _snapshot
from tests.factories import ActivityTargetFactory
from workplans.models import Activity, ProgressTransition, ProgressUpdate


@pytest.fixture
def manager(world):
    return client_for(world.users["manager"])


@pytest.fixture
def reporter(world):
    return client_for(world.users["counterpart"])


# --- Progress updates -----------------------------------------------------------------


def _progress(world, **changes) -> dict:
    return {
        "activity": world.pk("activity_lead"),
        "quarter": 3,
        "status": "on_track",
        "percent_complete": 30,
        "narrative": "Two of five workshops held.",
        "values": [{"indicator": world.pk("indicator_sp"), "value": "12"}],
    } | changes


def test_a_counterpart_reports_progress_through_the_service(world, reporter):
    response = reporter.post("/api/v1/progress-updates/", _progress(world), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["revision"], body["author"]) == ("draft", 1, "nacta")
    assert body["values"] == [
        {"indicator": world.pk("indicator_sp"), "sex": "", "province": None, "value": "12.00"}
    ]


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        (
            {"status": "completed", "percent_complete": 90},
            "percent_complete",
            "completed_needs_100",
        ),
        ({"percent_complete": 101}, "percent_complete", "max_value"),
        ({"percent_complete": "half"}, "percent_complete", "invalid"),
        ({"quarter": 5}, "quarter", "quarter_outside_workplan"),
        ({"status": "finished"}, "status", "invalid_choice"),
        (
            {"values": [{"indicator": "INDICATOR_B", "value": "1"}]},
            "values",
            "indicator_not_on_activity",
        ),
        ({"values": [{"indicator": "INDICATOR_SP", "value": "-1"}]}, "values", "negative_value"),
        # I1 counts persons: 12.5 of them is refused, as on the page and for targets.
        (
            {"values": [{"indicator": "INDICATOR_SP", "value": "12.5"}]},
            "values",
            "not_whole_number",
        ),
        (
            {"values": [{"indicator": "INDICATOR_SP", "sex": "female", "value": "1"}]},
            "values",
            "sex_not_disaggregated",
        ),
        # A counterpart cannot see draft versions: their activities do not exist for it.
        ({"activity": "ACTIVITY_DRAFT"}, "activity", "does_not_exist"),
    ],
)
def test_each_broken_progress_rule_is_a_400_naming_its_field(world, reporter, changes, field, code):
    names = {
        "INDICATOR_B": "indicator_b",
        "INDICATOR_SP": "indicator_sp",
        "ACTIVITY_DRAFT": "activity_draft",
    }
    if "values" in changes:
        changes["values"] = [
            {k: world.pk(names[v]) if v in names else v for k, v in row.items()}
            for row in changes["values"]
        ]
    if changes.get("activity") in names:
        changes["activity"] = world.pk(names[changes["activity"]])
    before = _snapshot(ProgressUpdate)
    response = reporter.post(
        "/api/v1/progress-updates/", _progress(world, **changes), format="json"
    )
    error = _error(response, 400)
    assert (error["code"], list(error["fields"])) == (code, [field])
    assert _snapshot(ProgressUpdate) == before


def test_a_fraction_of_a_count_achieved_is_a_400_saying_so_on_values(world, reporter):
    before = _snapshot(ProgressUpdate)
    response = reporter.post(
        "/api/v1/progress-updates/",
        _progress(world, values=[{"indicator": world.pk("indicator_sp"), "value": "12.5"}]),
        format="json",
    )

    error = _error(response, 400)
    assert error["fields"] == {
        "values": ["I1 counts persons: the value achieved must be a whole number, not 12.5."]
    }
    assert _snapshot(ProgressUpdate) == before


def test_a_stale_progress_edit_is_a_409_and_the_first_save_stands(world):
    first = client_for(world.users["counterpart"])
    second = client_for(world.users["counterpart"])
    url = f"/api/v1/progress-updates/{world.pk('update_draft')}/"
    read = first.get(url).json()
    assert second.get(url).json()["revision"] == read["revision"] == 1

    saved = first.patch(
        url,
        {"narrative": "First save", "percent_complete": 70, "expected_revision": 1},
        format="json",
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["revision"] == 2

    stale = second.patch(
        url,
        {"narrative": "Second save", "percent_complete": 10, "expected_revision": 1},
        format="json",
    )
    error = _error(stale, 409)
    assert error["code"] == "stale_revision"
    assert "revision 1" in error["message"]
    assert "revision 2" in error["message"]
    update = ProgressUpdate.objects.get(pk=world.pk("update_draft"))
    assert (update.narrative, update.percent_complete, update.revision) == ("First save", 70, 2)


def test_a_progress_edit_must_name_the_revision_it_read(world, reporter):
    before = _snapshot(ProgressUpdate)
    response = reporter.patch(
        f"/api/v1/progress-updates/{world.pk('update_draft')}/",
        {"narrative": "No revision"},
        format="json",
    )
    error = _error(response, 400)
    assert list(error["fields"]) == ["expected_revision"]
    assert _snapshot(ProgressUpdate) == before


def test_creating_an_update_that_exists_is_a_409(world, reporter):
    before = _snapshot(ProgressUpdate)
    response = reporter.post(
        "/api/v1/progress-updates/", _progress(world, quarter=2), format="json"
    )
    assert _error(response, 409)["code"] == "already_exists"
    assert _snapshot(ProgressUpdate) == before


def test_submit_verify_and_return_move_an_update_through_its_states(world, reporter, manager):
    url = f"/api/v1/progress-updates/{world.pk('update_draft')}"
    ActivityTargetFactory(activity=world.activity_lead, indicator=world.indicator_sp, quarter=2)
    submitted = reporter.post(f"{url}/submit/")
    assert (submitted.status_code, submitted.json()["state"]) == (200, "submitted")
    returned = manager.post(f"{url}/return/", {"comment": "Add the list."}, format="json")
    assert (returned.json()["state"], returned.json()["review_comment"]) == (
        "returned",
        "Add the list.",
    )
    assert reporter.post(f"{url}/submit/").json()["state"] == "submitted"
    verified = manager.post(f"{url}/verify/")
    assert (verified.json()["state"], verified.json()["verified_by"]) == ("verified", "manager")
    assert list(
        ProgressTransition.objects.filter(update_id=world.pk("update_draft")).values_list(
            "to_state", flat=True
        )
    ) == ["submitted", "returned", "submitted", "verified"]


@pytest.mark.parametrize(
    ("role", "action", "status", "code"),
    [
        ("counterpart", "verify", 403, "permission_denied"),
        ("counterpart", "return", 403, "permission_denied"),
        ("ewg", "verify", 403, "permission_denied"),
        ("administrator", "verify", 403, "permission_denied"),
        ("donor_a", "verify", 403, "permission_denied"),
        ("other_counterpart", "submit", 404, "not_found"),
        ("manager", "submit", 403, "permission_denied"),
        # A draft cannot be verified: the service names the state it is in.
        ("manager", "verify", 400, "illegal_transition"),
        ("manager", "return", 400, "illegal_transition"),
    ],
)
def test_transitions_a_role_may_not_make_change_nothing(world, role, action, status, code):
    before = _snapshot(ProgressUpdate), _snapshot(ProgressTransition)
    client = client_for(world.users[role])
    response = client.post(
        f"/api/v1/progress-updates/{world.pk('update_draft')}/{action}/",
        {"comment": "Why"},
        format="json",
    )
    error = _error(response, status)
    assert error["code"] == code
    if code == "illegal_transition":
        assert list(error["fields"]) == ["state"]
    assert (_snapshot(ProgressUpdate), _snapshot(ProgressTransition)) == before


def test_a_manager_returns_only_with_a_comment(world, manager):
    ProgressUpdate.objects.filter(pk=world.pk("update_draft")).update(state="submitted")
    before = _snapshot(ProgressUpdate)
    response = manager.post(
        f"/api/v1/progress-updates/{world.pk('update_draft')}/return/",
        {"comment": ""},
        format="json",
    )
    error = _error(response, 400)
    assert list(error["fields"]) == ["comment"]
    assert _snapshot(ProgressUpdate) == before


def test_a_verified_update_can_no_longer_be_edited(world):
    client = client_for(world.users["counterpart"])
    before = _snapshot(ProgressUpdate)
    response = client.patch(
        f"/api/v1/progress-updates/{world.pk('update_verified')}/",
        {"narrative": "Rewrite history", "expected_revision": 1},
        format="json",
    )
    assert _error(response, 400)["code"] == "not_editable"
    assert _snapshot(ProgressUpdate) == before


def test_an_achieved_value_without_its_indicator_is_a_400(world, reporter):
    before = _snapshot(ProgressUpdate)
    response = reporter.patch(
        f"/api/v1/progress-updates/{world.pk('update_draft')}/",
        {"expected_revision": 1, "values": [{"value": "3"}]},
        format="json",
    )
    error = _error(response, 400)
    assert error["fields"] == {"values.0.indicator": ["This field is required."]}
    assert _snapshot(ProgressUpdate) == before


def test_a_target_without_its_quarter_is_a_400(world, manager):
    before = _snapshot(Activity)
    response = manager.patch(
        f"/api/v1/activities/{world.pk('activity_draft')}/",
        {"targets": [{"indicator": world.pk("indicator_sp"), "value": "3"}]},
        format="json",
    )
    assert _error(response, 400)["fields"] == {"targets.0.quarter": ["This field is required."]}
    assert _snapshot(Activity) == before


def test_an_edit_changes_only_the_fields_it_names(world, reporter):
    update = world.update_draft
    ProgressUpdate.objects.filter(pk=update.pk).update(narrative="Kept", challenges="Also kept")
    response = reporter.patch(
        f"/api/v1/progress-updates/{update.pk}/",
        {"expected_revision": 1, "percent_complete": 55},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["narrative"], body["challenges"], body["percent_complete"]) == (
        "Kept",
        "Also kept",
        55,
    )
