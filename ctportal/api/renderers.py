"""CSV for every list: all rows across pages, the same filters and access rules, streamed."""

import csv
import json
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from rest_framework.renderers import BaseRenderer

from ctportal.spreadsheet_safety import inert_cell

CHUNK = 500


class CSVRenderer(BaseRenderer):
    """Chosen by ?format=csv or Accept: text/csv. Lists stream through csv_response();
    this renders what else reaches it (one object) as a one-row table."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = data if isinstance(data, list) else [data]
        header = list(rows[0].keys()) if rows else []
        return "".join(_lines(header, rows)).encode()


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return ";".join(_cell(item) for item in value)
        return json.dumps(value, default=str)
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    return inert_cell(str(value))


def _lines(header: list[str], rows: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([_cell(row.get(name)) for name in header])


def csv_response(
    *, queryset: QuerySet, serializer_class, context: dict, filename: str
) -> StreamingHttpResponse:
    """Every row of `queryset` (already filtered by access and the request's filters) as CSV,
    serialized in chunks of CHUNK rows (each chunk one query plus its prefetches)."""
    header = list(serializer_class(context=context).fields)

    def chunks() -> Iterator[list[dict]]:
        rows = queryset.iterator(chunk_size=CHUNK)
        while chunk := list(islice(rows, CHUNK)):
            yield serializer_class(chunk, many=True, context=context).data

    def stream() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(header)
        for chunk in chunks():
            for row in chunk:
                yield writer.writerow([_cell(row.get(name)) for name in header])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.csv")
    return response


def table_csv_response(
    *, header: list[str], rows: Iterable[dict], filename: str
) -> StreamingHttpResponse:
    """An aggregate's table (rows already serialized, in `header`'s column order) as CSV,
    through the same guarded cells as the lists: null is an empty cell, formula-like
    text is made inert."""
    response = StreamingHttpResponse(_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.csv")
    return response
