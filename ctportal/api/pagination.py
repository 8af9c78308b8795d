"""Page-number pagination with a capped page size; malformed page numbers are a 400."""

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.core.paginator import Paginator as DjangoPaginator
from django.utils.functional import cached_property
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from ctportal import row_counts

BIGINT_MAX = 2**63 - 1


class CountWhenNeededPaginator(DjangoPaginator):
    """A paginator that counts the rows only when the page cannot tell: it reads one row
    more than a page first, and a page that is the last (fewer rows than that) gives the
    exact count with no COUNT(*). Counting every visible row was most of a list's time at
    decade scale (issue 14); filtered lists, the usual harvest, mostly fit on one page.
    The count stays exact either way: a whole table whose count the database keeps
    (ctportal.row_counts) is not counted at all."""

    @cached_property
    def count(self) -> int:
        kept = row_counts.exact_count(self.object_list)
        return super().count if kept is None else kept

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger("That page number is not an integer") from error
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        bottom = (number - 1) * self.per_page
        if bottom + self.per_page >= BIGINT_MAX:
            # Past any table's end, and an OFFSET the database refuses: say so as a count would.
            raise EmptyPage("That page contains no results")
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if len(rows) <= self.per_page:
            if not rows and number > 1:
                raise EmptyPage("That page contains no results")
            self.__dict__["count"] = bottom + len(rows)  # the cached property, now known
        return self._get_page(rows[: self.per_page], number, self)


class PortalPagination(PageNumberPagination):
    django_paginator_class = CountWhenNeededPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError(
                {self.page_size_query_param: ["Enter a whole number of rows from 1 to 500."]},
                code="invalid_page_size",
            )
        return min(int(raw), self.max_page_size)

    def params_check(self, request) -> None:
        """A 400 naming `page` or `page_size` when either is not a whole number from 1."""
        self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param)
        if raw not in (None, "", *self.last_page_strings) and (not raw.isdigit() or int(raw) < 1):
            raise ValidationError(
                {self.page_query_param: ["Enter a page number from 1."]}, code="invalid_page"
            )

    def paginate_queryset(self, queryset, request, view=None):
        self.params_check(request)
        # A page past the last one stays a 404, as DRF answers it.
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
            elif parameter["name"] == self.page_size_query_param:
                # Larger sizes are capped at 500, as DRF does, not refused.
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = "Rows per page: 50 by default, capped at 500."
        return parameters
