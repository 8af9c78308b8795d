"""E-mails about progress updates, sent only once the change that prompts them is committed
(a rolled-back submission or return sends nothing).

Called by the progress services themselves (submission, return, and the approval of a
revision for the updates it moves or closes), never by an interface: a page, the API or a
script making the same change sends the same e-mails. Links start with the `base_url` the
service was given (the address the request came to), else settings.PORTAL_BASE_URL. A
failing mail server is logged and never undoes or breaks the change itself.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse

from organisations.models import Role
from workplans.models import ProgressUpdate, WorkplanVersion

logger = logging.getLogger(__name__)

_silenced: ContextVar[bool] = ContextVar("progress_notifications_silenced", default=False)


@contextmanager
def silenced() -> Iterator[None]:
    """No progress e-mail for the changes made inside: for replaying what happened long ago
    (the demo data), where nobody is to be told anything today."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def _after_commit(send) -> None:
    if not _silenced.get():
        transaction.on_commit(send)


def progress_update_submitted_notify(*, update: ProgressUpdate, base_url: str = "") -> None:
    """Tell every active programme manager that an update awaits verification."""
    _after_commit(partial(_send_submitted, update.pk, _base(base_url)))


def progress_update_returned_notify(*, update: ProgressUpdate, base_url: str = "") -> None:
    """Tell the update's author it was returned, with the reviewer's comment."""
    _after_commit(partial(_send_returned, update.pk, _base(base_url)))


def progress_carried_notify(
    *, updates: list[tuple[ProgressUpdate, bool, str]], version: WorkplanVersion
) -> None:
    """Tell one author what the approval of `version` did to their open updates, each
    (update, moved, notice): moved to it, with where to finish them, or closed, with why."""
    items = [(update.pk, moved, notice) for update, moved, notice in updates]
    _after_commit(partial(_send_carried, items, version.pk))


def _base(base_url: str) -> str:
    """The portal's address without its trailing slash; a path is appended to it."""
    return (base_url or getattr(settings, "PORTAL_BASE_URL", "")).rstrip("/")


def _form_url(base: str, update: ProgressUpdate) -> str:
    return base + reverse("workplans:progress-form", args=[update.activity_id, update.quarter])


def _update(pk: int) -> ProgressUpdate:
    return ProgressUpdate.objects.select_related(
        "activity__version__workplan", "activity__lead_counterpart", "author"
    ).get(pk=pk)


def _title(update: ProgressUpdate) -> str:
    activity = update.activity
    return f"{activity.version.workplan.code} {activity.code} Q{update.quarter}"


def _send(messages: list[EmailMessage]) -> None:
    if not messages:
        return
    try:
        get_connection().send_messages(messages)
    except Exception:  # a mail outage must not turn a committed change into an error page
        logger.exception("Could not send %d progress e-mail(s)", len(messages))


def _send_submitted(pk: int, base: str) -> None:
    update = _update(pk)
    review_url = base + reverse("workplans:review-detail", args=[update.pk])
    managers = (
        get_user_model()
        .objects.filter(is_active=True, membership__role=Role.PROGRAMME_MANAGER)
        .exclude(email="")
        .order_by("pk")
    )
    author = update.author.get_full_name() or update.author.get_username()
    subject = f"Progress to verify: {_title(update)}"
    body = (
        f"{author} ({update.activity.lead_counterpart.short_name}) submitted the progress "
        f"update for Q{update.quarter} of activity {update.activity.code} "
        f'"{update.activity.title}" ({update.activity.version.workplan.code}).\n\n'
        f"Status: {update.get_status_display()}, {update.percent_complete}% complete.\n\n"
        f"Verify it or return it with comments:\n{review_url}\n"
    )
    # One message per manager: recipients do not see each other's addresses.
    _send([EmailMessage(subject, body, to=[manager.email]) for manager in managers])


def _send_returned(pk: int, base: str) -> None:
    update = _update(pk)
    if not update.author.email:
        return
    form_url = _form_url(base, update)
    subject = f"Progress returned with comments: {_title(update)}"
    body = (
        f"Your progress update for Q{update.quarter} of activity {update.activity.code} "
        f'"{update.activity.title}" was returned with this comment:\n\n'
        f"{update.review_comment}\n\n"
        f"Correct it and submit it again:\n{form_url}\n"
    )
    _send([EmailMessage(subject, body, to=[update.author.email])])


def _send_carried(items: list[tuple[int, bool, str]], version_id: int) -> None:
    updates = ProgressUpdate.objects.select_related("activity", "author").in_bulk(
        [pk for pk, _, _ in items]
    )
    if not updates:
        return
    author = next(iter(updates.values())).author
    if not author.email:
        return
    version = WorkplanVersion.objects.select_related("workplan", "decided_by_meeting").get(
        pk=version_id
    )
    # No request here (the admin and the API approve too): links use the configured address.
    base = _base("")
    lines = []
    for pk, moved, notice in items:
        update = updates[pk]
        link = _form_url(base, update)
        what = "moved: finish it there" if moved else "closed"
        lines.append(f"- {update.activity.code} Q{update.quarter}, {what}\n  {notice}\n  {link}")
    workplan = version.workplan.code
    closed = any(not moved for _, moved, _ in items)
    subject = (
        f"Progress closed by a revision: {workplan} v{version.number}"
        if closed
        else f"Progress moved to the revision: {workplan} v{version.number}"
    )
    by = f" by {version.decided_by_meeting}" if version.decided_by_meeting else ""
    body = (
        f"Version {version.number} of {workplan} was approved{by}. This is what it did to "
        "your progress updates that were not yet verified:\n\n" + "\n\n".join(lines) + "\n"
    )
    _send([EmailMessage(subject, body, to=[author.email])])
