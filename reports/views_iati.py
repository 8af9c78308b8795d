"""The IATI export pages: /reports/iati/ lists what each visible project lacks for a valid
IATI record (before export) beside the download button, and /reports/iati/activities.xml
streams the document. Both take the project list's filters (projects.filters), so the
project list's "Download IATI XML" button exports exactly the projects it lists."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import TemplateView

from projects.filters import ProjectFilter
from projects.selectors import project_list
from reports.iati.builder import iati_activities_stream
from reports.iati.readiness import iati_readiness_list

PAGE_ONLY = ("page", "sort")


def _filterset(request) -> ProjectFilter:
    data = request.GET.copy()
    for name in PAGE_ONLY:
        data.pop(name, None)
    return ProjectFilter(data or None, queryset=project_list(user=request.user), user=request.user)


def _query(filterset: ProjectFilter) -> str:
    return filterset.data.urlencode() if filterset.data else ""


class IatiExportView(LoginRequiredMixin, TemplateView):
    template_name = "reports/iati.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = _filterset(self.request)
        valid = not filterset.is_bound or filterset.is_valid()
        rows = iati_readiness_list(user=self.request.user, projects=filterset.qs) if valid else []
        context.update(
            filter_errors=[] if valid else filterset.errors,
            query=_query(filterset),
            rows=rows,
            ready_count=sum(1 for row in rows if row.ready),
            lacking=[row for row in rows if not row.ready],
        )
        return context


class IatiDownloadView(LoginRequiredMixin, View):
    def get(self, request):
        filterset = _filterset(request)
        if filterset.is_bound and not filterset.is_valid():
            fields = ", ".join(sorted(filterset.errors))
            return HttpResponseBadRequest(f"Check the filters: {fields}.")
        stream = iati_activities_stream(user=request.user, projects=filterset.qs)
        response = StreamingHttpResponse(stream, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, "iati-activities.xml")
        return response
