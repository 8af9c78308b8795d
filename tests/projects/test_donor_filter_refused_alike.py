"""Which donor funds what is money information: a role that never sees money and asks the
project list for a donor's projects is refused with the same words on the page (the error
above the filters, no rows, as for any filter in error) and in the API (a 400 on `donor`),
never shown every project as if it had not asked."""

import pytest
from lxml import html

from organisations.access import DONOR_FILTER_REFUSED
from organisations.models import Role
from tests.api.conftest import client_for
from tests.factories import (
    AllocationFactory,
    DonorFactory,
    FundingAgreementFactory,
    OrganisationFactory,
    ProjectFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    donor = DonorFactory(short_name="JP")
    nacta = OrganisationFactory(short_name="NACTA", kind="counterpart")
    funded, unfunded = ProjectFactory(code="P-FUNDED"), ProjectFactory(code="P-UNFUNDED")
    funded.counterparts.add(nacta)
    unfunded.counterparts.add(nacta)
    AllocationFactory(agreement=FundingAgreementFactory(donor=donor), project=funded)
    return {"donor": donor, "nacta": nacta}


def _user(role, programme):
    if role == Role.COUNTERPART_STAFF:
        return user_with_role(role, organisation=programme["nacta"])
    return user_with_role(role)


@pytest.mark.parametrize("role", [Role.COUNTERPART_STAFF, Role.EWG_SECRETARIAT])
def test_a_role_without_money_asking_for_a_donors_projects_is_refused_alike(
    client, programme, role
):
    user = _user(role, programme)
    client.force_login(user)
    donor = programme["donor"].pk

    page = client.get("/projects/", {"donor": donor})
    api = client_for(user).get("/api/v1/projects/", {"donor": donor})

    assert page.status_code == 200
    assert page.context["filter_form"].non_field_errors() == [DONOR_FILTER_REFUSED]
    assert list(page.context["projects"]) == []
    alert = html.fromstring(page.content).xpath("string(//form[@id='project-filters']/div)")
    assert alert.strip() == DONOR_FILTER_REFUSED
    assert api.status_code == 400
    assert api.json()["error"]["fields"] == {"donor": [DONOR_FILTER_REFUSED]}


@pytest.mark.parametrize("role", [Role.COUNTERPART_STAFF, Role.EWG_SECRETARIAT])
def test_without_the_donor_filter_both_list_the_same_projects(client, programme, role):
    user = _user(role, programme)
    client.force_login(user)

    page = client.get("/projects/")
    api = client_for(user).get("/api/v1/projects/")

    codes = [project.code for project in page.context["projects"]]
    assert codes == ["P-FUNDED", "P-UNFUNDED"]
    assert [row["code"] for row in api.json()["results"]] == codes
