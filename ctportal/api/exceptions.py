"""Every API error in one shape:

    {"error": {"code": "receipts_exceed_commitment",
               "message": "Receipts would total ...",
               "fields": {"received_amount": ["Receipts would total ..."]}}}

`code` is stable (tests and scripts branch on it); `message` is for people; `fields` names
each input that is wrong (empty when the error is not about one field). Django
ValidationErrors raised by services (DomainError) become 400s like DRF's own validation
errors; a stale edit (code "stale_revision") is a 409; Django's PermissionDenied a 403; an
object the caller may not see (Http404, DoesNotExist) a 404. Anything else is a bug: a 500
with code "server_error" and no detail (the traceback goes to the log, never to the client).
"""

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

logger = logging.getLogger("ctportal.api")

SERVER_ERROR_MESSAGE = (
    "Something went wrong on the portal's side. It has been logged; try again later, and "
    "tell the portal's administrators if it goes on."
)

# Domain codes that mean "someone else changed it first", not "your input is wrong".
CONFLICT_CODES = frozenset({"stale_revision", "already_exists"})


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object changed since you read it."
    default_code = "conflict"

    def __init__(self, detail: str | None = None, code: str | None = None, fields=None):
        super().__init__(detail, code)
        self.error_code = code or self.default_code
        self.fields = fields or {}


class DomainValidationError(exceptions.ValidationError):
    """A service's DomainError as a DRF error, keeping its code and its field."""

    def __init__(self, *, code: str, message: str, fields: dict[str, list[str]]):
        super().__init__(fields or [message], code=code)
        self.error_code = code
        self.message = message
        self.fields = fields


def _django_validation_error(exc: DjangoValidationError) -> exceptions.APIException:
    if hasattr(exc, "error_dict"):
        fields = {name: list(messages) for name, messages in exc.message_dict.items()}
        first = next(iter(exc.error_dict.values()))[0]
        message = next(iter(fields.values()))[0]
        code = first.code or "invalid"
    else:
        message = " ".join(exc.messages)
        first = exc.error_list[0] if getattr(exc, "error_list", None) else exc
        code = getattr(first, "code", None) or "invalid"
        fields = {}
    code = getattr(exc, "domain_code", None) or code
    # A non-field error keyed as Django's NON_FIELD_ERRORS belongs in the message only.
    fields.pop("__all__", None)
    if code in CONFLICT_CODES:
        return Conflict(message, code=code, fields=fields)
    return DomainValidationError(code=code, message=message, fields=fields)


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [...], "targets.0.quarter": [...]}."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def _first_code(detail: Any) -> str | None:
    if isinstance(detail, dict):
        for value in detail.values():
            if (code := _first_code(value)) is not None:
                return code
        return None
    if isinstance(detail, list):
        for item in detail:
            if (code := _first_code(item)) is not None:
                return code
        return None
    return getattr(detail, "code", None)


def error_body(*, code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = _django_validation_error(exc)
    elif isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, Http404):
        # Http404's text can name the model; every hidden object reads the same.
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)

    response = exception_handler(exc, context)
    if response is None:
        return _server_error(exc, context)
    set_rollback()

    if isinstance(exc, DomainValidationError):
        body = error_body(code=exc.error_code, message=exc.message, fields=exc.fields)
    elif isinstance(exc, Conflict):
        body = error_body(code=exc.error_code, message=str(exc.detail), fields=exc.fields)
    elif isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        non_field = fields.pop("non_field_errors", None)
        messages = non_field or next(iter(fields.values()), ["Invalid input."])
        code = _first_code(exc.detail) or "invalid"
        # A serializer's generic codes ("required", "invalid") say little on their own;
        # the field names carry the detail.
        body = error_body(code=code, message=messages[0], fields=fields)
        if non_field and fields:
            body["error"]["message"] = non_field[0]
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail)
        code = getattr(detail, "code", None) or exc.default_code
        body = error_body(code=code, message=message)
    else:  # pragma: no cover - exception_handler only answers APIException subclasses
        body = error_body(code="error", message=str(exc))
    response.data = body
    return response


def _server_error(exc: Exception, context: dict) -> Response:
    """An unhandled exception in an API view: logged with its traceback, answered in the
    error shape (DRF would let it become Django's HTML 500 page)."""
    request = context.get("request")
    django_request = getattr(request, "_request", request)
    logger.error(
        "Internal Server Error: %s",
        getattr(django_request, "path", "?"),
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"status_code": 500, "request": django_request},
    )
    # As Django does for any unhandled exception (error reporting, the test client).
    got_request_exception.send(sender=None, request=django_request)
    set_rollback()
    return Response(error_body(code="server_error", message=SERVER_ERROR_MESSAGE), status=500)
