"""The API for harvesting scripts: IATI identifiers and funders on projects, every id a
project names resolvable, ?modified_since= on every list, ETag/Last-Modified and 304."""

import copy
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ctportal.api.harvest import has_modification_time
from ctportal.api.urls import router
from donors.services import allocation_create, allocation_delete, allocation_update
from projects.models import NapArea, Province
from tests.api.conftest import client_for
from tests.api.world import ROLES, build_world
from tests.conftest import built_per_module
from tests.factories import AllocationFactory, FundingAgreementFactory


def _build_world():
    world = build_world()
    # Project A is co-funded: Japan's 500,000 (world) and the EU's 200,000 USD.
    agreement = FundingAgreementFactory(donor=world.donor_b, reference="AGR-B2")
    AllocationFactory(agreement=agreement, project=world.project_a, amount=Decimal("200000.00"))
    world.project_a.nap_areas.add(NapArea.objects.create(version="2021", number=4, title="X"))
    world.project_a.provinces.add(Province.objects.get_or_create(code="PK-PB")[0])
    return world


world_built = built_per_module(_build_world, name="world_built")


@pytest.fixture
def world(world_built, db):
    """_build_world's rows, built once per module (built_per_module)."""
    return copy.deepcopy(world_built)


def _project(client, code: str) -> dict:
    rows = client.get("/api/v1/projects/", {"code": code}).json()["results"]
    assert len(rows) == 1
    return rows[0]


def _funders(row: dict) -> list[tuple]:
    return [
        (o["role"], o["name"], o["usd_total"])
        for o in row["participating_orgs"]
        if o["role"] == "funding"
    ]


@pytest.mark.parametrize(
    ("role", "funders", "other"),
    [
        (
            "manager",
            [
                ("funding", "European Union", "200000.00"),
                ("funding", "Government of Japan", "500000.00"),
            ],
            None,
        ),
        ("donor_a", [("funding", "Government of Japan", "500000.00")], "200000.00"),
        ("counterpart", [], None),
        ("ewg", [], None),
    ],
)
def test_a_project_gives_its_iati_identifier_and_the_funders_the_role_may_see(
    world, role, funders, other
):
    row = _project(client_for(world.users[role]), "PA")
    assert row["iati_identifier"] == "XM-DAC-41128-PA"
    assert _funders(row) == funders
    assert row["other_funding_usd"] == other
    implementing = [o for o in row["participating_orgs"] if o["role"] == "implementing"]
    assert implementing == [
        {
            "role": "implementing",
            "organisation": world.lead.pk,
            "name": "NACTA",
            "iati_identifier": world.lead.iati_identifier,
            "usd_total": None,
        }
    ]


def test_every_id_a_project_names_resolves(world):
    client = client_for(world.users["donor_a"])
    row = _project(client, "PA")
    for code in row["provinces"]:
        assert client.get(f"/api/v1/provinces/{code}/").json()["code"] == code
    for pk in row["nap_areas"]:
        assert client.get(f"/api/v1/nap-areas/{pk}/").json()["id"] == pk
    for org in row["counterparts"]:
        assert client.get(f"/api/v1/organisations/{org}/").status_code == 200
    sectors = client.get("/api/v1/sectors/", {"code": row["dac_sector"]}).json()
    assert sectors == [{"code": "15210", "name": "Security system management and reform"}]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_reference_lists_and_anonymous_none(world, role):
    client = client_for(world.users[role])
    statuses = [
        client.get(url).status_code
        for url in ("/api/v1/provinces/", "/api/v1/nap-areas/", "/api/v1/sectors/")
    ]
    assert statuses == [401, 401, 401] if role == "anonymous" else [200, 200, 200]


def test_a_second_harvest_with_modified_since_returns_only_what_changed(world):
    client = client_for(world.users["manager"])
    first = client.get("/api/v1/projects/").json()
    assert [row["code"] for row in first["results"]] == ["PA", "PB"]
    since = timezone.now()
    world.project_b.title = "Renamed"
    world.project_b.save()
    second = client.get("/api/v1/projects/", {"modified_since": since.isoformat()}).json()
    assert [(row["code"], row["title"]) for row in second["results"]] == [("PB", "Renamed")]
    later = (timezone.now() + datetime.timedelta(seconds=1)).isoformat()
    assert client.get("/api/v1/projects/", {"modified_since": later}).json()["results"] == []
    province = Province.objects.get(code="PK-PB")
    province.name = "Punjab"
    province.save()
    changed = client.get("/api/v1/provinces/", {"modified_since": since.isoformat()}).json()
    assert [row["code"] for row in changed["results"]] == ["PK-PB"]


def test_every_list_takes_modified_since_and_refuses_what_is_not_a_time(world):
    client = client_for(world.users["manager"])
    since = {"modified_since": "2020-01-01T00:00:00Z"}
    for prefix, viewset, _basename in router.registry:
        if not has_modification_time(viewset.serializer_class.Meta.model):
            continue  # rows without a modification time cannot say what changed
        assert client.get(f"/api/v1/{prefix}/", since).status_code == 200, prefix
        bad = client.get(f"/api/v1/{prefix}/", {"modified_since": "last tuesday"})
        assert bad.status_code == 400, prefix
        assert list(bad.json()["error"]["fields"]) == ["modified_since"], prefix
    # An unusual offset, or a time past the calendar's end once in UTC, is still a time.
    for odd in ("0909-11-01T21:35:35+22:01", "0001-01-01T00:00:00+01:00"):
        listed = client.get("/api/v1/provinces/", {"modified_since": odd}).json()
        assert listed["count"] == Province.objects.count()
    assert client.get("/api/v1/sectors/", since).status_code == 200
    assert client.get("/api/v1/sectors/", {"modified_since": "2020-13-45"}).status_code == 400


@pytest.mark.parametrize("url", ["/api/v1/projects/", "/api/v1/projects/{pk}/"])
def test_a_conditional_get_answers_304_until_something_changes(world, url):
    client = client_for(world.users["manager"])
    url = url.format(pk=world.project_a.pk)
    first = client.get(url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"')
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    world.project_a.title = "Renamed"
    world.project_a.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    # Another user's view is another representation: its own ETag.
    donor = client_for(world.users["donor_a"]).get(url, HTTP_IF_NONE_MATCH=changed["ETag"])
    assert donor.status_code == 200


def test_a_harvest_finds_a_project_whose_funding_changed(world):
    """A project's funders and their USD totals are part of what a harvest reads: an
    allocation made, changed or removed moves the project's modification time."""
    client = client_for(world.users["manager"])
    allocation = world.allocation_b
    for change in (
        lambda: allocation_update(allocation=allocation, amount=Decimal("1000.00")),
        lambda: allocation_delete(allocation=allocation),
        lambda: allocation_create(
            agreement=world.agreement_b, project=world.project_b, amount=Decimal("5.00")
        ),
    ):
        since = timezone.now()
        change()
        changed = client.get("/api/v1/projects/", {"modified_since": since.isoformat()}).json()
        assert [row["code"] for row in changed["results"]] == ["PB"]
