"""One error shape for every failure, never a 500 for bad input, throttling, and CSV for
every list (every row, the same filters and access rules, streamed)."""

import csv
import io
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse

from organisations.models import Role
from tests.api.conftest import client_for
from tests.api.test_schema import RESOURCES
from tests.factories import DisbursementFactory, FundingAgreementFactory, user_with_role


def _shape(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["error"]
    assert sorted(body["error"]) == ["code", "fields", "message"]
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/disbursements/?planned_from=2023-02-30", "planned_from"),
        ("/api/v1/disbursements/?planned_from=yesterday", "planned_from"),
        ("/api/v1/disbursements/?received=maybe", "received"),
        ("/api/v1/disbursements/?currency=XYZ", "currency"),
        ("/api/v1/disbursements/?donor=abc", "donor"),
        ("/api/v1/disbursements/?donor=99999999999999999999999", "donor"),
        ("/api/v1/disbursements/?agreement=-1", "agreement"),
        ("/api/v1/disbursements/?agreement=1.5", "agreement"),
        ("/api/v1/disbursements/?agreement=99999999999999999999999", "agreement"),
        ("/api/v1/disbursements/?ordering=amount", "ordering"),
        ("/api/v1/disbursements/?page=0", "page"),
        ("/api/v1/disbursements/?page=abc", "page"),
        ("/api/v1/disbursements/?page_size=0", "page_size"),
        ("/api/v1/disbursements/?page_size=ten", "page_size"),
        ("/api/v1/disbursements/?doner=1", "doner"),
        ("/api/v1/projects/?province=XX-00", "province"),
        ("/api/v1/projects/?status=9", "status"),
        ("/api/v1/projects/?active_from=2023-13-01", "active_from"),
        ("/api/v1/budget-lines/?year=20233", "year"),
        ("/api/v1/activities/?quarter=0", "quarter"),
        ("/api/v1/progress-updates/?quarter=x", "quarter"),
        ("/api/v1/progress-updates/?state=lost", "state"),
        ("/api/v1/progress/summary/?group_by=planet", "group_by"),
        ("/api/v1/projects/1/?page=2", "page"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter_never_a_500(world, url, field):
    error = _shape(client_for(world.users["manager"]).get(url), 400)
    assert field in error["fields"], error


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/projects/abc/",
        "/api/v1/projects/99999999999999999999999/",
        "/api/v1/projects/999999/",
        "/api/v1/nothing-here/",
        "/api/v1/disbursements/?page=99",
    ],
)
def test_unknown_addresses_and_objects_are_a_404_in_the_error_shape(world, url):
    assert _shape(client_for(world.users["manager"]).get(url), 404)["code"] == "not_found"


def test_no_credentials_is_a_401_with_the_token_challenge(world):
    response = client_for(None).get("/api/v1/projects/")
    error = _shape(response, 401)
    assert error["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_an_unsupported_method_is_a_405_in_the_error_shape(world):
    response = client_for(world.users["manager"]).put(
        f"/api/v1/disbursements/{world.pk('disbursement_a')}/", {}, format="json"
    )
    assert _shape(response, 405)["code"] == "method_not_allowed"


def test_a_user_without_a_role_is_refused(db):
    from tests.factories import UserFactory

    response = client_for(UserFactory()).get("/api/v1/organisations/")
    assert _shape(response, 403)["message"].startswith("Your account has no role")


def test_requests_past_the_users_rate_are_a_429(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "5/minute", "anon": None, "auth": None},
    }
    client = client_for(world.users["donor_a"])
    statuses = [client.get("/api/v1/projects/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    response = client.get("/api/v1/projects/")
    assert _shape(response, 429)["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    # Each user has their own allowance.
    assert client_for(world.users["donor_b"]).get("/api/v1/projects/").status_code == 200


# --- CSV ------------------------------------------------------------------------------


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.getvalue().decode())))


