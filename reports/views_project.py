"""The project page (/projects/<code>/, URL name projects:project-detail): the project, its
money and results framework from projects, with the workplan results of
reports.project_results. projects.urls mounts it so that its address stays the project's."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.utils import timezone
from django.views.generic import TemplateView

from organisations import access
from projects.models import Project
from projects.selectors import project_budget, project_funding, project_get, project_results
from reports.project_results import project_workplan_results


class ProjectDetailView(LoginRequiredMixin, TemplateView):
    template_name = "projects/project_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        try:
            project = project_get(user=user, code=kwargs["code"])
        except Project.DoesNotExist:
            # Invisible and missing look the same: a 404 tells nothing about other donors.
            raise Http404("No such project.") from None
        outcomes = project_results(project=project)
        results = project_workplan_results(
            user=user, project=project, outcomes=outcomes, today=timezone.localdate()
        )
        context.update(
            project=project,
            funding=project_funding(user=user, project=project),
            budget=project_budget(user=user, project=project),
            outcomes=outcomes,
            activities=results.activities,
            show_activity_budget=access.can_see_money(user),
            indicator_progress=results.indicator_progress,
            late_activities=results.late_activities,
            can_manage_project=access.is_manager(user),
            can_manage_money=access.can_manage_money(user),
        )
        return context
