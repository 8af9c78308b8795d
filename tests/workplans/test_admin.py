"""The admin keeps the same rules: activities through the services (an approved version is
frozen here too), everything else read-only, no N+1 on the lists."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Role
from tests.factories import (
    AchievedValueFactory,
    AttendanceFactory,
    DecisionFactory,
    EvidenceFileFactory,
    EwgMeetingFactory,
    MeetingDocumentFactory,
    OutputFactory,
    ProgressTransitionFactory,
    ProgressUpdateFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from tests.workplans import approved_version, counterpart, planned_activity, punjab, snapshot
from workplans.models import Activity, Workplan

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_manager():
    user = user_with_role(Role.PROGRAMME_MANAGER, username="staff-manager", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="workplans"))
    return user


@pytest.fixture
def manager_client(client, staff_manager):
    client.force_login(staff_manager)
    return client


@pytest.fixture
def admin_client_(client, administrator):
    client.force_login(administrator)
    return client


def post_data(response) -> dict:
    """What the browser would send back for the admin form on this page, unchanged."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_every_workplans_model_is_registered():
    models = {
        m
        for m in apps.get_app_config("workplans").get_models()
        if not m.__name__.startswith("Historical")
    }
    assert models
    assert {m for m in models if not admin.site.is_registered(m)} == set()


def test_models_with_history_use_the_history_admin():
    from simple_history.admin import SimpleHistoryAdmin

    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label == "workplans" and hasattr(model, "history"):
            assert isinstance(model_admin, SimpleHistoryAdmin), model


# --- Activities through the services ------------------------------------------


