"""One use case, one service: submitting, returning, verifying and attaching evidence through
the progress pages or through the API changes the same rows, records the same transitions
and history, sends the same e-mails once committed and keeps the same files. A step that
fails leaves no file on disk and nothing written, whichever way it was asked."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError

from ctportal.exceptions import DomainError
from organisations.models import Role
from tests.api.conftest import client_for
from tests.factories import EwgMeetingFactory, user_with_role
from tests.workplans import approved_version, counterpart, counterpart_user, planned_activity
from tests.workplans import snapshot as workplans_rows
from tests.workplans.use_cases_same_everywhere_support import (
    api_url,
    draft,
    form_url,
    media_files,
    page_form,
    pdf,
    review_url,
    submitted,
)
from workplans import services
from workplans.models import EvidenceFile, MeetingDocument
from workplans.services import progress as progress_module

pytestmark = pytest.mark.django_db


HTML = b"<!doctype html><script>alert(1)</script>"


@pytest.fixture
def activity():
    return planned_activity(approved_version(), lead=counterpart("CTD-PB"))


@pytest.fixture
def reporter(activity):
    return counterpart_user(
        activity.lead_counterpart, username="pb-officer", first_name="Amna", last_name="Khan"
    )


@pytest.fixture
def manager():
    return user_with_role(Role.PROGRAMME_MANAGER, username="pm1")


# --- A step that fails: nothing written, no file, no e-mail ------------------------------


def test_a_refused_second_file_on_submit_keeps_neither_file_nor_the_save(
    client, activity, reporter, manager, django_capture_on_commit_callbacks
):
    update = draft(activity, reporter)
    before = workplans_rows()
    client.force_login(reporter)
    data = page_form(activity, revision=1, action="submit")
    data["evidence"] = [pdf(), SimpleUploadedFile("notes.pdf", HTML, content_type="text/html")]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_url(activity), data)

    assert response.status_code == 400
    assert "Only PDF, PNG, JPEG" in response.context["form"].errors["evidence"][0]
    assert workplans_rows() == before
    update.refresh_from_db()
    assert (update.state, update.revision) == ("draft", 1)
    assert media_files() == {}
    assert mail.outbox == []


def test_a_submission_refused_after_the_save_and_its_files_keeps_none_of_them(
    client, activity, reporter, manager, django_capture_on_commit_callbacks, monkeypatch
):
    draft(activity, reporter)
    before = workplans_rows()

    def refuse(**kwargs):
        raise DomainError("Submissions are closed for maintenance.", code="closed")

    # The last step of the page's use case fails after the draft and its file were written.
    monkeypatch.setattr(progress_module, "progress_update_submit", refuse)
    client.force_login(reporter)
    data = page_form(activity, revision=1, action="submit", evidence=pdf())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_url(activity), data)

    assert response.status_code == 400
    assert "Submissions are closed for maintenance." in response.content.decode()
    assert workplans_rows() == before
    assert media_files() == {}
    assert mail.outbox == []


def test_an_api_upload_of_a_refused_type_is_a_400_on_its_field_and_stores_nothing(
    activity, reporter
):
    update = draft(activity, reporter)
    before = workplans_rows()

    response = client_for(reporter).post(
        api_url(update, "evidence"),
        {"evidence": SimpleUploadedFile("notes.pdf", HTML, content_type="application/pdf")},
        format="multipart",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "file_type_not_allowed"
    assert list(error["fields"]) == ["evidence"]
    assert workplans_rows() == before
    assert media_files() == {}


@pytest.mark.parametrize("way", ["page", "api"])
def test_a_second_submission_is_refused_the_same_way_and_tells_nobody(
    client, activity, reporter, manager, django_capture_on_commit_callbacks, way
):
    update = submitted(activity, reporter)
    before = workplans_rows()

    with django_capture_on_commit_callbacks(execute=True):
        if way == "page":
            client.force_login(reporter)
            data = page_form(activity, revision=update.revision, action="submit")
            status = client.post(form_url(activity), data).status_code
        else:
            status = client_for(reporter).post(api_url(update, "submit")).status_code

    # The page refuses the edit that comes with its Submit; the API the submission itself.
    assert status == 400
    assert workplans_rows() == before
    assert mail.outbox == []


def test_an_evidence_row_that_cannot_be_written_takes_its_stored_file_with_it(
    activity, reporter, monkeypatch
):
    update = draft(activity, reporter)
    before = workplans_rows()

    def broken_insert(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(EvidenceFile, "_do_insert", broken_insert)
    with pytest.raises(DatabaseError):
        services.evidence_attach(update=update, user=reporter, uploaded_file=pdf())

    assert workplans_rows() == before
    assert media_files() == {}


def test_a_meeting_document_row_that_cannot_be_written_takes_its_stored_file_with_it(
    manager, monkeypatch
):
    meeting = EwgMeetingFactory()
    before = workplans_rows()

    def broken_insert(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(MeetingDocument, "_do_insert", broken_insert)
    with pytest.raises(DatabaseError):
        services.meeting_document_attach(
            meeting=meeting, user=manager, title="Minutes", uploaded_file=pdf("minutes.pdf")
        )

    assert workplans_rows() == before
    assert media_files() == {}


def test_a_script_that_submits_through_the_service_emails_the_managers_once_committed(
    activity, reporter, manager, django_capture_on_commit_callbacks, settings
):
    update = draft(activity, reporter)

    with django_capture_on_commit_callbacks(execute=True):
        services.progress_update_submit(update=update, user=reporter)

    assert [m.to for m in mail.outbox] == [["pm1@example.org"]]
    # No request to take the address from: the link starts with PORTAL_BASE_URL.
    base = settings.PORTAL_BASE_URL.rstrip("/")
    assert f"\n{base}{review_url(update)}\n" in mail.outbox[0].body
