"""Reads for EWG meetings: their lists and documents (who sees them is
organisations.access.can_see_meetings), and which meetings may decide on which workplan
versions."""

import datetime
from collections.abc import Mapping

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from organisations import access
from workplans.models import Attendance, EwgMeeting, MeetingDocument, WorkplanVersion

# ?sort= keys of the meetings list: the column, then a tie-break that keeps pages stable.
MEETING_ORDERINGS = {
    "date": ("date", "pk"),
    "sub_programme": ("sub_programme__code", "-date", "-pk"),
    "venue": ("venue", "-date", "-pk"),
    "chair": ("chair", "-date", "-pk"),
}


def _ordering(sort: str, orderings: Mapping[str, tuple[str, ...]], default: str) -> list[str]:
    key = sort.removeprefix("-")
    if key not in orderings:
        key, sort = default.removeprefix("-"), default
    first, *rest = orderings[key]
    if sort.startswith("-"):
        first = first[1:] if first.startswith("-") else f"-{first}"
    return [first, *rest]


def meeting_list(
    *,
    user=None,
    sub_programme_id: int | None = None,
    search: str = "",
    sort: str = "-date",
) -> QuerySet[EwgMeeting]:
    """EWG meetings, newest first, with attendance, decisions and the versions decided.

    user: only what that user may see (nothing for roles that do not see meetings).
    search: words found in the venue, the chair or the sub-programme's code or title.
    sort: a key of MEETING_ORDERINGS, "-" first for descending; anything else is "-date".
    """
    queryset = (
        EwgMeeting.objects.select_related("sub_programme__programme", "chair_organisation")
        .prefetch_related(
            # Joined, not prefetched in turn: a page of meetings costs the same few queries.
            Prefetch("attendances", queryset=Attendance.objects.select_related("organisation")),
            "decisions",
            "documents",
            Prefetch(
                "versions_decided", queryset=WorkplanVersion.objects.select_related("workplan")
            ),
        )
        .order_by(*_ordering(sort, MEETING_ORDERINGS, "-date"))
    )
    if user is not None and not access.can_see_meetings(user):
        return queryset.none()
    if sub_programme_id:
        queryset = queryset.filter(sub_programme_id=sub_programme_id)
    for word in search.split():
        queryset = queryset.filter(
            Q(venue__icontains=word)
            | Q(chair__icontains=word)
            | Q(sub_programme__code__icontains=word)
            | Q(sub_programme__title__icontains=word)
        )
    return queryset


def meeting_get(*, user, pk: int) -> EwgMeeting:
    """One meeting `user` may see; EwgMeeting.DoesNotExist for anyone else."""
    if not access.can_see_meetings(user):
        raise EwgMeeting.DoesNotExist
    return EwgMeeting.objects.select_related("sub_programme__programme", "chair_organisation").get(
        pk=pk
    )


def meeting_document_get(*, user, pk: int) -> MeetingDocument:
    """A document of a meeting `user` may see; MeetingDocument.DoesNotExist otherwise."""
    if not access.can_see_meetings(user):
        raise MeetingDocument.DoesNotExist
    return MeetingDocument.objects.select_related("meeting__sub_programme").get(pk=pk)


def meeting_decision_list(*, version: WorkplanVersion) -> QuerySet[EwgMeeting]:
    """The EWG meetings that may approve or return `version`: meetings of its workplan's
    sub-programme, already held, on or after the day it was submitted. The decision
    services accept exactly these; the decision forms offer exactly these."""
    queryset = EwgMeeting.objects.filter(
        sub_programme_id=version.workplan.sub_programme_id, date__lte=timezone.localdate()
    )
    if version.submitted_at:
        queryset = queryset.filter(date__gte=timezone.localdate(version.submitted_at))
    return queryset.select_related("sub_programme").order_by("-date", "-pk")


def version_decision_list(*, meeting: EwgMeeting) -> QuerySet[WorkplanVersion]:
    """The submitted versions `meeting` may approve or return: the same rule as
    meeting_decision_list, read from the meeting's side."""
    if meeting.date > timezone.localdate():
        return WorkplanVersion.objects.none()
    # Submitted on or before the meeting's day (in the portal's time zone).
    day_after = timezone.make_aware(
        datetime.datetime.combine(meeting.date + datetime.timedelta(days=1), datetime.time())
    )
    return (
        WorkplanVersion.objects.filter(
            workplan__sub_programme_id=meeting.sub_programme_id,
            status=WorkplanVersion.Status.SUBMITTED,
        )
        .filter(Q(submitted_at__isnull=True) | Q(submitted_at__lt=day_after))
        .select_related("workplan")
        .order_by("workplan__code", "number")
    )
