"""Fixtures shared by the tests/workplans test modules."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from organisations.models import Role
from tests.factories import (
    AllocationFactory,
    DonorFactory,
    EwgMeetingFactory,
    FundingAgreementFactory,
    IndicatorFactory,
    OutcomeFactory,
    OutputFactory,
    ProjectFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from tests.workplans import (
    approved_version,
    counterpart,
    counterpart_user,
    planned_activity,
    punjab,
    sindh,
)
from tests.workplans.progress_carry_views_support import save, submit
from tests.workplans.progress_views_support import PDF, form_data, form_url
from workplans import services
from workplans.models import (
    EvidenceFile,
)

# --- Builders ---------------------------------------------------------------------------


@pytest.fixture
def lead():
    return counterpart("CTD-PB")


@pytest.fixture
def project():
    return ProjectFactory(code="P-CT", title="CT investigations")


@pytest.fixture
def activity(lead, project):
    """Jul 2022 - Jun 2023 (every quarter over); I-PLAIN (Q1, Q2) and I-TRAINED (by sex and
    province, Q2) in Punjab and Sindh, paid for by `project`."""
    activity = planned_activity(approved_version(), lead=lead, project=project)
    activity.provinces.set([punjab(), sindh()])
    return activity


@pytest.fixture
def reporter(lead):
    return counterpart_user(lead, username="pb-officer", first_name="Amna", last_name="Khan")


@pytest.fixture
def colleague(lead):
    return counterpart_user(lead, username="pb-colleague", first_name="Bilal", last_name="Aziz")


@pytest.fixture
def outsider():
    return counterpart_user(counterpart("CTD-SD"), username="sd-officer")


@pytest.fixture
def project_donor(project):
    """A donor viewer whose agreement funds `project` (so it sees the approved workplan)."""
    donor = DonorFactory(short_name="EU")
    AllocationFactory(agreement=FundingAgreementFactory(donor=donor), project=project)
    return user_with_role(Role.DONOR_VIEWER, donor, username="eu-viewer")


@pytest.fixture
def other_donor():
    other = ProjectFactory(code="P-OTHER", sub_programme=SubProgrammeFactory(code="SP-I"))
    donor = DonorFactory(short_name="JP")
    AllocationFactory(agreement=FundingAgreementFactory(donor=donor), project=other)
    return user_with_role(Role.DONOR_VIEWER, donor, username="jp-viewer")


# --- Evidence: uploaded through the form, served only to who may see it -----------------------


@pytest.fixture
def evidence(client, activity, reporter):
    client.force_login(reporter)
    data = form_data(activity)
    data["evidence"] = SimpleUploadedFile("attendance sheet.pdf", PDF, "text/plain")
    assert client.post(form_url(activity), data).status_code == 302
    client.logout()
    return EvidenceFile.objects.get()


@pytest.fixture
def sp():
    return SubProgrammeFactory(code="SP-IV", title="Countering terrorism")


@pytest.fixture
def meeting(sp):
    return EwgMeetingFactory(sub_programme=sp, date=datetime.date(2022, 7, 26))


@pytest.fixture
def ewg_client(client, ewg_secretary):
    client.force_login(ewg_secretary)
    return client


@pytest.fixture
def users(db):
    return {
        "anonymous": None,
        "counterpart": user_with_role(Role.COUNTERPART_STAFF, counterpart("NACTA")),
        "ewg": user_with_role(Role.EWG_SECRETARIAT),
        "donor": user_with_role(Role.DONOR_VIEWER, DonorFactory(short_name="Japan")),
        "administrator": user_with_role(Role.ADMINISTRATOR),
        "manager": user_with_role(Role.PROGRAMME_MANAGER),
    }


# --- The list: search and sort ---------------------------------------------------------


@pytest.fixture
def meetings(sp):
    border = SubProgrammeFactory(code="SP-I", title="Border management")
    return [
        EwgMeetingFactory(
            sub_programme=sp, date=datetime.date(2022, 7, 26), venue="NACTA HQ", chair="Rai"
        ),
        EwgMeetingFactory(
            sub_programme=sp, date=datetime.date(2023, 8, 2), venue="Serena Hotel", chair="Khan"
        ),
        EwgMeetingFactory(
            sub_programme=border,
            date=datetime.date(2023, 1, 10),
            venue="Marriott, Karachi",
            chair="Ahmed",
        ),
    ]


@pytest.fixture
def donor_viewer(db):
    return user_with_role(Role.DONOR_VIEWER)


@pytest.fixture
def counterpart_staff(db):
    return user_with_role(Role.COUNTERPART_STAFF, counterpart())


@pytest.fixture
def v1():
    return approved_version()


@pytest.fixture
def revised(lead, reporter, manager, ewg_secretary):
    """Version 1 with A1 (a draft in Q1, a returned update in Q2, a submitted one in Q3) and
    A2 (a draft in Q1); version 2 drops A2 and is approved."""
    v1 = approved_version()
    a1 = planned_activity(v1, lead=lead, code="A1")
    a2 = planned_activity(v1, lead=lead, code="A2")
    drafted = save(a1, reporter, 1)
    returned = services.progress_update_return(
        update=submit(a1, reporter, 2), user=manager, comment="Add the attendance list."
    )
    sent = submit(a1, reporter, 3)
    left = save(a2, reporter, 1)
    v2 = services.version_revise(workplan=v1.workplan, user=manager)
    services.activity_delete(activity=v2.activities.get(code="A2"), user=manager)
    services.version_submit(version=v2, user=manager)
    meeting = EwgMeetingFactory(sub_programme=v1.workplan.sub_programme, date=timezone.localdate())
    services.version_approve(version=v2, meeting=meeting, user=ewg_secretary)
    for update in (drafted, returned, sent, left):
        update.refresh_from_db()
    return {
        "v1": v1,
        "v2": v2,
        "a1": a1,
        "a2": a2,
        "new_a1": v2.activities.get(code="A1"),
        "drafted": drafted,
        "returned": returned,
        "sent": sent,
        "left": left,
    }


@pytest.fixture
def plan():
    """A draft of a Jul 2022 - Jun 2023 workplan; one output with a count indicator
    (persons), a workshops count and a share (percent), and a lead counterpart."""
    sp = SubProgrammeFactory()
    output = OutputFactory(outcome=OutcomeFactory(sub_programme=sp), code="Op1.1")
    draft = WorkplanVersionFactory(
        workplan=WorkplanFactory(
            sub_programme=sp,
            code="WP-T",
            period_start=datetime.date(2022, 7, 1),
            period_end=datetime.date(2023, 6, 30),
        )
    )
    return {
        "draft": draft,
        "output": output,
        "persons": IndicatorFactory(output=output, code="I1.1a", unit="persons"),
        "workshops": IndicatorFactory(output=output, code="I1.1b", unit="workshops"),
        "share": IndicatorFactory(output=output, code="I1.1c", unit="percent of cases"),
        "lead": counterpart("NACTA"),
    }


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client