def test_csv_holds_every_row_across_pages_with_the_same_filters(world):
    for number in range(120):
        DisbursementFactory(
            agreement=world.agreement_b, planned_amount=Decimal("1.00"), notes=f"n{number}"
        )
    client = client_for(world.users["manager"])
    page = client.get("/api/v1/disbursements/", {"donor": world.pk("donor_b")}).json()
    assert (page["count"], len(page["results"])) == (121, 50)
    rows = _csv(
        client.get("/api/v1/disbursements/", {"donor": world.pk("donor_b"), "format": "csv"})
    )
    assert len(rows) == 121
    assert {row["agreement_reference"] for row in rows} == {"AGR-B"}
    assert [int(row["id"]) for row in rows] == [
        row["id"]
        for row in client.get(
            "/api/v1/disbursements/", {"donor": world.pk("donor_b"), "page_size": 500}
        ).json()["results"]
    ]
    assert list(rows[0]) == list(page["results"][0])


def test_csv_applies_the_access_rules(world):
    rows = _csv(client_for(world.users["donor_a"]).get("/api/v1/disbursements/?format=csv"))
    assert [int(row["id"]) for row in rows] == [world.pk("disbursement_a")]
    refused = client_for(world.users["counterpart"]).get("/api/v1/disbursements/?format=csv")
    assert _shape(refused, 403)["code"] == "permission_denied"


def test_csv_can_be_asked_for_with_an_accept_header(world):
    response = client_for(world.users["manager"]).get("/api/v1/projects/", HTTP_ACCEPT="text/csv")
    assert sorted(row["code"] for row in _csv(response)) == ["PA", "PB"]


def test_a_bad_filter_on_a_csv_list_is_a_json_400(world):
    response = client_for(world.users["manager"]).get(
        "/api/v1/disbursements/?format=csv&planned_from=nope"
    )
    assert list(_shape(response, 400)["fields"]) == ["planned_from"]


def test_every_list_has_csv(world):
    client = client_for(world.users["manager"])
    for endpoint in RESOURCES:
        json_rows = client.get(f"/api/v1/{endpoint}/", {"page_size": 500}).json()["results"]
        csv_rows = _csv(client.get(f"/api/v1/{endpoint}/", {"format": "csv"}))
        assert [row["id"] for row in csv_rows] == [str(row["id"]) for row in json_rows], endpoint


def test_csv_cells_cannot_smuggle_spreadsheet_formulas(world):
    agreement = FundingAgreementFactory(donor=world.donor_a, reference="AGR-X")
    DisbursementFactory(agreement=agreement, notes='=HYPERLINK("http://x")')
    rows = _csv(
        client_for(user_with_role(Role.PROGRAMME_MANAGER)).get(
            "/api/v1/disbursements/", {"agreement": agreement.pk, "format": "csv"}
        )
    )
    assert rows[0]["notes"] == '\'=HYPERLINK("http://x")'


def test_an_id_with_a_newline_is_a_json_404(world):
    response = client_for(world.users["manager"]).get("/api/v1/projects/%0A1/")
    assert _shape(response, 404)["code"] == "not_found"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/projects/?province=PK%00",
        "/api/v1/projects/?search=a%00b",
        "/api/v1/funding/summary/?province=%00",
    ],
)
def test_a_null_character_in_a_parameter_is_a_400(world, url):
    error = _shape(client_for(world.users["manager"]).get(url), 400)
    assert error["code"] == "null_characters_not_allowed"


def test_a_null_character_in_a_body_is_a_400_naming_the_field(world):
    client = client_for(world.users["counterpart"])
    response = client.patch(
        f"/api/v1/progress-updates/{world.pk('update_draft')}/",
        {
            "expected_revision": 1,
            "values": [{"indicator": world.pk("indicator_sp"), "province": "PK\x00", "value": "1"}],
        },
        format="json",
    )
    error = _shape(response, 400)
    assert error["fields"] == {"values.0.province": ["Null characters are not allowed."]}
