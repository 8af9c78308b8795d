"""The role x endpoint matrix of the API: every endpoint and method for every role.

Lists return exactly the rows organisations.access lets the role see; an object the role
may not see is a 404 (the same as one that does not exist); a resource the role never sees
(agreement-level money for counterparts and the EWG, meetings for donors) is a 403; no
credentials is a 401. Writes a role may not make are a 403 (or a 404 for an object it
cannot see) and change nothing.
"""

import pytest

from tests.api.conftest import client_for
from tests.api.permissions_matrix_support import _by_role, _expected_code
from tests.api.world import ROLES

PROGRAMME_WIDE = ("manager", "ewg", "administrator")


MONEY = ("manager", "administrator", "donor_a", "donor_b")


def _money(manager_rows, a_rows, b_rows):
    return _by_role(
        403,
        manager=manager_rows,
        administrator=manager_rows,
        donor_a=a_rows,
        donor_b=b_rows,
    )


# endpoint -> role -> the names of the objects listed, or the status code.
LISTS = {
    "organisations": _by_role("ALL_ORGANISATIONS"),
    "exchange-rates": _money(["rate"], ["rate"], ["rate"]),
    "programmes": _by_role(["programme"]),
    "sub-programmes": _by_role(["sp", "other_sp"]),
    "projects": _by_role(
        ["project_a", "project_b"],
        counterpart=["project_a"],
        other_counterpart=["project_b"],
        donor_a=["project_a"],
        donor_b=["project_b"],
    ),
    "budget-lines": _money(["budget_a", "budget_b"], ["budget_a"], ["budget_b"]),
    "expenditures": _money(
        ["expenditure_a", "expenditure_b"], ["expenditure_a"], ["expenditure_b"]
    ),
    "outcomes": _by_role(
        ["outcome_sp", "outcome_b"],
        counterpart=["outcome_sp"],
        donor_a=["outcome_sp"],
        donor_b=["outcome_b"],
    ),
    "outputs": _by_role(
        ["output_sp", "output_b"],
        counterpart=["output_sp"],
        donor_a=["output_sp"],
        donor_b=["output_b"],
    ),
    "indicators": _by_role(
        ["indicator_sp", "indicator_b"],
        counterpart=["indicator_sp"],
        donor_a=["indicator_sp"],
        donor_b=["indicator_b"],
    ),
    "agreements": _money(["agreement_a", "agreement_b"], ["agreement_a"], ["agreement_b"]),
    "allocations": _money(["allocation_a", "allocation_b"], ["allocation_a"], ["allocation_b"]),
    "disbursements": _money(
        ["disbursement_a", "disbursement_b"], ["disbursement_a"], ["disbursement_b"]
    ),
    "workplans": _by_role(["workplan"], donor_b=[]),
    "workplan-versions": _by_role(
        ["approved", "draft"],
        counterpart=["approved"],
        other_counterpart=["approved"],
        donor_a=["approved"],
        donor_b=[],
    ),
    "activities": _by_role(
        ["activity_lead", "activity_other", "activity_draft"],
        counterpart=["activity_lead", "activity_other"],
        other_counterpart=["activity_lead", "activity_other"],
        donor_a=["activity_lead", "activity_other"],
        donor_b=[],
    ),
    "ewg-meetings": _by_role(["meeting"], donor_a=403, donor_b=403),
    "progress-updates": _by_role(
        ["update_draft", "update_verified", "update_other"],
        counterpart=["update_draft", "update_verified"],
        other_counterpart=["update_other"],
        donor_a=["update_verified", "update_other"],
        donor_b=[],
    ),
}


