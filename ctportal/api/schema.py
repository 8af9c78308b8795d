"""The OpenAPI schema: every operation documents the one error shape and the statuses it
can answer with (400, 401, 403, 404, 429; 409 where an edit can be stale), and CSV lists
are documented as text."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from ctportal.api.views import AggregateView, PortalViewSet

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(
                    help_text="Stable machine-readable code, e.g. receipts_exceed_commitment."
                ),
                "message": serializers.CharField(help_text="What went wrong, for people."),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    help_text="Each input that is wrong, with its messages; {} otherwise.",
                ),
            },
        )
    },
)

ERRORS = {
    "400": "Invalid input: a filter, page, ordering or field value; `fields` names each one.",
    "401": "No credentials, or an unknown or revoked token.",
    "403": "Your role may not do this.",
    "404": "No such object, or one you may not see.",
    "409": "Someone changed the object since you read it (stale revision).",
    "429": "Too many requests; retry after the Retry-After header's seconds.",
}


class PortalAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        # ?format= is accepted by every read of ours (JSON, and CSV on lists and
        # aggregates), so it is documented there like any other parameter.
        if self.method == "GET" and isinstance(self.view, PortalViewSet | AggregateView):
            formats = [renderer.format for renderer in self.view.get_renderers()]
            parameters.append(
                OpenApiParameter(
                    "format",
                    str,
                    enum=formats,
                    description="The answer's format: " + " or ".join(formats) + ".",
                )
            )
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for response in responses.values():
            content = response.get("content", {})
            if "text/csv" in content:
                content["text/csv"] = {"schema": {"type": "string", "format": "csv"}}
        codes = ["400", "401", "403", "404", "429"]
        if self._can_conflict():
            codes.append("409")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=ERRORS[code]),
                    code,
                    media_types=["application/json"],
                    direction=direction,
                )
        return responses

    def _can_conflict(self) -> bool:
        actions = getattr(self.view, "conflict_actions", ())
        return getattr(self.view, "action", None) in actions
