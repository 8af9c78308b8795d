"""The reports admin offers only what an administrator may do there.

Requesting a report is a programme manager's act (reports.services.can_request_reports),
on the reports page and the API; managers never reach the admin, and administrators, who
do, handle the schedules (django-celery-beat's periodic tasks, which they can also run
from the admin). So the admin's report list offers no "generate again" action."""

import datetime

import pytest
from django.utils import timezone

from organisations.models import Role
from reports.models import Report
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/reports/report/"


@pytest.fixture
def failed_report():
    return Report.objects.create(
        kind=Report.Kind.DISBURSEMENT,
        period_start=datetime.date(2025, 5, 1),
        period_end=datetime.date(2025, 5, 31),
        status=Report.Status.FAILED,
        failure_reason="OperationalError: gone",
        requested_at=timezone.now(),
    )


def test_the_report_list_in_the_admin_offers_no_action_to_generate_again(
    client, administrator, failed_report
):
    client.force_login(administrator)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    actions = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert actions == ["", "delete_selected"]
    assert "Generate the selected reports again" not in response.text


def test_posting_the_old_action_requeues_nothing(client, administrator, failed_report):
    client.force_login(administrator)
    response = client.post(
        CHANGELIST, {"action": "generate_again", "_selected_action": [failed_report.pk]}
    )
    assert response.status_code == 302  # back to the list, "No action selected."
    failed_report.refresh_from_db()
    assert failed_report.status == Report.Status.FAILED
    assert failed_report.generation == 1
    assert failed_report.failure_reason == "OperationalError: gone"
    assert failed_report.history.count() == 1  # the creation only


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.PROGRAMME_MANAGER, 302),
        (Role.COUNTERPART_STAFF, 302),
        (Role.DONOR_VIEWER, 302),
        (Role.EWG_SECRETARIAT, 302),
        (Role.ADMINISTRATOR, 200),
    ],
)
def test_only_administrators_reach_the_reports_admin(client, role, status):
    client.force_login(user_with_role(role))
    response = client.get(CHANGELIST)
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/admin/login/")
