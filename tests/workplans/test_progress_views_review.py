"""Progress pages through the Django test client: counterparts report, managers verify or
return; every refusal leaves the data as it was; field errors land on their fields; a stale
form is refused; evidence is served only to who may see it; e-mails go on commit; the
queue, "my activities" and the project page cost the same queries for 1 and 5 rows."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from organisations.models import Role
from tests.factories import (
    user_with_role,
)
from tests.workplans import (
    punjab,
    snapshot,
)
from tests.workplans.progress_views_support import (
    PDF,
    State,
    draft,
    form_data,
    form_url,
    review_url,
    state_of,
    submitted,
    verified,
)
from workplans import services
from workplans.models import (
    ProgressUpdate,
)

pytestmark = pytest.mark.django_db


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
