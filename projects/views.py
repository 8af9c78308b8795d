"""Read-only project pages: the list and the programme structure. The project page, which
shows workplan results too, is reports.views_project."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import ListView, TemplateView

from ctportal.listing import SortForm, sort_headers
from organisations import access
from projects.filters import ProjectFilter
from projects.selectors import (
    PROJECT_SORTS,
    programme_list,
    project_list,
)


class ProjectListView(LoginRequiredMixin, ListView):
    template_name = "projects/project_list.html"
    context_object_name = "projects"
    paginate_by = 25

    def get_queryset(self):
        user = self.request.user
        self.sort = self.request.GET.get("sort", "code")
        if self.sort.removeprefix("-") not in PROJECT_SORTS:
            self.sort = "code"
        self.filterset = ProjectFilter(
            self.request.GET or None,
            queryset=project_list(user=user, sort=self.sort),
            user=user,
        )
        if self.filterset.is_bound and not self.filterset.is_valid():
            # Half a filter would show a misleading list: show the errors and no rows.
            return self.filterset.queryset.none()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filterset.form
        context["is_filtered"] = self.filterset.is_bound and any(
            value for key, value in self.request.GET.items() if key not in ("page", "sort")
        )
        context["sort"] = self.sort
        context["columns"] = sort_headers(PROJECT_COLUMNS, self.sort, default="code")
        context["sort_form"] = SortForm(self.request.GET, columns=PROJECT_COLUMNS, default="code")
        context["can_manage_projects"] = access.is_manager(self.request.user)
        context["can_manage_money"] = access.can_manage_money(self.request.user)
        return context


# The list's sortable columns, in page order (the keys of PROJECT_SORTS).
PROJECT_COLUMNS = [
    ("code", "Code"),
    ("title", "Title"),
    ("sub_programme", "Sub-programme"),
    ("period", "Period"),
    ("status", "Status"),
]


class ProgrammeListView(LoginRequiredMixin, TemplateView):
    template_name = "projects/programme_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["programmes"] = programme_list(user=self.request.user)
        return context
