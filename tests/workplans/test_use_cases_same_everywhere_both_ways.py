"""One use case, one service: submitting, returning, verifying and attaching evidence through
the progress pages or through the API changes the same rows, records the same transitions
and history, sends the same e-mails once committed and keeps the same files. A step that
fails leaves no file on disk and nothing written, whichever way it was asked."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction

from organisations.models import Role
from tests.api.conftest import client_for
from tests.factories import user_with_role
from tests.workplans import approved_version, counterpart, counterpart_user, planned_activity
from tests.workplans.use_cases_same_everywhere_support import (
    CHANGE,
    PDF,
    api_url,
    draft,
    form_url,
    media_files,
    page_form,
    pdf,
    review_url,
    submitted,
)
from workplans.models import ProgressUpdate

pytestmark = pytest.mark.django_db


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
