"""The home page: the figures of reports.selectors_home for the signed-in user."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from reports.selectors_home import home_figures


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["figures"] = home_figures(user=self.request.user)
        return context
