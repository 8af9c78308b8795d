"""Project and results-framework pages for programme managers, through the test client:
what a manager saves lands exactly as typed; what a service refuses shows on its field in
the page and writes nothing; the project list sorts by its columns."""

import copy
import datetime
import re

import pytest
from django.urls import reverse

from projects.models import Project
from tests.conftest import built_per_module
from tests.factories import (
    ExpenditureFactory,
    NapAreaFactory,
    OrganisationFactory,
    ProjectFactory,
    ProvinceFactory,
    SubProgrammeFactory,
)
from tests.projects.manage_views_support import errors_of


def _build_world():
    sp4 = SubProgrammeFactory(code="SP-IV")
    return {
        "sp4": sp4,
        "sp1": SubProgrammeFactory(code="SP-I", title="Illicit trafficking"),
        "punjab": ProvinceFactory(code="PK-PB", name="Punjab"),
        "sindh": ProvinceFactory(code="PK-SD", name="Sindh"),
        "nacta": OrganisationFactory(short_name="NACTA", name="National CT Authority"),
        "ctd": OrganisationFactory(short_name="CTD-PB", name="CTD Punjab"),
        "nap3": NapAreaFactory(version="2014", number=3, title="Militant outfits"),
        # 1 Jul 2022 - 30 Jun 2025
        "project": ProjectFactory(code="P1", title="Prosecutors", sub_programme=sp4),
    }


world_built = built_per_module(_build_world, name="world_built")


@pytest.fixture
def world(world_built, db):
    """_build_world's rows, built once per module (built_per_module)."""
    return copy.deepcopy(world_built)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def project_post(world, **overrides) -> dict:
    data = {
        "code": "P9",
        "title": "Airport interdiction",
        "description": "Joint airport interdiction task forces.",
        "sub_programme": world["sp4"].pk,
        "start_date": "2024-01-01",
        "end_date": "2026-12-31",
        "status": Project.Status.PIPELINE,
        "dac_sector": "15210",
        "provinces": [world["punjab"].pk, world["sindh"].pk],
        "counterparts": [world["nacta"].pk],
        "nap_areas": [world["nap3"].pk],
        "notes": "Pending donor confirmation.",
    }
    data.update(overrides)
    return data


# --- Projects -----------------------------------------------------------------------------


def test_manager_creates_a_project_with_every_field(world, manager_client, manager):
    response = manager_client.post(reverse("projects:project-create"), project_post(world))

    assert response.status_code == 302
    assert response["Location"] == "/projects/P9/"
    project = Project.objects.get(code="P9")
    assert (
        project.title,
        project.description,
        project.sub_programme,
        project.start_date,
        project.end_date,
        project.status,
        project.dac_sector,
        project.notes,
    ) == (
        "Airport interdiction",
        "Joint airport interdiction task forces.",
        world["sp4"],
        datetime.date(2024, 1, 1),
        datetime.date(2026, 12, 31),
        "1",
        "15210",
        "Pending donor confirmation.",
    )
    assert sorted(p.code for p in project.provinces.all()) == ["PK-PB", "PK-SD"]
    assert [o.short_name for o in project.counterparts.all()] == ["NACTA"]
    assert list(project.nap_areas.all()) == [world["nap3"]]
    assert project.history.earliest().history_user == manager


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"end_date": "2023-12-31"},
            "id_end_date",
            "The end date cannot be before the start date.",
        ),
        (
            {"dac_sector": "152"},
            "id_dac_sector",
            "A DAC sector is a 5-digit OECD purpose code, e.g. 15210.",
        ),
        ({"code": "P1"}, "id_code", "Another project already has the code P1."),
    ],
)
def test_project_create_shows_the_services_refusal_on_its_field_and_saves_nothing(
    world, manager_client, overrides, field, message
):
    response = manager_client.post(
        reverse("projects:project-create"), project_post(world, **overrides)
    )

    assert response.status_code == 400
    assert errors_of(response, field) == message
    assert list(Project.objects.values_list("code", flat=True)) == ["P1"]


def test_project_form_shows_a_broken_rule_together_with_a_missing_field(world, manager_client):
    data = project_post(world, code="P1", end_date="2023-12-31")
    del data["sub_programme"]

    response = manager_client.post(reverse("projects:project-create"), data)

    assert response.status_code == 400
    assert errors_of(response, "id_sub_programme") == "This field is required."
    # The first rule the project breaks is shown in the same pass.
    assert errors_of(response, "id_code") == "Another project already has the code P1."
    assert list(Project.objects.values_list("code", flat=True)) == ["P1"]


def test_project_form_offers_multi_selects_as_labelled_checkbox_groups(world, manager_client):
    html = manager_client.get(reverse("projects:project-create")).content.decode()

    for legend in ("Provinces", "Counterparts", "NAP areas"):
        assert f'<legend class="form-label">{legend}</legend>' in html
    checkbox = re.search(
        r'<input type="checkbox" name="provinces" value="PK-PB"[^>]*id="([^"]+)"', html
    )
    assert checkbox, "a Punjab checkbox"
    assert f'<label class="form-check-label" for="{checkbox.group(1)}">Punjab</label>' in html
    assert "NACTA – National CT Authority" in html


def test_project_update_saves_changes_and_relations(world, manager_client):
    project = world["project"]

    response = manager_client.post(
        reverse("projects:project-update", args=["P1"]),
        project_post(
            world,
            code="P1",
            title="Prosecutors and judges",
            start_date="2022-07-01",
            end_date="2025-06-30",
            status=Project.Status.IMPLEMENTATION,
            provinces=[world["sindh"].pk],
            counterparts=[],
            nap_areas=[],
        ),
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.status) == ("Prosecutors and judges", "2")
    assert [p.code for p in project.provinces.all()] == ["PK-SD"]
    assert not project.counterparts.exists()


def test_project_update_refuses_a_period_that_leaves_an_expenditure_outside(world, manager_client):
    ExpenditureFactory(project=world["project"], spent_on=datetime.date(2023, 1, 15))

    response = manager_client.post(
        reverse("projects:project-update", args=["P1"]),
        project_post(world, code="P1", start_date="2023-02-01", end_date="2025-06-30"),
    )

    assert response.status_code == 400
    assert (
        errors_of(response, "id_start_date")
        == "An expenditure is recorded on 15 January 2023, before this start date."
    )
    project = Project.objects.get(pk=world["project"].pk)
    assert (project.start_date, project.title) == (datetime.date(2022, 7, 1), "Prosecutors")


def test_project_update_form_starts_from_the_saved_values(world, manager_client):
    world["project"].provinces.set([world["punjab"]])

    response = manager_client.get(reverse("projects:project-update", args=["P1"]))

    form = response.context["form"]
    assert form["title"].value() == "Prosecutors"
    assert form["provinces"].value() == ["PK-PB"]
    assert 'value="PK-PB" class="form-check-input" id="id_provinces_0" checked' in (
        response.content.decode()
    )
