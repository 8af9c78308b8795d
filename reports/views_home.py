"""The home page: the figures of reports.selectors_home for the signed-in user."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from organisations import access
from reports.selectors_home import donor_changes_since, home_figures
from reports.services.home import home_visit_record


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["figures"] = home_figures(user=user)
        if access.donor_of(user) is not None:
            since = home_visit_record(user=user)
            context["changes"] = donor_changes_since(user=user, since=since)
        return context
