"""One use case, one service: submitting, returning, verifying and attaching evidence through
the progress pages or through the API changes the same rows, records the same transitions
and history, sends the same e-mails once committed and keeps the same files. A step that
fails leaves no file on disk and nothing written, whichever way it was asked."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.urls import reverse

from ctportal.exceptions import DomainError
from organisations.models import Role
from tests.api.conftest import client_for
from tests.factories import EwgMeetingFactory, user_with_role
from tests.workplans import approved_version, counterpart, counterpart_user, planned_activity
from tests.workplans import snapshot as workplans_rows
from workplans import services
from workplans.models import EvidenceFile, MeetingDocument, ProgressUpdate
from workplans.services import progress as progress_module

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><script>alert(1)</script>"
COMMENT = "Give the figures of the second course."


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


@pytest.fixture
def other_manager():
    return user_with_role(Role.PROGRAMME_MANAGER, username="pm2")


def form_url(activity) -> str:
    return reverse("workplans:progress-form", args=[activity.pk, 2])


def review_url(update) -> str:
    return reverse("workplans:review-detail", args=[update.pk])


def api_url(update, action: str = "") -> str:
    return f"/api/v1/progress-updates/{update.pk}/" + (f"{action}/" if action else "")


def pdf(name: str = "Attendance sheet.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def draft(activity, reporter) -> ProgressUpdate:
    return services.progress_update_save(
        activity=activity,
        quarter=2,
        user=reporter,
        status="on_track",
        percent_complete=40,
        narrative="First course held in Lahore.",
        values=[(activity.plain, "", None, Decimal("1"))],
    )


def submitted(activity, reporter) -> ProgressUpdate:
    return services.progress_update_submit(update=draft(activity, reporter), user=reporter)


# What the page's form and the API's PATCH both send: the second course, 60% done.
CHANGE = {"status": "on_track", "percent_complete": 60, "narrative": "Second course held."}


def page_form(activity, *, revision: int, action: str, **extra) -> dict:
    return {
        **CHANGE,
        "challenges": "",
        "revision": str(revision),
        "action": action,
        f"value__{activity.plain.pk}__all__all": "2",
        **extra,
    }


def api_change(activity, *, revision: int) -> dict:
    return {
        **CHANGE,
        "expected_revision": revision,
        "values": [{"indicator": activity.plain.pk, "value": "2"}],
    }


# --- Each use case, both ways: (precondition, page, api) --------------------------------


def through_page(client, case, update, *, activity, reporter, manager):
    if case in ("submit", "evidence"):
        client.force_login(reporter)
        action = "submit" if case == "submit" else "save"
        extra = {"evidence": pdf()} if case == "evidence" else {}
        data = page_form(activity, revision=update.revision, action=action, **extra)
        return [client.post(form_url(activity), data).status_code]
    client.force_login(manager)
    data = {"action": case, "comment": COMMENT if case == "return" else ""}
    return [client.post(review_url(update), data).status_code]


def through_api(case, update, *, activity, reporter, manager):
    if case in ("submit", "evidence"):
        api = client_for(reporter)
        change = api.patch(
            api_url(update), api_change(activity, revision=update.revision), format="json"
        )
        if case == "submit":
            return [change.status_code, api.post(api_url(update, "submit")).status_code]
        upload = api.post(api_url(update, "evidence"), {"evidence": pdf()}, format="multipart")
        return [change.status_code, upload.status_code]
    api = client_for(manager)
    body = {"comment": COMMENT} if case == "return" else {}
    return [api.post(api_url(update, case), body, format="json").status_code]


def media_files() -> dict[str, bytes]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def outcome(update: ProgressUpdate, files_before: dict[str, bytes]) -> dict:
    """Everything a use case leaves behind, with the update's own addresses as placeholders
    (each way's update is a row of its own) and each new file by folder, type and content
    (its stored name is random)."""
    update = ProgressUpdate.objects.select_related("verified_by").get(pk=update.pk)
    links = {
        f"http://testserver{review_url(update)}": "<review page>",
        f"http://testserver{form_url(update.activity)}": "<progress form>",
    }

    def placeholders(text: str) -> str:
        for link, placeholder in links.items():
            text = text.replace(link, placeholder)
        return text

    added = {name: data for name, data in media_files().items() if name not in files_before}
    return {
        "update": (
            update.state,
            update.status,
            update.percent_complete,
            update.narrative,
            update.revision,
            update.review_comment,
            update.submitted_at is not None,
            update.verified_at is not None,
            update.verified_by.username if update.verified_by else None,
        ),
        "values": sorted(
            (v.indicator.code, v.sex, v.province_id, v.value) for v in update.values.all()
        ),
        "transitions": [
            (t.from_state, t.to_state, t.by.username, t.comment)
            for t in update.transitions.order_by("pk")
        ],
        "history": [
            (h.history_type, h.history_change_reason, h.history_user.username, h.revision)
            for h in update.history.order_by("history_id")
        ],
        "evidence": [
            (e.original_name, e.content_type, e.size, e.uploaded_by.username)
            for e in update.evidence.order_by("pk")
        ],
        "mails": sorted((m.to[0], m.subject, placeholders(m.body)) for m in mail.outbox),
        "files": sorted(
            (str(Path(name).parent), Path(name).suffix, data) for name, data in added.items()
        ),
        "stored_names_match_rows": sorted(added)
        == sorted(e.file.name for e in update.evidence.all()),
    }


def run_and_forget(case, way, *, client, activity, reporter, manager, capture):
    """The use case on a fresh precondition, rolled back afterwards, so that the other way
    starts from the same world; returns the answers' statuses and what it left behind."""
    with transaction.atomic():
        if case in ("return", "verify"):
            update = submitted(activity, reporter)
        else:
            update = draft(activity, reporter)
        mail.outbox.clear()
        before = media_files()
        with capture(execute=True):
            if way == "page":
                statuses = through_page(
                    client, case, update, activity=activity, reporter=reporter, manager=manager
                )
            else:
                statuses = through_api(
                    case, update, activity=activity, reporter=reporter, manager=manager
                )
        left = outcome(update, before)
        for name in set(media_files()) - set(before):
            (Path(settings.MEDIA_ROOT) / name).unlink()
        transaction.set_rollback(True)
    return statuses, left


EXPECTED_STATE = {
    "submit": ("submitted", "on_track", 60, "Second course held.", 3, "", True, False, None),
    "evidence": ("draft", "on_track", 60, "Second course held.", 2, "", False, False, None),
    "return": (
        "returned",
        "on_track",
        40,
        "First course held in Lahore.",
        3,
        COMMENT,
        True,
        False,
        None,
    ),
    "verify": (
        "verified",
        "on_track",
        40,
        "First course held in Lahore.",
        3,
        "",
        True,
        True,
        "pm1",
    ),
}
EXPECTED_TRANSITIONS = {
    "submit": [("draft", "submitted", "pb-officer", "")],
    "evidence": [],
    "return": [("draft", "submitted", "pb-officer", ""), ("submitted", "returned", "pm1", COMMENT)],
    "verify": [("draft", "submitted", "pb-officer", ""), ("submitted", "verified", "pm1", "")],
}
EXPECTED_HISTORY = {
    "submit": [
        ("+", None, "pb-officer", 1),
        ("~", None, "pb-officer", 2),
        ("~", "Submitted", "pb-officer", 3),
    ],
    "evidence": [("+", None, "pb-officer", 1), ("~", None, "pb-officer", 2)],
    "return": [
        ("+", None, "pb-officer", 1),
        ("~", "Submitted", "pb-officer", 2),
        ("~", "Returned", "pm1", 3),
    ],
    "verify": [
        ("+", None, "pb-officer", 1),
        ("~", "Submitted", "pb-officer", 2),
        ("~", "Verified", "pm1", 3),
    ],
}
STATUSES = {
    "submit": ([302], [200, 200]),
    "evidence": ([302], [200, 201]),
    "return": ([302], [200]),
    "verify": ([302], [200]),
}


@pytest.mark.parametrize("case", ["submit", "evidence", "return", "verify"])
def test_the_page_and_the_api_leave_the_same_rows_history_emails_and_files(
    client, activity, reporter, manager, other_manager, django_capture_on_commit_callbacks, case
):
    ways = {
        way: run_and_forget(
            case,
            way,
            client=client,
            activity=activity,
            reporter=reporter,
            manager=manager,
            capture=django_capture_on_commit_callbacks,
        )
        for way in ("page", "api")
    }
    (page_statuses, page), (api_statuses, api) = ways["page"], ways["api"]

    assert (page_statuses, api_statuses) == STATUSES[case]
    assert page == api
    assert page["update"] == EXPECTED_STATE[case]
    assert page["transitions"] == EXPECTED_TRANSITIONS[case]
    assert page["history"] == EXPECTED_HISTORY[case]
    figures = [("I-PLAIN", "", None, Decimal("2" if case in ("submit", "evidence") else "1"))]
    assert page["values"] == figures
    code = f"{activity.version.workplan.code} {activity.code} Q2"
    if case == "submit":
        assert [(to, subject) for to, subject, _ in page["mails"]] == [
            ("pm1@example.org", f"Progress to verify: {code}"),
            ("pm2@example.org", f"Progress to verify: {code}"),
        ]
        assert all("<review page>" in body for _, _, body in page["mails"])
        assert all("Amna Khan (CTD-PB)" in body for _, _, body in page["mails"])
    elif case == "return":
        [(to, subject, body)] = page["mails"]
        assert (to, subject) == (
            "pb-officer@example.org",
            f"Progress returned with comments: {code}",
        )
        assert COMMENT in body
        assert "<progress form>" in body
    else:
        assert page["mails"] == []
    if case == "evidence":
        assert page["evidence"] == [
            ("Attendance sheet.pdf", "application/pdf", len(PDF), "pb-officer")
        ]
        [(folder, suffix, data)] = page["files"]
        assert (folder.startswith("evidence/"), suffix, data) == (True, ".pdf", PDF)
        assert page["stored_names_match_rows"]
    else:
        assert (page["evidence"], page["files"]) == ([], [])


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
