"""A donor's home page shows what changed on its projects since its last visit: its own
tranches received, progress verified on its projects, versions approved; never another
donor's tranche; and nothing once seen."""

import datetime

import pytest
from django.utils import timezone

from organisations.models import Role
from tests.factories import (
    ActivityFactory,
    AllocationFactory,
    FundingAgreementFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    ReceivedDisbursementFactory,
    WorkplanFactory,
    user_with_role,
)
from tests.workplans import approved_version
from workplans.models import ProgressUpdate

pytestmark = pytest.mark.django_db


def test_a_donor_sees_its_own_changes_since_its_last_visit_and_then_none(client, people):
    japan, eu = people["_japan"], people["_eu"]
    project = ProjectFactory(code="P-JP")
    own = FundingAgreementFactory(donor=japan, reference="JP-1")
    AllocationFactory(agreement=own, project=project)
    theirs = FundingAgreementFactory(donor=eu, reference="EU-1")
    AllocationFactory(agreement=theirs, project=project)  # co-funded: EU's stays hidden
    ReceivedDisbursementFactory(agreement=own, planned_date=datetime.date(2023, 1, 10))
    ReceivedDisbursementFactory(agreement=theirs, planned_date=datetime.date(2023, 2, 10))
    version = approved_version(
        workplan=WorkplanFactory(sub_programme=project.sub_programme),
        approved_at=timezone.now(),
    )
    activity = ActivityFactory(version=version, code="A7", project=project)
    ProgressUpdateFactory(
        activity=activity,
        quarter=2,
        state=ProgressUpdate.State.VERIFIED,
        verified_at=timezone.now(),
        author=user_with_role(Role.COUNTERPART_STAFF),
    )

    client.force_login(people["japan_viewer"])
    changes = client.get("/").context["changes"]
    assert [t.agreement.reference for t in changes.tranches_received] == ["JP-1"]
    assert [(u.activity.code, u.quarter) for u in changes.updates_verified] == [("A7", 2)]
    assert [v.pk for v in changes.versions_approved] == [version.pk]
    page = client.get("/")
    assert page.context["changes"].any is False
    assert "Nothing changed on your projects since then." in page.content.decode()
    assert "EU-1" not in page.content.decode()


def test_other_roles_get_no_changes_section(client, people):
    client.force_login(people["manager"])
    assert client.get("/").context.get("changes") is None
