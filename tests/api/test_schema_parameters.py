"""The documented query parameters of every read are exactly the ones it accepts: a
documented parameter is never refused as unknown, and an accepted one is never a secret
(schemathesis checks the values; this checks the names, for every endpoint)."""

import re

from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from ctportal.api.views import COMMON_PARAMS, AggregateView, PortalViewSet


def _accepted(path: str) -> set[str] | None:
    match = resolve(re.sub(r"\{[^}]+\}", "1", path))
    view_class = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    actions = getattr(match.func, "actions", None) or {}
    if view_class is not None and issubclass(view_class, PortalViewSet):
        view = view_class()
        view.action = actions.get("get")
        return set(view._known_params())
    if view_class is not None and issubclass(view_class, AggregateView):
        return set(view_class.known_params | COMMON_PARAMS)
    known = getattr(view_class, "known_params", None)
    return set(known) if known is not None else None


def test_every_read_documents_exactly_the_query_parameters_it_accepts(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    checked, mismatched = 0, {}
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        accepted = _accepted(path)
        if accepted is None:  # the schema and its docs pages take no parameters
            continue
        documented = {
            p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "query"
        }
        if documented != accepted:
            mismatched[path] = {
                "documented only": sorted(documented - accepted),
                "accepted only": sorted(accepted - documented),
            }
        checked += 1
    assert mismatched == {}
    assert checked >= 30
