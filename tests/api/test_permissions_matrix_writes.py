"""The role x endpoint matrix of the API: every endpoint and method for every role.

Lists return exactly the rows organisations.access lets the role see; an object the role
may not see is a 404 (the same as one that does not exist); a resource the role never sees
(agreement-level money for counterparts and the EWG, meetings for donors) is a 403; no
credentials is a 401. Writes a role may not make are a 403 (or a 404 for an object it
cannot see) and change nothing.
"""

from decimal import Decimal

import pytest

from donors.models import Disbursement
from projects.models import Expenditure
from reports.models import Report
from tests.api.conftest import client_for
from tests.api.permissions_matrix_support import _by_role, _expected_code
from tests.api.world import ROLES
from workplans.models import Activity, ProgressUpdate

# --- Writes -------------------------------------------------------------------------


def _disbursement_body(world):
    return {
        "agreement": world.pk("agreement_a"),
        "planned_date": "2023-03-01",
        "planned_amount": "1000.00",
    }


def _expenditure_body(world):
    return {
        "project": world.pk("project_a"),
        "category": "training",
        "spent_on": "2023-02-01",
        "amount": "500.00",
    }


def _activity_body(world):
    return {
        "version": world.pk("draft"),
        "code": "A9",
        "title": "A new activity",
        "output": world.pk("output_sp"),
        "lead_counterpart": world.pk("lead"),
    }


def _progress_body(world):
    return {
        "activity": world.pk("activity_lead"),
        "quarter": 3,
        "status": "on_track",
        "percent_complete": 30,
    }


def _submitted(world):
    update = world.update_draft
    ProgressUpdate.objects.filter(pk=update.pk).update(state="submitted")
    return update


MANAGER_ONLY = _by_role(403, manager="OK")

# Reports: managers request any; a donor viewer its own donor's disbursement report only
# (anything else is a 400 naming the field); every other role is refused.
OWN_DONOR_REPORT = _by_role(403, manager="OK", donor_a="OK", donor_b=400)
MANAGER_REPORT = _by_role(403, manager="OK", donor_a=400, donor_b=400)


def _report_body(world, **scope):
    return {"kind": "disbursement", "month": "2023-06", **scope}


REPORTER_ONLY = _by_role(403, counterpart="OK", other_counterpart=404)