def test_a_manager_adds_an_activity_through_the_service(manager_client, staff_manager):
    version = WorkplanVersionFactory()
    output = OutputFactory()
    lead = counterpart("CTD-PB")
    response = manager_client.post(
        reverse("admin:workplans_activity_add"),
        {
            "version": version.pk,
            "code": "A1",
            "title": "Training of investigators",
            "description": "",
            "output": output.pk,
            "lead_counterpart": lead.pk,
            "provinces": [punjab().pk],
            "budget": "5000.00",
            "budget_currency": "USD",
            "targets-TOTAL_FORMS": "0",
            "targets-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    activity = Activity.objects.get()
    assert (activity.code, activity.budget, activity.lead_counterpart) == (
        "A1",
        Decimal("5000.00"),
        lead,
    )
    assert [p.code for p in activity.provinces.all()] == ["PK-PB"]
    assert activity.history.earliest().history_user == staff_manager


def test_the_admin_shows_the_services_field_error(manager_client):
    version = WorkplanVersionFactory()
    donor = user_with_role(Role.DONOR_VIEWER).membership.organisation
    before = snapshot()
    response = manager_client.post(
        reverse("admin:workplans_activity_add"),
        {
            "version": version.pk,
            "code": "A1",
            "title": "Training",
            "output": OutputFactory().pk,
            "lead_counterpart": donor.pk,
            "budget": "-1",
            "budget_currency": "USD",
            "targets-TOTAL_FORMS": "0",
            "targets-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    # The lead drop-down offers counterparts only, so the donor is refused as a choice.
    assert "lead_counterpart" in response.context["adminform"].form.errors
    assert snapshot() == before


def test_a_manager_edits_an_activity_of_a_draft(manager_client, staff_manager):
    activity = planned_activity(WorkplanVersionFactory())
    url = reverse("admin:workplans_activity_change", args=[activity.pk])
    data = post_data(manager_client.get(url))
    data["title"] = "Renamed in the admin"

    response = manager_client.post(url, data)

    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "Renamed in the admin"
    assert activity.targets.count() == 3
    assert activity.history.latest().history_user == staff_manager


def test_an_activity_of_an_approved_version_is_frozen_in_the_admin(manager_client):
    activity = planned_activity(approved_version(workplan=WorkplanFactory(code="WP-SP4-2022")))
    url = reverse("admin:workplans_activity_change", args=[activity.pk])
    data = post_data(manager_client.get(url))
    data["title"] = "Changed after approval"
    before = snapshot()

    response = manager_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Version 1 of WP-SP4-2022 is approved and frozen; start a revision to change it."
    ]
    assert snapshot() == before


def test_an_administrator_who_is_not_a_manager_cannot_change_activities(admin_client_):
    activity = planned_activity(WorkplanVersionFactory())
    url = reverse("admin:workplans_activity_change", args=[activity.pk])
    assert admin_client_.get(url).status_code == 200  # may look
    before = snapshot()
    response = admin_client_.post(url, {"title": "Changed by IT"})
    assert response.status_code == 403
    assert snapshot() == before


def test_a_manager_deletes_an_activity_of_a_draft_through_the_service(
    manager_client, staff_manager
):
    activity = planned_activity(WorkplanVersionFactory())
    url = reverse("admin:workplans_activity_delete", args=[activity.pk])
    response = manager_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Activity.objects.exists()
    assert Activity.history.filter(id=activity.pk).latest().history_user == staff_manager


# --- Read-only models and history ---------------------------------------------


def test_a_workplan_added_in_the_admin_gets_a_draft_version_1(manager_client):
    response = manager_client.post(
        reverse("admin:workplans_workplan_add"),
        {
            "sub_programme": SubProgrammeFactory().pk,
            "code": "WP-2024",
            "title": "Workplan 2024-25",
            "period_start": "2024-07-01",
            "period_end": "2025-06-30",
        },
    )
    assert response.status_code == 302
    assert Workplan.objects.get().versions.get().status == "draft"


def test_a_workplan_period_is_checked_in_the_admin(manager_client):
    response = manager_client.post(
        reverse("admin:workplans_workplan_add"),
        {
            "sub_programme": SubProgrammeFactory().pk,
            "code": "WP-2024",
            "title": "Workplan 2024-25",
            "period_start": "2024-07-02",
            "period_end": "2025-06-30",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["period_start"] == [
        "The period must start on the first day of a month, not 02 July 2024."
    ]
    assert not Workplan.objects.exists()


@pytest.mark.parametrize(
    ("model_name", "build"),
    [
        ("workplanversion", lambda: approved_version()),
        ("ewgmeeting", lambda: EwgMeetingFactory()),
        ("progressupdate", lambda: ProgressUpdateFactory()),
    ],
)
def test_versions_meetings_and_progress_are_read_only(admin_client_, model_name, build):
    obj = build()
    url = reverse(f"admin:workplans_{model_name}_change", args=[obj.pk])
    assert admin_client_.get(url).status_code == 200
    before = snapshot()
    assert admin_client_.post(url, {}).status_code == 403
    assert snapshot() == before


def test_history_cannot_be_reverted_from_the_admin(manager_client):
    activity = planned_activity(WorkplanVersionFactory())
    record = activity.history.earliest()
    url = reverse("admin:workplans_activity_simple_history", args=[activity.pk, record.history_id])
    assert manager_client.get(url).status_code == 200
    before = snapshot()
    assert manager_client.post(url, {"title": "Reverted"}).status_code == 403
    assert snapshot() == before


# --- Lists without N+1 ----------------------------------------------------------


def one_update():
    update = ProgressUpdateFactory(activity=planned_activity(approved_version()))
    AchievedValueFactory(update=update, indicator=update.activity.plain)
    EvidenceFileFactory(update=update)
    ProgressTransitionFactory(update=update)
    return update


BUILDERS = {
    "workplan": lambda: WorkplanFactory(),
    "workplanversion": lambda: approved_version(),
    "activity": lambda: planned_activity(approved_version()),
    "activitytarget": lambda: planned_activity(approved_version()),
    "ewgmeeting": lambda: EwgMeetingFactory(chair_organisation=counterpart("NACTA")),
    "attendance": lambda: AttendanceFactory(),
    "decision": lambda: DecisionFactory(),
    "meetingdocument": lambda: MeetingDocumentFactory(),
    "progressupdate": one_update,
    "achievedvalue": one_update,
    "evidencefile": one_update,
    "progresstransition": one_update,
}


def changelist_queries(client, model_name) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(f"admin:workplans_{model_name}_changelist"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("model_name", sorted(BUILDERS))
def test_changelist_query_count_is_the_same_for_one_and_five_rows(admin_client_, model_name):
    build = BUILDERS[model_name]
    build()
    one = changelist_queries(admin_client_, model_name)
    for _ in range(4):
        build()
    assert changelist_queries(admin_client_, model_name) == one


def test_change_pages_open(admin_client_):
    update = one_update()
    meeting = EwgMeetingFactory()
    AttendanceFactory(meeting=meeting)
    DecisionFactory(meeting=meeting)
    MeetingDocumentFactory(meeting=meeting)
    for name, obj in [
        ("progressupdate", update),
        ("ewgmeeting", meeting),
        ("activity", update.activity),
        ("workplanversion", update.activity.version),
        ("workplan", update.activity.version.workplan),
    ]:
        response = admin_client_.get(reverse(f"admin:workplans_{name}_change", args=[obj.pk]))
        assert response.status_code == 200, name


def test_meeting_documents_are_filed_through_the_service(manager_client):
    meeting = EwgMeetingFactory(date=datetime.date(2022, 7, 26))
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = manager_client.post(
        reverse("admin:workplans_meetingdocument_add"),
        {
            "meeting": meeting.pk,
            "title": "Minutes",
            "file": SimpleUploadedFile("minutes.exe", b"MZ\x90\x00" + b"\x00" * 64),
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"] == [
        "Only PDF, PNG, JPEG, Word (DOCX) and Excel (XLSX) files are accepted (it looks like EXE). "
        "Word and Excel files with macros are not."
    ]
    response = manager_client.post(
        reverse("admin:workplans_meetingdocument_add"),
        {
            "meeting": meeting.pk,
            "title": "Minutes",
            "file": SimpleUploadedFile("minutes.pdf", b"%PDF-1.7\n"),
        },
    )
    assert response.status_code == 302
    document = meeting.documents.get()
    assert document.file.name.endswith(".pdf")