# (endpoint, object) -> role -> status.
DETAILS = {
    ("organisations", "donor_b"): _by_role(200),
    ("exchange-rates", "rate"): _by_role(403, **dict.fromkeys(MONEY, 200)),
    ("programmes", "programme"): _by_role(200),
    ("sub-programmes", "other_sp"): _by_role(200),
    ("projects", "project_a"): _by_role(200, other_counterpart=404, donor_b=404),
    ("projects", "project_b"): _by_role(200, counterpart=404, donor_a=404),
    ("budget-lines", "budget_b"): _money(200, 404, 200),
    ("expenditures", "expenditure_b"): _money(200, 404, 200),
    ("agreements", "agreement_a"): _money(200, 200, 404),
    ("agreements", "agreement_b"): _money(200, 404, 200),
    ("allocations", "allocation_b"): _money(200, 404, 200),
    ("disbursements", "disbursement_a"): _money(200, 200, 404),
    ("disbursements", "disbursement_b"): _money(200, 404, 200),
    ("outcomes", "outcome_b"): _by_role(200, counterpart=404, donor_a=404),
    ("outputs", "output_b"): _by_role(200, counterpart=404, donor_a=404),
    ("indicators", "indicator_b"): _by_role(200, counterpart=404, donor_a=404),
    ("outcomes", "outcome_sp"): _by_role(200, donor_b=404),
    ("workplans", "workplan"): _by_role(200, donor_b=404),
    ("workplan-versions", "approved"): _by_role(200, donor_b=404),
    ("workplan-versions", "draft"): _by_role(
        404, **dict.fromkeys(PROGRAMME_WIDE, 200), anonymous=401
    ),
    ("activities", "activity_lead"): _by_role(200, donor_b=404),
    ("activities", "activity_draft"): _by_role(
        404, **dict.fromkeys(PROGRAMME_WIDE, 200), anonymous=401
    ),
    ("ewg-meetings", "meeting"): _by_role(200, donor_a=403, donor_b=403),
    ("progress-updates", "update_draft"): _by_role(
        404, **dict.fromkeys(PROGRAMME_WIDE, 200), counterpart=200, anonymous=401
    ),
    ("progress-updates", "update_other"): _by_role(
        404,
        **dict.fromkeys(PROGRAMME_WIDE, 200),
        other_counterpart=200,
        donor_a=200,
        anonymous=401,
    ),
}


AGGREGATES = {
    "funding/summary/": _by_role(403, **dict.fromkeys(MONEY, 200)),
    "funding/summary/?group_by=project": _by_role(403, **dict.fromkeys(MONEY, 200)),
    "progress/summary/": _by_role(200),
    "progress/summary/?group_by=status": _by_role(200),
}


def _names_to_ids(world, names) -> list[int]:
    if names == "ALL_ORGANISATIONS":
        return sorted(org.pk for org in world.organisations)
    return sorted(world.pk(name) for name in names)


@pytest.mark.parametrize("role", ROLES)
def test_every_list_returns_exactly_the_rows_the_role_may_see(world, role):
    client = client_for(world.users[role])
    got, expected = {}, {}
    for endpoint, table in LISTS.items():
        response = client.get(f"/api/v1/{endpoint}/", {"page_size": 500})
        want = table[role]
        if isinstance(want, int):
            expected[endpoint] = (want, _expected_code(want))
            got[endpoint] = (response.status_code, response.json()["error"]["code"])
        else:
            expected[endpoint] = (200, _names_to_ids(world, want))
            body = response.json()
            ids = (
                sorted(row["id"] for row in body["results"])
                if response.status_code == 200
                else body
            )
            got[endpoint] = (response.status_code, ids)
    assert got == expected


@pytest.mark.parametrize("role", ROLES)
def test_every_object_is_a_404_where_the_role_may_not_see_it(world, role):
    client = client_for(world.users[role])
    got, expected = {}, {}
    for (endpoint, name), table in DETAILS.items():
        response = client.get(f"/api/v1/{endpoint}/{world.pk(name)}/")
        expected[(endpoint, name)] = table[role]
        got[(endpoint, name)] = response.status_code
        if response.status_code == 200:
            assert response.json()["id"] == world.pk(name)
        else:
            assert response.json()["error"]["code"] == _expected_code(response.status_code)
    assert got == expected


@pytest.mark.parametrize("role", ROLES)
def test_aggregates_follow_the_money_rules(world, role):
    client = client_for(world.users[role])
    got = {url: client.get(f"/api/v1/{url}").status_code for url in AGGREGATES}
    assert got == {url: table[role] for url, table in AGGREGATES.items()}


@pytest.mark.parametrize("role", ["manager", "counterpart", "donor_a"])
def test_an_object_that_does_not_exist_reads_like_one_the_role_may_not_see(world, role):
    client = client_for(world.users[role])
    missing = client.get("/api/v1/projects/999999/")
    hidden_name = {"manager": None, "counterpart": "project_b", "donor_a": "project_b"}[role]
    assert missing.status_code == 404
    if hidden_name:
        hidden = client.get(f"/api/v1/projects/{world.pk(hidden_name)}/")
        assert hidden.status_code == 404
        assert hidden.json() == missing.json()


def test_donor_viewer_never_sees_another_donors_agreement_level_money(world):
    client = client_for(world.users["donor_a"])
    for endpoint in ("agreements", "allocations", "disbursements"):
        body = client.get(f"/api/v1/{endpoint}/", {"format": "csv"}).getvalue().decode()
        assert "AGR-B" not in body
    # Filtering by the other donor finds nothing rather than its figures.
    other = client.get("/api/v1/projects/", {"donor": world.pk("donor_b")})
    assert other.json()["results"] == []


def test_roles_without_money_may_not_filter_by_donor(world):
    response = client_for(world.users["counterpart"]).get(
        "/api/v1/projects/", {"donor": world.pk("donor_a")}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "donor": ["Your role does not see which donor funds what."]
    }
