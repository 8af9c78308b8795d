"""Progress pages through the Django test client: counterparts report, managers verify or
return; every refusal leaves the data as it was; field errors land on their fields; a stale
form is refused; evidence is served only to who may see it; e-mails go on commit; the
queue, "my activities" and the project page cost the same queries for 1 and 5 rows."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from organisations.models import Role
from tests.factories import (
    IndicatorFactory,
    WorkplanFactory,
    user_with_role,
)
from tests.workplans import (
    approved_version,
    planned_activity,
    snapshot,
)
from tests.workplans.progress_views_support import (
    State,
    cell,
    draft,
    form_data,
    form_url,
    review_url,
    saved_values,
    state_of,
)
from workplans.models import (
    ProgressUpdate,
)

pytestmark = pytest.mark.django_db


# --- Reporting through the form ----------------------------------------------------------


def test_the_form_offers_one_input_per_indicator_sex_and_province(client, activity, reporter):
    client.force_login(reporter)
    response = client.get(form_url(activity))
    assert response.status_code == 200
    fields = response.context["form"].fields
    assert sorted(name for name in fields if name.startswith("value__")) == sorted(
        [
            cell(activity.plain),
            cell(activity.trained, "female", "PK-PB"),
            cell(activity.trained, "male", "PK-PB"),
            cell(activity.trained, "female", "PK-SD"),
            cell(activity.trained, "male", "PK-SD"),
        ]
    )
    html = response.content.decode()
    assert 'name="revision" value="0"' in html
    assert "Save draft" in html
    assert "Submit for verification" in html


def test_the_lead_counterpart_saves_a_draft_from_the_form(client, activity, reporter):
    client.force_login(reporter)
    response = client.post(form_url(activity), form_data(activity))
    assert response.status_code == 302
    assert response["Location"] == form_url(activity)
    update = ProgressUpdate.objects.get()
    assert (update.state, update.revision, update.author, update.percent_complete) == (
        State.DRAFT,
        1,
        reporter,
        40,
    )
    assert saved_values(update) == [
        ("I-PLAIN", "", "", Decimal("1")),
        ("I-TRAINED", "female", "PK-PB", Decimal("12")),
        ("I-TRAINED", "male", "PK-PB", Decimal("18")),
        ("I-TRAINED", "male", "PK-SD", Decimal("3")),
    ]
    page = client.get(form_url(activity))
    assert 'name="revision" value="1"' in page.content.decode()
    assert page.context["form"][cell(activity.trained, "female", "PK-PB")].value() == "12"


def test_submit_saves_submits_and_emails_every_active_manager(
    client, activity, reporter, django_capture_on_commit_callbacks
):
    first = user_with_role(Role.PROGRAMME_MANAGER, username="pm1")
    second = user_with_role(Role.PROGRAMME_MANAGER, username="pm2")
    away = user_with_role(Role.PROGRAMME_MANAGER, username="pm3")
    away.is_active = False
    away.save()
    user_with_role(Role.EWG_SECRETARIAT, username="ewg-not-told")
    client.force_login(reporter)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_url(activity), form_data(activity, action="submit"))

    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert (update.state, update.revision) == (State.SUBMITTED, 2)
    assert list(update.transitions.values_list("from_state", "to_state", "by")) == [
        ("draft", "submitted", reporter.pk)
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [first.email, second.email]
    message = mail.outbox[0]
    assert (
        message.subject
        == f"Progress to verify: {activity.version.workplan.code} {activity.code} Q2"
    )
    assert f"http://testserver{review_url(update)}" in message.body
    assert "Amna Khan (CTD-PB)" in message.body


def test_nothing_is_sent_when_the_submission_is_refused(
    client, activity, reporter, manager, django_capture_on_commit_callbacks
):
    client.force_login(reporter)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            form_url(activity), form_data(activity, action="submit", percent_complete="101")
        )
    assert response.status_code == 400
    assert mail.outbox == []
    assert not ProgressUpdate.objects.exists()


# --- Field errors: 400, the error on its field, nothing saved ----------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"VALUE": "-1"}, "VALUE", "An achieved value cannot be negative."),
        ({"VALUE": "many"}, "VALUE", "Enter a number."),
        # Persons trained are counted: whole numbers only, said beside the box.
        (
            {"VALUE": "12.5"},
            "VALUE",
            "I-TRAINED counts persons: the value achieved must be a whole number, not 12.5.",
        ),
        ({"percent_complete": "101"}, "percent_complete", "must be from 0 to 100"),
        ({"percent_complete": "-5"}, "percent_complete", "must be from 0 to 100"),
        ({"percent_complete": ""}, "percent_complete", "This field is required."),
        (
            {"status": "completed", "percent_complete": "60"},
            "percent_complete",
            "A completed activity is 100% complete, not 60%.",
        ),
        ({"status": "finished"}, "status", "Select a valid choice."),
    ],
)
def test_a_bad_input_is_an_error_on_its_field_and_nothing_is_saved(
    client, activity, reporter, overrides, field, message
):
    value_cell = cell(activity.trained, "male", "PK-SD")
    overrides = {(value_cell if k == "VALUE" else k): v for k, v in overrides.items()}
    field = value_cell if field == "VALUE" else field
    client.force_login(reporter)
    before = snapshot()

    response = client.post(form_url(activity), form_data(activity, **overrides))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert snapshot() == before


def test_a_count_written_with_zero_decimals_is_saved_as_a_whole_number(client, activity, reporter):
    client.force_login(reporter)
    data = form_data(activity, **{cell(activity.trained, "male", "PK-SD"): "3.00"})

    assert client.post(form_url(activity), data).status_code == 302

    update = ProgressUpdate.objects.get()
    assert ("I-TRAINED", "male", "PK-SD", Decimal("3")) in saved_values(update)


def test_a_bad_value_of_an_existing_draft_keeps_the_draft_as_it_was(client, activity, reporter):
    update = draft(activity, reporter)
    before = state_of(update)
    client.force_login(reporter)
    response = client.post(
        form_url(activity), form_data(activity, revision=1, **{cell(activity.plain): "-3"})
    )
    assert response.status_code == 400
    assert cell(activity.plain) in response.context["form"].errors
    assert state_of(update) == before


def test_a_value_of_an_indicator_the_activity_does_not_carry_is_refused(client, activity, reporter):
    stranger = IndicatorFactory(code="I-OTHER")
    client.force_login(reporter)
    before = snapshot()
    response = client.post(form_url(activity), form_data(activity, **{cell(stranger): "5"}))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["values"]
    assert errors["values"] == [
        f"{activity.code} has no target on indicator I-OTHER; report only on its own indicators."
    ]
    assert 'data-testid="values-errors"' in response.content.decode()
    assert snapshot() == before


def test_evidence_of_a_type_not_allowed_is_an_error_on_its_field(client, activity, reporter):
    client.force_login(reporter)
    before = snapshot()
    data = form_data(activity)
    data["evidence"] = SimpleUploadedFile("notes.pdf", b"just text, not a PDF", "application/pdf")
    response = client.post(form_url(activity), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["evidence"]
    assert (
        "Only PDF, PNG, JPEG, Word (DOCX) and Excel (XLSX) files are accepted"
        in (errors["evidence"][0])
    )
    assert snapshot() == before
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.*"))


@pytest.mark.parametrize("quarter", [0, 5, 99])
def test_a_quarter_outside_the_workplan_is_a_404(client, activity, reporter, quarter):
    client.force_login(reporter)
    before = snapshot()
    assert client.get(form_url(activity, quarter)).status_code == 404
    assert client.post(form_url(activity, quarter), form_data(activity)).status_code == 404
    assert snapshot() == before


def test_a_quarter_that_has_not_started_is_not_offered_and_cannot_be_saved(client, lead, reporter):
    year = timezone.localdate().year + 2
    workplan = WorkplanFactory(
        period_start=datetime.date(year, 1, 1), period_end=datetime.date(year, 12, 31)
    )
    activity = planned_activity(approved_version(workplan=workplan), lead=lead)
    client.force_login(reporter)
    page = client.get(form_url(activity, 1))
    assert "has not started yet" in page.content.decode()
    assert 'data-testid="progress-form"' not in page.content.decode()
    before = snapshot()
    data = form_data(activity)
    data = {k: v for k, v in data.items() if "PK-" not in k}
    response = client.post(form_url(activity, 1), data)
    assert response.status_code == 400
    assert "has not started yet" in " ".join(response.context["form"].non_field_errors())
    assert snapshot() == before
