"""/api/v1/notifications/: the caller's own notifications (another person's is a 404), newest
first, filtered by `unread` and `kind`; `.../<id>/read/` marks one read, `.../read-all/` all
of them. /api/v1/notification-preferences/: how each kind reaches the caller (GET), changed
with PATCH {"<kind>": "portal" | "immediate" | "digest", ...}: a bad kind or way is a 400
naming it, and nothing is saved."""

import django_filters
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.models import Delivery, Kind, Notification
from alerts.selectors import notification_list, preference_rows
from alerts.services import notification_mark_read, notifications_mark_all_read, preferences_set
from ctportal.api.filters import PortalFilterSet, StrictBooleanFilter
from ctportal.api.views import COMMON_PARAMS, PortalViewSet, known_params_check, nul_check


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    read = serializers.SerializerMethodField()
    done = serializers.SerializerMethodField()
    url = serializers.CharField(read_only=True, help_text="Where the person acts: a path.")

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "body",
            "action",
            "url",
            "created_at",
            "read",
            "read_at",
            "done",
            "resolved_at",
        ]
        read_only_fields = fields

    def get_read(self, obj) -> bool:
        return obj.read_at is not None

    def get_done(self, obj) -> bool:
        return obj.resolved_at is not None


class NotificationFilter(PortalFilterSet):
    unread = StrictBooleanFilter(method="filter_unread", label="Still needing you (true/false)")
    kind = django_filters.ChoiceFilter(choices=Kind.choices)

    class Meta:
        model = Notification
        fields = ["unread", "kind"]

    def filter_unread(self, queryset, name, value):
        if value is None:
            return queryset
        needing = notification_list(user=self.request.user, unread=True).values("pk")
        return queryset.filter(pk__in=needing) if value else queryset.exclude(pk__in=needing)


class NotificationViewSet(PortalViewSet):
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering = ["-created_at", "-id"]
    csv_filename = "notifications"

    def get_queryset(self):
        return notification_list(user=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notification_mark_read(notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked_read": notifications_mark_all_read(user=request.user)})


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    label = serializers.CharField()
    delivery = serializers.ChoiceField(choices=Delivery.choices)


class NotificationPreferencesView(APIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        known_params_check(request, COMMON_PARAMS)

    @extend_schema(responses=PreferenceSerializer(many=True), tags=["notifications"])
    def get(self, request):
        return Response(self._rows(request.user))

    @extend_schema(
        request={
            "application/json": {
                "type": "object",
                "additionalProperties": {"type": "string", "enum": Delivery.values},
            }
        },
        responses=PreferenceSerializer(many=True),
        tags=["notifications"],
    )
    def patch(self, request):
        nul_check(request.data)
        if not isinstance(request.data, dict) or not request.data:
            raise ValidationError(
                {"non_field_errors": ["Send an object of kind: delivery."]}, code="invalid"
            )
        preferences_set(
            user=request.user,
            deliveries={str(kind): value for kind, value in request.data.items()},
        )
        return Response(self._rows(request.user), status=status.HTTP_200_OK)

    @staticmethod
    def _rows(user) -> list[dict]:
        return [
            {"kind": kind, "label": label, "delivery": delivery}
            for kind, label, delivery in preference_rows(user=user)
        ]
