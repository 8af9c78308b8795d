"""The OpenAPI 3 schema describes every endpoint, parameter, error and the token scheme,
and the interactive docs are served entirely from the portal's own static files."""

import copy
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema

from tests.api.conftest import RESOURCES, client_for
from tests.conftest import built_per_module


def _schema() -> dict:
    response = client_for(None).get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


# Generated and parsed once for the module (about a second each time).
served_schema = built_per_module(_schema, name="served_schema")


@pytest.fixture
def schema(db, served_schema):
    return copy.deepcopy(served_schema)


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_every_resource_is_described_with_its_list_and_object(schema):
    for resource in RESOURCES:
        assert f"/api/v1/{resource}/" in schema["paths"], resource
        assert f"/api/v1/{resource}/{{id}}/" in schema["paths"], resource
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/funding/summary/",
        "/api/v1/progress/summary/",
        "/api/v1/progress-updates/{id}/submit/",
        "/api/v1/progress-updates/{id}/verify/",
        "/api/v1/progress-updates/{id}/return/",
        "/api/v1/disbursements/{id}/receive/",
    ):
        assert path in schema["paths"], path


def test_the_token_scheme_is_documented_and_required(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": (
            "A personal API token, created at /account/tokens/ or with POST "
            "/api/v1/auth/token/, sent as `Authorization: Token <key>`."
        ),
    }
    projects = schema["paths"]["/api/v1/projects/"]["get"]
    assert {"tokenAuth": []} in projects["security"]
    assert schema["paths"]["/api/v1/auth/token/"]["post"].get("security") in ([], [{}], None)


def test_every_operation_documents_the_error_shape(schema):
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/v1/") or path.startswith("/api/v1/reports/"):
            continue
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "429"):
                response = operation["responses"].get(status)
                assert response, (method, path, status)
                assert response["content"]["application/json"]["schema"] == error
    progress = schema["paths"]["/api/v1/progress-updates/{id}/"]["patch"]["responses"]
    assert "409" in progress
    assert schema["components"]["schemas"]["ErrorBody"]["required"] == [
        "code",
        "fields",
        "message",
    ]


def test_lists_document_their_filters_ordering_pages_and_csv(schema):
    parameters = {
        p["name"]: p["schema"]
        for p in schema["paths"]["/api/v1/disbursements/"]["get"]["parameters"]
    }
    assert {
        "donor",
        "agreement",
        "project",
        "currency",
        "planned_from",
        "planned_to",
        "received_from",
        "received_to",
        "received",
        "overdue",
        "ordering",
        "search",
        "page",
        "page_size",
        "format",
    } <= set(parameters)
    assert parameters["format"]["enum"] == ["csv", "json"]
    assert parameters["planned_from"]["format"] == "date"
    assert re.fullmatch(parameters["ordering"]["pattern"], "-planned_date,received_date")
    content = schema["paths"]["/api/v1/disbursements/"]["get"]["responses"]["200"]["content"]
    assert content["text/csv"]["schema"] == {"type": "string", "format": "csv"}


def test_the_docs_are_served_from_the_portals_own_static_files(db):
    page = client_for(None).get("/api/v1/docs/").content.decode()
    addresses = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert addresses
    assert not re.search(r"https?://", page)
    for address in addresses:
        assert address.startswith("/static/"), address
        assert finders.find(address.removeprefix("/static/")), address
    assert '"validatorUrl": null' in page
    assert 'url: "/api/v1/schema/"' in page
