"""GET /api/v1/iati/activities.xml, /api/v1/iati/readiness/ and the IATI pages: every role
exports exactly the projects it may see, with the project list's filters."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import html

from reports.iati import validation
from tests.api.conftest import client_for
from tests.api.world import ROLES, build_world
from tests.conftest import built_per_module
from tests.factories import (
    AllocationFactory,
    BudgetLineFactory,
    ExpenditureFactory,
    FundingAgreementFactory,
    IndicatorFactory,
    OutcomeFactory,
    OutputFactory,
    ProjectFactory,
    ReceivedDisbursementFactory,
    SubProgrammeFactory,
    user_with_role,
)

ACTIVITIES = "/api/v1/iati/activities.xml"
READINESS = "/api/v1/iati/readiness/"

# role -> the project codes it exports (None: refused with that status).
EXPORTS = {
    "anonymous": 401,
    "manager": ["PA", "PB"],
    "ewg": ["PA", "PB"],
    "counterpart": ["PA"],
    "other_counterpart": ["PB"],
    "donor_a": ["PA"],
    "donor_b": ["PB"],
    "administrator": ["PA", "PB"],
}


world_built = built_per_module(build_world, name="world_built")


@pytest.fixture
def world(world_built, db):
    return copy.deepcopy(world_built)


def _codes(content: bytes) -> list[str]:
    doc = validation.parse(content)
    return [i.rsplit("-", 1)[-1] for i in doc.xpath("//iati-identifier/text()")]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_exports_exactly_the_projects_it_may_see(world, role):
    response = client_for(world.users[role]).get(ACTIVITIES)
    expected = EXPORTS[role]
    if isinstance(expected, int):
        assert response.status_code == expected
        assert response.json()["error"]["code"] == "not_authenticated"
        return
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="iati-activities.xml"'
    content = b"".join(response.streaming_content)
    assert _codes(content) == expected
    assert validation.schema_errors(validation.parse(content)) == []
    readiness = client_for(world.users[role]).get(READINESS).json()
    assert [row["code"] for row in readiness] == expected


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_the_iati_pages_as_it_does_the_project_list(client, world, role):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    page = client.get("/reports/iati/")
    download = client.get("/reports/iati/activities.xml")
    if user is None:
        assert (page.status_code, download.status_code) == (302, 302)
        return
    assert (page.status_code, download.status_code) == (200, 200)
    assert _codes(b"".join(download.streaming_content)) == EXPORTS[role]
    assert page.context["ready_count"] == len(EXPORTS[role])


def test_a_donors_export_names_no_other_donor_and_none_of_its_money(world):
    world.allocation_b.delete()
    AllocationFactory(agreement=world.agreement_b, project=world.project_a)
    content = b"".join(client_for(world.users["donor_a"]).get(ACTIVITIES).streaming_content)
    doc = validation.parse(content)
    assert doc.xpath("//participating-org[@role='1']/narrative/text()") == ["Government of Japan"]
    assert doc.xpath("//transaction[transaction-type/@code='11']/value/text()") == ["500000.00"]
    assert b"European Union" not in content
    assert b"AGR-B" not in content


def test_the_export_takes_the_project_list_filters_and_refuses_bad_ones(world):
    client = client_for(world.users["manager"])
    response = client.get(ACTIVITIES, {"code": "PB"})
    assert _codes(b"".join(response.streaming_content)) == ["PB"]
    bad = client.get(ACTIVITIES, {"active_from": "yesterday"})
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["active_from"]
    unknown = client.get(READINESS, {"colour": "red"})
    assert unknown.status_code == 400
    assert list(unknown.json()["error"]["fields"]) == ["colour"]


def test_what_a_project_lacks_is_listed_before_export_in_the_api_and_on_the_page(client, world):
    ProjectFactory(code="PC", sub_programme=world.sp, dac_sector="")
    manager = world.users["manager"]
    rows = client_for(manager).get(READINESS).json()
    assert rows[2] == {
        "code": "PC",
        "title": rows[2]["title"],
        "iati_identifier": "XM-DAC-41128-PC",
        "ready": False,
        "gaps": [
            {
                "field": "dac_sector",
                "code": "no_sector",
                "message": "No DAC sector (IATI rule 6.2.2: a sector is needed).",
            }
        ],
    }
    assert [row["ready"] for row in rows] == [True, True, False]
    client.force_login(manager)
    page = html.fromstring(client.get("/reports/iati/").content)
    cells = page.xpath("//table[@data-testid='iati-gaps']//td//text()")
    assert "No DAC sector (IATI rule 6.2.2: a sector is needed)." in cells
    summary = page.xpath("//*[@data-testid='iati-summary']/text()")[0]
    assert " ".join(summary.split()) == "2 of 3 projects ready for export."
    content = b"".join(client_for(manager).get(ACTIVITIES).streaming_content)
    assert _codes(content) == ["PA", "PB"]


def test_the_project_list_offers_a_labelled_iati_download(client, world):
    client.force_login(world.users["donor_a"])
    page = html.fromstring(client.get("/projects/", {"status": "2"}).content)
    (button,) = page.xpath("//a[normalize-space()='Download IATI XML']")
    assert button.get("href") == "/reports/iati/activities.xml?status=2"
    assert "btn" in button.get("class")


def _project_with_everything(index: int, sp) -> None:
    project = ProjectFactory(code=f"Q{index}", sub_programme=sp)
    agreement = FundingAgreementFactory(reference=f"AG-{index}")
    AllocationFactory(agreement=agreement, project=project)
    ReceivedDisbursementFactory(agreement=agreement)
    BudgetLineFactory(project=project, year=2023)
    ExpenditureFactory(project=project)
    output = OutputFactory(outcome=OutcomeFactory(sub_programme=sp, project=project))
    IndicatorFactory(output=output)


def test_the_export_costs_the_same_queries_for_1_project_and_for_5(db, django_assert_num_queries):
    sp = SubProgrammeFactory()
    manager = user_with_role("programme_manager")
    client = client_for(manager)
    _project_with_everything(0, sp)
    client.get(ACTIVITIES)  # the token's first use is recorded once; measure after it
    with CaptureQueriesContext(connection) as one:
        content = b"".join(client.get(ACTIVITIES).streaming_content)
    assert _codes(content) == ["Q0"]
    for index in range(1, 5):
        _project_with_everything(index, sp)
    with django_assert_num_queries(len(one.captured_queries)):
        content = b"".join(client.get(ACTIVITIES).streaming_content)
    assert _codes(content) == ["Q0", "Q1", "Q2", "Q3", "Q4"]
