"""API of EWG meetings: read-only, for the roles that see them on the pages."""

from ctportal.api.views import PortalViewSet
from organisations.api_permissions import HasRole, SeesMeetings
from workplans import selectors
from workplans.api_filters import MeetingFilter
from workplans.serializers import MeetingSerializer


class MeetingViewSet(PortalViewSet):
    """EWG meetings with attendance, decisions and the versions they decided; for the
    roles that see them on the pages (not donor viewers)."""

    permission_classes = [HasRole, SeesMeetings]
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    ordering_fields = ["date"]
    search_fields = ["venue", "chair", "notes"]
    csv_filename = "ewg-meetings"

    def get_queryset(self):
        return selectors.meeting_list()
