"""The role x page matrix: every role against every page it must or must not reach.

Objects a role may not see are a 404 (never a hint that they exist); actions it may not
take are a 403; anonymous users are sent to sign in.
"""

import copy
from decimal import Decimal

import pytest

from organisations.models import Role
from tests.conftest import built_per_module
from tests.factories import (
    ActivityFactory,
    ActivityTargetFactory,
    AllocationFactory,
    DonorFactory,
    EwgMeetingFactory,
    FundingAgreementFactory,
    OrganisationFactory,
    ProjectFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from workplans.models import Activity

ROLES = [
    "anonymous",
    "manager",
    "ewg",
    "counterpart",
    "other_counterpart",
    "donor_a",
    "donor_b",
    "administrator",
]


def _build_world():
    sp = SubProgrammeFactory()
    other_sp = SubProgrammeFactory(code="SP-I", title="Illicit trafficking")
    lead = OrganisationFactory(short_name="NACTA")
    donor_a, donor_b = DonorFactory(short_name="Japan"), DonorFactory(short_name="EU")
    project_a = ProjectFactory(code="PA", sub_programme=sp)
    project_a.counterparts.add(lead)
    project_b = ProjectFactory(code="PB", sub_programme=other_sp)
    AllocationFactory(agreement=FundingAgreementFactory(donor=donor_a), project=project_a)
    AllocationFactory(
        agreement=FundingAgreementFactory(donor=donor_b), project=project_b, amount=Decimal("9")
    )
    workplan = WorkplanFactory(sub_programme=sp)
    approved = WorkplanVersionFactory(workplan=workplan, number=1, status="approved")
    draft = WorkplanVersionFactory(workplan=workplan, number=2, status="draft", based_on=approved)
    approved_activity = ActivityFactory(version=approved, lead_counterpart=lead, project=project_a)
    ActivityTargetFactory(activity=approved_activity)
    draft_activity = ActivityFactory(version=draft, lead_counterpart=lead)
    meeting = EwgMeetingFactory(sub_programme=sp)
    users = {
        "anonymous": None,
        "manager": user_with_role(Role.PROGRAMME_MANAGER),
        "ewg": user_with_role(Role.EWG_SECRETARIAT),
        "counterpart": user_with_role(Role.COUNTERPART_STAFF, organisation=lead),
        "other_counterpart": user_with_role(Role.COUNTERPART_STAFF),
        "donor_a": user_with_role(Role.DONOR_VIEWER, organisation=donor_a),
        "donor_b": user_with_role(Role.DONOR_VIEWER, organisation=donor_b),
        "administrator": user_with_role(Role.ADMINISTRATOR),
    }
    urls = {
        "home": "/",
        "project list": "/projects/",
        "programmes": "/projects/programmes/",
        "project A": f"/projects/{project_a.code}/",
        "project B": f"/projects/{project_b.code}/",
        "workplan list": "/workplans/",
        "approved version": f"/workplans/versions/{approved.pk}/",
        "draft version": f"/workplans/versions/{draft.pk}/",
        "approved activity": f"/workplans/activities/{approved_activity.pk}/",
        "draft activity": f"/workplans/activities/{draft_activity.pk}/",
        "edit draft activity": f"/workplans/activities/{draft_activity.pk}/edit/",
        "add activity": f"/workplans/versions/{draft.pk}/activities/new/",
        "import": f"/workplans/versions/{draft.pk}/import/",
        "template": f"/workplans/versions/{draft.pk}/template.xlsx",
        "new workplan": "/workplans/new/",
        "compare": f"/workplans/{workplan.pk}/compare/",
        "meeting list": "/workplans/meetings/",
        "new meeting": "/workplans/meetings/new/",
        "meeting": f"/workplans/meetings/{meeting.pk}/",
        "admin": "/admin/",
    }
    return users, urls


world_built = built_per_module(_build_world, name="world_built")


@pytest.fixture
def world(world_built, db):
    """_build_world's rows, built once per module (built_per_module)."""
    return copy.deepcopy(world_built)


# Expected status per page, for each role in ROLES order.
#                       anon mgr  ewg  cp   cp2  dA   dB   admin
EXPECTED = {
    "home":                (302, 200, 200, 200, 200, 200, 200, 200),
    "project list":        (302, 200, 200, 200, 200, 200, 200, 200),
    "programmes":          (302, 200, 200, 200, 200, 200, 200, 200),
    "project A":           (302, 200, 200, 200, 404, 200, 404, 200),
    "project B":           (302, 200, 200, 404, 404, 404, 200, 200),
    "workplan list":       (302, 200, 200, 200, 200, 200, 200, 200),
    "approved version":    (302, 200, 200, 200, 200, 200, 404, 200),
    "draft version":       (302, 200, 200, 404, 404, 404, 404, 200),
    "approved activity":   (302, 200, 200, 200, 200, 200, 404, 200),
    "draft activity":      (302, 200, 200, 404, 404, 404, 404, 200),
    "edit draft activity": (302, 200, 403, 404, 404, 404, 404, 403),
    "add activity":        (302, 200, 403, 404, 404, 404, 404, 403),
    "import":              (302, 200, 403, 404, 404, 404, 404, 403),
    "template":            (302, 200, 200, 404, 404, 404, 404, 200),
    "new workplan":        (302, 200, 403, 403, 403, 403, 403, 403),
    "compare":             (302, 200, 200, 200, 200, 200, 404, 200),
    "meeting list":        (302, 200, 200, 200, 200, 403, 403, 200),
    "new meeting":         (302, 200, 200, 403, 403, 403, 403, 403),
    "meeting":             (302, 200, 200, 200, 200, 404, 404, 200),
    "admin":               (302, 302, 302, 302, 302, 302, 302, 200),
}  # fmt: skip


@pytest.mark.parametrize("page", list(EXPECTED))
def test_each_role_reaches_exactly_the_pages_it_may(client, world, page):
    users, urls = world
    got = []
    for role in ROLES:
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        got.append(client.get(urls[page]).status_code)
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, EXPECTED[page], strict=True))


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("manager", True), ("ewg", False), ("counterpart", False), ("donor_a", False)],
)
def test_only_managers_may_post_a_new_activity(client, world, role, allowed):
    users, urls = world
    client.force_login(users[role])
    before = Activity.objects.count()
    response = client.post(
        urls["add activity"], {"targets-TOTAL_FORMS": "0", "targets-INITIAL_FORMS": "0"}
    )
    if allowed:
        assert response.status_code == 400  # reached the form; the empty post is invalid
    else:
        assert response.status_code in (403, 404)
    assert Activity.objects.count() == before
