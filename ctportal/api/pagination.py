"""Page-number pagination with a capped page size; malformed page numbers are a 400."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class PortalPagination(PageNumberPagination):
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
