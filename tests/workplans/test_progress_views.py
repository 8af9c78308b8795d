"""Progress pages through the Django test client: counterparts report, managers verify or
return; every refusal leaves the data as it was; field errors land on their fields; a stale
form is refused; evidence is served only to who may see it; e-mails go on commit; the
queue, "my activities" and the project page cost the same queries for 1 and 5 rows."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations.models import Role
from tests.factories import (
    AllocationFactory,
    DonorFactory,
    FundingAgreementFactory,
    IndicatorFactory,
    OutcomeFactory,
    OutputFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    ProvinceFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    user_with_role,
)
from tests.workplans import (
    approved_version,
    counterpart,
    counterpart_user,
    planned_activity,
    punjab,
    sindh,
    snapshot,
)
from workplans import services
from workplans.models import (
    AchievedValue,
    EvidenceFile,
    ProgressTransition,
    ProgressUpdate,
)
from workplans.selectors_results import indicator_progress, late_activities

pytestmark = pytest.mark.django_db

State = ProgressUpdate.State
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


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


def form_url(activity, quarter: int = 2) -> str:
    return reverse("workplans:progress-form", args=[activity.pk, quarter])


def review_url(update) -> str:
    return reverse("workplans:review-detail", args=[update.pk])


def cell(indicator, sex: str = "", province: str | None = None) -> str:
    return f"value__{indicator.pk}__{sex or 'all'}__{province or 'all'}"


def form_data(activity, *, revision=0, action="save", **overrides) -> dict:
    data = {
        "status": "on_track",
        "percent_complete": "40",
        "narrative": "First course held in Lahore.",
        "challenges": "",
        "revision": str(revision),
        "action": action,
        cell(activity.plain): "1",
        cell(activity.trained, "female", "PK-PB"): "12",
        cell(activity.trained, "male", "PK-PB"): "18",
        cell(activity.trained, "female", "PK-SD"): "",
        cell(activity.trained, "male", "PK-SD"): "3",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def saved_values(update) -> list[tuple]:
    return sorted(
        (v.indicator.code, v.sex, v.province_id or "", v.value) for v in update.values.all()
    )


def state_of(update) -> tuple:
    """What a refused request must leave alone."""
    update.refresh_from_db()
    return (
        update.state,
        update.revision,
        update.percent_complete,
        saved_values(update),
        ProgressTransition.objects.filter(update=update).count(),
    )


def draft(activity, user, **overrides) -> ProgressUpdate:
    arguments = {
        "activity": activity,
        "quarter": 2,
        "user": user,
        "status": "on_track",
        "percent_complete": 40,
        "values": [(activity.plain, "", None, Decimal("1"))],
    }
    arguments.update(overrides)
    return services.progress_update_save(**arguments)


def submitted(activity, user, **overrides) -> ProgressUpdate:
    return services.progress_update_submit(update=draft(activity, user, **overrides), user=user)


def verified(activity, user, manager, **overrides) -> ProgressUpdate:
    update = submitted(activity, user, **overrides)
    return services.progress_update_verify(update=update, user=manager)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


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


# --- Two people on one update -------------------------------------------------------------


def test_the_second_of_two_saves_is_refused_with_who_saved_and_when(
    client, activity, reporter, colleague
):
    draft(activity, reporter)  # revision 1, opened by both
    client.force_login(colleague)
    assert (
        client.post(
            form_url(activity),
            form_data(activity, revision=1, percent_complete="70", narrative="Second course."),
        ).status_code
        == 302
    )
    update = ProgressUpdate.objects.get()
    kept = state_of(update)
    saved_at = timezone.localtime(update.history.latest().history_date)

    client.force_login(reporter)
    response = client.post(
        form_url(activity),
        form_data(activity, revision=1, percent_complete="10", narrative="Stale text."),
    )

    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        f"Bilal Aziz saved this update at {saved_at:%H:%M} after you opened it; your changes "
        "were not saved — reload to see theirs."
    ]
    html = response.content.decode()
    assert "Stale text." in html  # what the reporter typed is still on the page to copy
    assert state_of(update) == kept
    assert update.narrative == "Second course."


def test_two_people_starting_the_same_new_update_do_not_overwrite_each_other(
    client, activity, reporter, colleague
):
    client.force_login(colleague)
    assert client.post(form_url(activity), form_data(activity, revision=0)).status_code == 302
    update = ProgressUpdate.objects.get()
    kept = state_of(update)
    client.force_login(reporter)
    response = client.post(
        form_url(activity), form_data(activity, revision=0, percent_complete="5")
    )
    assert response.status_code == 409
    assert "Bilal Aziz saved this update at" in response.context["form"].non_field_errors()[0]
    assert state_of(update) == kept


# --- Nobody makes a transition they may not make -------------------------------------------


def test_a_counterpart_cannot_verify_or_return_its_own_update(client, activity, reporter):
    update = submitted(activity, reporter)
    before, rows = state_of(update), snapshot()
    client.force_login(reporter)
    for action in ("verify", "return"):
        response = client.post(review_url(update), {"action": action, "comment": "Fine."})
        assert response.status_code == 403
    assert state_of(update) == before
    assert snapshot() == rows


@pytest.mark.parametrize("role", [Role.EWG_SECRETARIAT, Role.ADMINISTRATOR])
def test_only_programme_managers_verify(client, activity, reporter, role):
    update = submitted(activity, reporter)
    before = state_of(update)
    client.force_login(user_with_role(role))
    response = client.post(review_url(update), {"action": "verify"})
    assert response.status_code == 403
    assert state_of(update) == before


@pytest.mark.parametrize("who", ["donor", "secretariat", "manager", "outsider"])
def test_only_the_lead_counterpart_edits(
    client, activity, reporter, manager, outsider, project_donor, who
):
    update = draft(activity, reporter)
    user = {
        "donor": project_donor,
        "secretariat": user_with_role(Role.EWG_SECRETARIAT, username="sec"),
        "manager": manager,
        "outsider": outsider,
    }[who]
    before, rows = state_of(update), snapshot()
    client.force_login(user)
    assert client.get(form_url(activity)).status_code == 403
    response = client.post(
        form_url(activity), form_data(activity, revision=1, percent_complete="99")
    )
    assert response.status_code == 403
    data = form_data(activity, revision=1, action="submit")
    assert client.post(form_url(activity), data).status_code == 403
    assert state_of(update) == before
    assert snapshot() == rows


def test_a_donor_of_another_project_does_not_even_see_the_activity(
    client, activity, reporter, other_donor
):
    draft(activity, reporter)
    before = snapshot()
    client.force_login(other_donor)
    assert client.get(form_url(activity)).status_code == 404
    assert client.post(form_url(activity), form_data(activity, revision=1)).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("state", ["submitted", "verified"])
def test_nobody_edits_a_submitted_or_verified_update(client, activity, reporter, manager, state):
    update = submitted(activity, reporter)
    if state == "verified":
        update = services.progress_update_verify(update=update, user=manager)
    before, rows = state_of(update), snapshot()
    client.force_login(reporter)
    page = client.get(form_url(activity))
    assert 'data-testid="progress-form"' not in page.content.decode()
    response = client.post(
        form_url(activity),
        form_data(activity, revision=update.revision, percent_complete="100", status="completed"),
    )
    assert response.status_code == 400
    if state == "submitted":
        why = "submitted and waits for a programme manager's verification; it cannot be edited now"
    else:
        on = timezone.localtime(update.verified_at).strftime("%d %b %Y")
        name = manager.get_full_name() or manager.get_username()
        why = f"verified by {name} on {on}; its figures count in reports and can no longer change"
    message = f"The Q2 update of {activity.code} is {why}."
    assert response.context["form"].non_field_errors() == [message]
    # The page, before the post, said the same and offered no form.
    assert message.replace("'", "&#x27;") in page.content.decode()
    assert state_of(update) == before
    assert snapshot() == rows


def test_a_verified_update_cannot_be_verified_or_returned_again(
    client, activity, reporter, manager
):
    update = verified(activity, reporter, manager)
    before = state_of(update)
    client.force_login(manager)
    for action in ("verify", "return"):
        response = client.post(review_url(update), {"action": action, "comment": "Again."})
        assert response.status_code == 400
    assert state_of(update) == before


# --- Review: verify and return -------------------------------------------------------------


def test_the_review_page_shows_what_the_author_entered_with_its_evidence(
    client, activity, reporter, manager
):
    update = draft(
        activity,
        reporter,
        narrative="Course held in Lahore.",
        challenges="Visas delayed.",
        values=[(activity.trained, "female", punjab(), Decimal("12"))],
    )
    evidence = services.evidence_attach(
        update=update,
        user=reporter,
        uploaded_file=SimpleUploadedFile("attendance.pdf", PDF, "application/pdf"),
    )
    services.progress_update_submit(update=update, user=reporter)
    client.force_login(manager)
    response = client.get(review_url(update))
    html = response.content.decode()
    for text in ("Course held in Lahore.", "Visas delayed.", "I-TRAINED", "Punjab", "40%"):
        assert text in html
    assert reverse("workplans:evidence-download", args=[evidence.pk]) in html
    assert 'value="verify"' in html
    assert 'value="return"' in html


def test_a_manager_verifies_a_submitted_update(client, activity, reporter, manager):
    update = submitted(activity, reporter)
    client.force_login(manager)
    response = client.post(review_url(update), {"action": "verify"})
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.state, update.verified_by) == (State.VERIFIED, manager)


def test_a_return_needs_a_comment_on_the_comment_field(client, activity, reporter, manager):
    update = submitted(activity, reporter)
    before = state_of(update)
    client.force_login(manager)
    response = client.post(review_url(update), {"action": "return", "comment": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "comment": ["Say what the counterpart should change."]
    }
    assert state_of(update) == before


def test_a_return_emails_the_author_and_the_comment_shows_on_the_form(
    client, activity, reporter, colleague, manager, django_capture_on_commit_callbacks
):
    update = submitted(activity, reporter)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            review_url(update), {"action": "return", "comment": "Give Sindh figures by sex."}
        )
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.state, update.review_comment) == (State.RETURNED, "Give Sindh figures by sex.")
    assert [m.to for m in mail.outbox] == [[reporter.email]]
    assert "Give Sindh figures by sex." in mail.outbox[0].body
    assert f"http://testserver{form_url(activity)}" in mail.outbox[0].body

    client.force_login(colleague)
    page = client.get(form_url(activity))
    html = page.content.decode()
    assert 'data-testid="return-comment"' in html
    assert "Give Sindh figures by sex." in html
    assert 'data-testid="progress-form"' in html  # returned: editable again
    transitions = page.context["transitions"]
    assert [(t.from_state, t.to_state, t.by, t.comment) for t in transitions] == [
        ("draft", "submitted", reporter, ""),
        ("submitted", "returned", manager, "Give Sindh figures by sex."),
    ]


# --- Evidence: uploaded through the form, served only to who may see it -----------------------


@pytest.fixture
def evidence(client, activity, reporter):
    client.force_login(reporter)
    data = form_data(activity)
    data["evidence"] = SimpleUploadedFile("attendance sheet.pdf", PDF, "text/plain")
    assert client.post(form_url(activity), data).status_code == 302
    client.logout()
    return EvidenceFile.objects.get()


@pytest.mark.parametrize(
    ("files", "said"),
    [
        (1, "Draft saved and 1 file attached. Submit it when it is complete."),
        (2, "Draft saved and 2 files attached. Submit it when it is complete."),
    ],
)
def test_saving_a_draft_counts_the_files_attached_in_good_english(
    client, activity, reporter, files, said
):
    client.force_login(reporter)
    data = form_data(activity)
    data["evidence"] = [
        SimpleUploadedFile(f"sheet {n}.pdf", PDF, "application/pdf") for n in range(files)
    ]

    response = client.post(form_url(activity), data, follow=True)

    assert [str(m) for m in response.context["messages"]] == [said]
    assert EvidenceFile.objects.count() == files


def test_evidence_is_checked_by_content_and_stored_under_media_root(evidence, reporter):
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        "attendance sheet.pdf",
        "application/pdf",
        len(PDF),
    )
    assert evidence.uploaded_by == reporter
    path = Path(evidence.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert path.read_bytes() == PDF
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", path.name)  # never the user's file name


@pytest.mark.parametrize("who", ["colleague", "manager"])
def test_evidence_is_served_to_the_authors_organisation_and_managers(
    client, evidence, colleague, manager, who
):
    client.force_login({"colleague": colleague, "manager": manager}[who])
    response = client.get(reverse("workplans:evidence-download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == ('attachment; filename="attendance sheet.pdf"')
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("who", ["other_donor", "outsider", "project_donor"])
def test_evidence_is_a_404_to_others(client, evidence, request, who):
    # The project's own donor sees an update's evidence only once it is verified.
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("workplans:evidence-download", args=[evidence.pk]))
    assert response.status_code == 404


def test_the_projects_donor_gets_the_evidence_of_a_verified_update(
    client, evidence, reporter, manager, project_donor
):
    update = services.progress_update_submit(update=evidence.update, user=reporter)
    services.progress_update_verify(update=update, user=manager)
    client.force_login(project_donor)
    response = client.get(reverse("workplans:evidence-download", args=[evidence.pk]))
    assert response.status_code == 200


def test_evidence_is_removed_only_while_the_update_is_editable(
    client, evidence, reporter, outsider
):
    delete_url = reverse("workplans:evidence-delete", args=[evidence.pk])
    client.force_login(outsider)
    assert client.post(delete_url).status_code == 404
    client.force_login(reporter)
    services.progress_update_submit(update=evidence.update, user=reporter)
    assert client.post(delete_url).status_code == 302
    assert EvidenceFile.objects.filter(pk=evidence.pk).exists()


# --- The review queue -----------------------------------------------------------------------


def test_the_queue_lists_submitted_updates_and_filters_them(client, reporter, manager, lead):
    islamabad = ProvinceFactory(code="PK-IS", name="Islamabad")
    sp1 = SubProgrammeFactory(code="SP-I", title="Border management")
    in_punjab = planned_activity(approved_version(), lead=lead, code="A-PB")
    in_punjab.provinces.set([punjab(), islamabad])
    in_sindh = planned_activity(approved_version(), lead=counterpart("CTD-SD"), code="A-SD")
    in_sindh.provinces.set([sindh()])
    border = planned_activity(
        approved_version(workplan=WorkplanFactory(sub_programme=sp1)), lead=lead, code="A-BM"
    )
    for activity in (in_punjab, in_sindh, border):
        ProgressUpdateFactory(activity=activity, state=State.SUBMITTED, submitted_at=timezone.now())
    ProgressUpdateFactory(activity=in_punjab, quarter=1, state=State.DRAFT)
    ProgressUpdateFactory(activity=in_sindh, quarter=1, state=State.VERIFIED)
    client.force_login(manager)
    url = reverse("workplans:review-list")

    def listed(query: str = "") -> list[str]:
        response = client.get(url + query)
        assert response.status_code == 200
        return sorted(u.activity.code for u in response.context["updates"])

    assert listed() == ["A-BM", "A-PB", "A-SD"]
    assert listed("?province=PK-PB") == ["A-PB"]
    assert listed("?province=PK-IS") == ["A-PB"]
    assert listed(f"?sub_programme={sp1.pk}") == ["A-BM"]
    assert listed(f"?counterpart={lead.pk}") == ["A-BM", "A-PB"]
    assert listed(f"?counterpart={lead.pk}&province=PK-SD") == []


@pytest.mark.parametrize("role", [Role.COUNTERPART_STAFF, Role.DONOR_VIEWER, Role.EWG_SECRETARIAT])
def test_only_managers_open_the_queue(client, role):
    client.force_login(user_with_role(role))
    assert client.get(reverse("workplans:review-list")).status_code == 403


def test_queue_query_count_is_the_same_for_1_and_5_updates(client, manager):
    client.force_login(manager)
    url = reverse("workplans:review-list")

    def add(n: int) -> None:
        for i in range(n):
            activity = planned_activity(approved_version(), lead=counterpart(f"CTD-{i}"))
            activity.provinces.set([punjab(), sindh()])
            ProgressUpdateFactory(
                activity=activity, state=State.SUBMITTED, submitted_at=timezone.now()
            )

    add(1)
    one = count_queries(client, url)
    add(4)
    assert len(client.get(url).context["updates"]) == 5
    assert count_queries(client, url) == one


# --- My activities --------------------------------------------------------------------------


def _months_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


@pytest.fixture
def running_version():
    """A workplan whose first quarter ended last month and whose second is under way."""
    start = _months_before(timezone.localdate(), 4)
    workplan = WorkplanFactory(
        period_start=start, period_end=_months_before(start, -12) - datetime.timedelta(days=1)
    )
    return approved_version(workplan=workplan)


def test_my_activities_shows_what_is_due_late_returned_and_reported(
    client, running_version, lead, reporter, manager
):
    def activity(code: str):
        return planned_activity(running_version, lead=lead, code=code)

    nothing, drafted, returned, sent, done = (activity(c) for c in ("A1", "A2", "A3", "A4", "A5"))
    planned_activity(running_version, lead=counterpart("CTD-SD"), code="A9")  # not theirs
    draft(drafted, reporter, quarter=1)
    update = submitted(returned, reporter, quarter=1)
    services.progress_update_return(update=update, user=manager, comment="Add the Q1 list.")
    submitted(sent, reporter, quarter=1)
    verified(done, reporter, manager, quarter=1, status="completed", percent_complete=100)
    client.force_login(reporter)

    response = client.get(reverse("workplans:my-activities"))

    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g.quarter.number for g in groups] == [2, 1]  # latest quarter first
    assert [(r.activity.code, r.situation, r.late) for r in groups[1].rows] == [
        ("A3", "returned", True),
        ("A1", "late", True),
        ("A2", "draft", True),
        ("A4", "submitted", False),
        ("A5", "verified", False),
    ]
    # A5 was reported completed: nothing more is due for it.
    assert [(r.activity.code, r.situation) for r in groups[0].rows] == [
        ("A1", "due"),
        ("A2", "due"),
        ("A3", "due"),
        ("A4", "due"),
    ]
    assert dict((name, count) for name, _, count in response.context["counts"]) == {
        "returned": 1,
        "late": 3,
        "due": 4,
        "draft": 1,
        "submitted": 1,
        "verified": 1,
    }
    html = response.content.decode()
    assert "Add the Q1 list." in html
    assert form_url(nothing, 2) in html
    assert "A9" not in html
    assert 'href="/workplans/my-activities/"' in html  # the menu entry


@pytest.mark.parametrize("role", [Role.PROGRAMME_MANAGER, Role.DONOR_VIEWER])
def test_my_activities_is_for_counterpart_staff(client, role):
    client.force_login(user_with_role(role))
    assert client.get(reverse("workplans:my-activities")).status_code == 403


def test_my_activities_query_count_is_the_same_for_1_and_5_updates(
    client, running_version, lead, reporter
):
    client.force_login(reporter)
    url = reverse("workplans:my-activities")

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            activity = planned_activity(running_version, lead=lead, code=f"A{i}")
            activity.provinces.set([punjab()])
            draft(activity, reporter, quarter=1)

    add(1, 1)
    one = count_queries(client, url)
    add(4, 2)
    assert len(client.get(url).context["groups"][1].rows) == 5
    assert count_queries(client, url) == one


# --- Verified figures on the project page ---------------------------------------------------


@pytest.fixture
def results(activity, reporter, colleague, manager, project):
    """I-TRAINED (baseline 0, target 100) of `activity`: verified Q1 female/male in
    Punjab; verified Q2 with a total and its breakdown; a submitted Q3 that must not count.
    Q4 is over and was never reported: late."""
    trained, pb, sd = activity.trained, punjab(), sindh()
    verified(
        activity,
        reporter,
        manager,
        quarter=1,
        values=[(trained, "female", pb, Decimal("5")), (trained, "male", pb, Decimal("7"))],
    )
    verified(
        activity,
        reporter,
        manager,
        quarter=2,
        values=[
            (trained, "", None, Decimal("20")),
            (trained, "female", sd, Decimal("8")),
            (trained, "male", sd, Decimal("12")),
            (activity.plain, "", None, Decimal("2")),
        ],
    )
    submitted(activity, colleague, quarter=3, values=[(trained, "", None, Decimal("50"))])
    return activity


def test_indicator_progress_sums_verified_values_per_quarter_in_one_query(
    results, project, django_assert_num_queries
):
    trained, plain = results.trained, results.plain
    with django_assert_num_queries(1):
        progress = indicator_progress(
            indicator_ids=[trained.pk, plain.pk, 999_999], project=project
        )
    assert [(q.label, q.value) for q in progress[trained.pk].quarters] == [
        ("Q1 (Jul-Sep 2022)", Decimal("12")),
        ("Q2 (Oct-Dec 2022)", Decimal("20")),  # the total, not total + breakdown
    ]
    assert progress[trained.pk].cumulative == Decimal("32")
    assert progress[trained.pk].share_of_target(Decimal("0"), Decimal("100")) == Decimal("32")
    assert progress[plain.pk].cumulative == Decimal("2")
    assert progress[999_999].cumulative == 0
    other = ProjectFactory(code="P-ELSE")
    assert indicator_progress(indicator_ids=[trained.pk], project=other)[trained.pk].cumulative == 0
    everywhere = indicator_progress(indicator_ids=[trained.pk])
    assert everywhere[trained.pk].cumulative == Decimal("32")


def test_late_activities_lists_ended_quarters_without_a_submitted_update(results, project):
    late = late_activities(project=project, today=timezone.localdate())
    assert [(entry.activity.code, [q.number for q in entry.quarters]) for entry in late] == [
        (results.code, [4])
    ]
    assert late_activities(project=project, today=datetime.date(2023, 3, 1)) == []


def test_project_page_shows_verified_figures_against_the_target_and_late_activities(
    client, results, project, manager
):
    client.force_login(manager)
    response = client.get(reverse("projects:project-detail", args=[project.code]))
    assert response.status_code == 200
    html = response.content.decode()
    achieved = re.search(r'data-testid="achieved-I-TRAINED">(.*?)</td>', html, re.S).group(1)
    assert "<strong>32</strong>" in achieved
    assert "Q1 (Jul-Sep 2022): 12" in achieved
    assert "Q2 (Oct-Dec 2022): 20" in achieved
    bar = re.search(r'data-testid="progress-I-TRAINED">(.*?)</td>', html, re.S).group(1)
    assert '<progress class="result-progress" max="100" value="32"' in bar
    assert "<strong>32%</strong> of target · now 32 of 100" in bar
    late = re.search(r'data-testid="late-activities">(.*?)</div>', html, re.S).group(1)
    assert results.code in late
    assert "Q4 (Apr-Jun 2023)" in late


def test_project_page_query_count_does_not_grow_with_indicators_and_activities(client, manager):
    def build(n: int):
        project = ProjectFactory()
        outcome = OutcomeFactory(sub_programme=project.sub_programme, project=project)
        lead = counterpart("CTD-PB")
        reporter = counterpart_user(lead, username=f"r-{project.code}")
        version = approved_version()
        for _ in range(n):
            activity = planned_activity(
                version, lead=lead, project=project, output=OutputFactory(outcome=outcome)
            )
            verified(activity, reporter, manager, quarter=1)
        return project

    client.force_login(manager)
    small, large = build(1), build(5)
    url = "projects:project-detail"
    large_page = client.get(reverse(url, args=[large.code]))
    assert len(large_page.context["late_activities"]) == 5
    assert len([v for v in large_page.context["indicator_progress"].values() if v.cumulative]) == 5
    assert count_queries(client, reverse(url, args=[small.code])) == count_queries(
        client, reverse(url, args=[large.code])
    )


def test_only_verified_values_count(results, project):
    submitted_total = AchievedValue.objects.filter(update__state=State.SUBMITTED).get()
    assert submitted_total.value == Decimal("50")
    progress = indicator_progress(indicator_ids=[results.trained.pk], project=project)
    assert progress[results.trained.pk].cumulative == Decimal("32")
