"""What the workplan pages share: finding the objects a user may see (404 otherwise),
natural ordering of codes, and the answer a form gives when its version is frozen."""

import re

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from organisations import access
from workplans import selectors
from workplans.models import Activity, Workplan, WorkplanVersion


def natural_key(code: str) -> tuple:
    """A2 before A10: digits compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code))


def version_or_404(user, pk) -> WorkplanVersion:
    try:
        return selectors.version_get(user=user, pk=pk)
    except WorkplanVersion.DoesNotExist as exc:
        raise Http404("No such workplan version.") from exc


def activity_or_404(user, pk) -> Activity:
    activity = get_object_or_404(Activity.objects.select_related("version"), pk=pk)
    version_or_404(user, activity.version_id)
    return activity


def workplan_or_404(user, pk) -> Workplan:
    workplan = get_object_or_404(Workplan.objects.select_related("sub_programme__programme"), pk=pk)
    if not selectors.workplan_version_list(user=user).filter(workplan=workplan).exists():
        raise Http404("No such workplan.")
    return workplan


def revision_state(user, version: WorkplanVersion) -> dict:
    """What a page about a frozen version can offer: the version being worked on, the one
    in force, and whether this user may start a revision now."""
    versions = selectors.workplan_version_list(user=user).filter(workplan=version.workplan)
    open_version = versions.filter(status__in=WorkplanVersion.OPEN_STATUSES).first()
    in_force = versions.filter(status=WorkplanVersion.Status.APPROVED).first()
    return {
        "open_version": open_version,
        "in_force": in_force,
        "can_revise": in_force is not None
        and open_version is None
        and access.can_edit_workplans(user),
    }


def frozen_page(request, version: WorkplanVersion):
    """What a form of a frozen version answers instead of the form: why the version cannot
    change and, for managers, where changes can be made."""
    return render(
        request,
        "workplans/version_frozen.html",
        {
            "version": version,
            "workplan": version.workplan,
            **revision_state(request.user, version),
        },
        status=409,
    )