# name -> (method, url(world), body(world), role -> status ("OK" = the success status),
#          success status, what must stay unchanged when refused)
WRITES = {
    "create disbursement": (
        "post",
        lambda w: "/api/v1/disbursements/",
        _disbursement_body,
        MANAGER_ONLY,
        201,
        lambda w: Disbursement.objects.count(),
    ),
    "change disbursement": (
        "patch",
        lambda w: f"/api/v1/disbursements/{w.pk('disbursement_a')}/",
        lambda w: {"planned_amount": "2000.00"},
        MANAGER_ONLY,
        200,
        lambda w: Disbursement.objects.get(pk=w.pk("disbursement_a")).planned_amount,
    ),
    "receive disbursement": (
        "post",
        lambda w: f"/api/v1/disbursements/{w.pk('disbursement_a')}/receive/",
        lambda w: {"received_date": "2022-09-02", "received_amount": "250000.00"},
        MANAGER_ONLY,
        200,
        lambda w: Disbursement.objects.get(pk=w.pk("disbursement_a")).received_date,
    ),
    "delete disbursement": (
        "delete",
        lambda w: f"/api/v1/disbursements/{w.pk('disbursement_b')}/",
        lambda w: None,
        MANAGER_ONLY,
        204,
        lambda w: Disbursement.objects.count(),
    ),
    "create expenditure": (
        "post",
        lambda w: "/api/v1/expenditures/",
        _expenditure_body,
        MANAGER_ONLY,
        201,
        lambda w: Expenditure.objects.count(),
    ),
    "change expenditure": (
        "patch",
        lambda w: f"/api/v1/expenditures/{w.pk('expenditure_a')}/",
        lambda w: {"amount": "1500.00"},
        MANAGER_ONLY,
        200,
        lambda w: Expenditure.objects.get(pk=w.pk("expenditure_a")).amount,
    ),
    "delete expenditure": (
        "delete",
        lambda w: f"/api/v1/expenditures/{w.pk('expenditure_b')}/",
        lambda w: None,
        MANAGER_ONLY,
        204,
        lambda w: Expenditure.objects.count(),
    ),
    "request own donor's disbursement report": (
        "post",
        lambda w: "/api/v1/reports/",
        lambda w: _report_body(w, donor=w.pk("donor_a")),
        OWN_DONOR_REPORT,
        202,
        lambda w: Report.objects.count(),
    ),
    "request overall disbursement report": (
        "post",
        lambda w: "/api/v1/reports/",
        lambda w: _report_body(w, donor=None),
        MANAGER_REPORT,
        202,
        lambda w: Report.objects.count(),
    ),
    "request progress report": (
        "post",
        lambda w: "/api/v1/reports/",
        lambda w: {"kind": "progress", "workplan": w.pk("workplan"), "quarter": 1},
        MANAGER_REPORT,
        202,
        lambda w: Report.objects.count(),
    ),
    "create activity": (
        "post",
        lambda w: "/api/v1/activities/",
        _activity_body,
        MANAGER_ONLY,
        201,
        lambda w: Activity.objects.count(),
    ),
    "change activity": (
        "patch",
        lambda w: f"/api/v1/activities/{w.pk('activity_draft')}/",
        lambda w: {"title": "Renamed"},
        MANAGER_ONLY,
        200,
        lambda w: Activity.objects.get(pk=w.pk("activity_draft")).title,
    ),
    "delete activity": (
        "delete",
        lambda w: f"/api/v1/activities/{w.pk('activity_draft')}/",
        lambda w: None,
        MANAGER_ONLY,
        204,
        lambda w: Activity.objects.count(),
    ),
    "create progress update": (
        "post",
        lambda w: "/api/v1/progress-updates/",
        _progress_body,
        # The other counterpart sees the approved activity but does not lead it.
        _by_role(403, counterpart="OK"),
        201,
        lambda w: ProgressUpdate.objects.count(),
    ),
    "change progress update": (
        "patch",
        lambda w: f"/api/v1/progress-updates/{w.pk('update_draft')}/",
        lambda w: {"percent_complete": 60, "expected_revision": 1},
        REPORTER_ONLY,
        200,
        lambda w: ProgressUpdate.objects.get(pk=w.pk("update_draft")).percent_complete,
    ),
    "submit progress update": (
        "post",
        lambda w: f"/api/v1/progress-updates/{w.pk('update_draft')}/submit/",
        lambda w: None,
        REPORTER_ONLY,
        200,
        lambda w: ProgressUpdate.objects.get(pk=w.pk("update_draft")).state,
    ),
    "verify progress update": (
        "post",
        lambda w: f"/api/v1/progress-updates/{_submitted(w).pk}/verify/",
        lambda w: None,
        MANAGER_ONLY,
        200,
        lambda w: ProgressUpdate.objects.get(pk=w.pk("update_draft")).state,
    ),
    "return progress update": (
        "post",
        lambda w: f"/api/v1/progress-updates/{_submitted(w).pk}/return/",
        lambda w: {"comment": "Add the attendance list."},
        MANAGER_ONLY,
        200,
        lambda w: ProgressUpdate.objects.get(pk=w.pk("update_draft")).state,
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", list(WRITES))
def test_every_write_for_every_role(world, case, role):
    method, url, body, table, success, state = WRITES[case]
    expected = table[role]
    expected = success if expected == "OK" else expected
    target = url(world)
    before = state(world)
    client = client_for(world.users[role])
    payload = body(world)
    response = getattr(client, method)(target, payload, format="json")
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["error"]["code"] == _expected_code(expected)
        assert state(world) == before
    else:
        assert state(world) != before


@pytest.mark.parametrize(
    ("role", "scope", "field"),
    [
        ("donor_b", {"donor": "donor_a"}, "donor"),
        ("donor_a", {"donor": None}, "donor"),
        ("donor_a", {"kind": "progress", "workplan": "workplan", "quarter": 1}, "kind"),
    ],
)
def test_a_donor_asking_for_more_than_its_own_report_is_told_which_field(world, role, scope, field):
    body = _report_body(world)
    body.update(
        {k: world.pk(v) if k in ("donor", "workplan") and v else v for k, v in scope.items()}
    )
    response = client_for(world.users[role]).post("/api/v1/reports/", body, format="json")
    message = "A donor viewer may request only its own donor's disbursement report."
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "own_donor_only", "message": message, "fields": {field: [message]}}
    }
    assert not Report.objects.exists()


def test_write_refusals_name_the_rule_that_refused(world):
    """A donor viewer may read its agreement, but writing money is the manager's."""
    response = client_for(world.users["donor_a"]).post(
        "/api/v1/disbursements/", _disbursement_body(world), format="json"
    )
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "Only programme managers record money.",
            "fields": {},
        }
    }
    assert Disbursement.objects.filter(planned_amount=Decimal("1000.00")).count() == 0
