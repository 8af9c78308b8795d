"""E-mails about progress updates, sent only once the change that prompts them is committed
(a rolled-back submission or return sends nothing).

Called by the views right after the service call, inside the request's transaction. A
failing mail server is logged and never undoes or breaks the change itself.
"""

import logging
from functools import partial

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction

from organisations.models import Role
from workplans.models import ProgressUpdate

logger = logging.getLogger(__name__)


def progress_update_submitted_notify(*, update: ProgressUpdate, review_url: str) -> None:
    """Tell every active programme manager that an update awaits verification."""
    transaction.on_commit(partial(_send_submitted, update.pk, review_url))


def progress_update_returned_notify(*, update: ProgressUpdate, form_url: str) -> None:
    """Tell the update's author it was returned, with the reviewer's comment."""
    transaction.on_commit(partial(_send_returned, update.pk, form_url))


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


def _send_submitted(pk: int, review_url: str) -> None:
    update = _update(pk)
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


def _send_returned(pk: int, form_url: str) -> None:
    update = _update(pk)
    if not update.author.email:
        return
    subject = f"Progress returned with comments: {_title(update)}"
    body = (
        f"Your progress update for Q{update.quarter} of activity {update.activity.code} "
        f'"{update.activity.title}" was returned with this comment:\n\n'
        f"{update.review_comment}\n\n"
        f"Correct it and submit it again:\n{form_url}\n"
    )
    _send([EmailMessage(subject, body, to=[update.author.email])])
