"""Pages where programme managers create and edit projects and their results framework.

Each page first finds the project among those the user may see (a 404 otherwise), then
asks organisations.access whether the user may change it (a 403 otherwise); the write is
one service call, whose refusal is shown on the field it names.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from ctportal.forms import add_service_error
from organisations import access
from projects import selectors, services
from projects.forms_manage import IndicatorForm, OutcomeForm, OutputForm, ProjectForm
from projects.models import Project


def project_or_404(user, code: str) -> Project:
    try:
        return selectors.project_get(user=user, code=code)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None


def managed_project(request, code: str) -> Project:
    """The project, if the user may see it (404) and manage it (403)."""
    project = project_or_404(request.user, code)
    access.require(access.is_manager(request.user), "Only programme managers change projects.")
    return project


def results_url(project: Project) -> str:
    return reverse("projects:results", args=[project.code])


# --- Projects -----------------------------------------------------------------------------


class ProjectCreateView(LoginRequiredMixin, View):
    template_name = "projects/project_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            access.require(access.is_manager(request.user), "Only programme managers add projects.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": ProjectForm()})

    def post(self, request):
        form = ProjectForm(request.POST)
        if form.is_valid():
            try:
                project = services.project_create(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"Project {project.code} created.")
                return redirect("projects:project-detail", code=project.code)
        return render(request, self.template_name, {"form": form}, status=400)


class ProjectUpdateView(LoginRequiredMixin, View):
    template_name = "projects/project_form.html"

    def get(self, request, code):
        project = managed_project(request, code)
        form = ProjectForm(initial=ProjectForm.initial_for(project), project=project)
        return render(request, self.template_name, {"form": form, "project": project})

    def post(self, request, code):
        project = managed_project(request, code)
        form = ProjectForm(request.POST, project=project)
        if form.is_valid():
            try:
                services.project_update(project=project, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"Project {project.code} saved.")
                return redirect("projects:project-detail", code=project.code)
        # A refused change must not show a code the project does not (yet) have.
        project.refresh_from_db(fields=["code"])
        context = {"form": form, "project": project}
        return render(request, self.template_name, context, status=400)


# --- Results framework -------------------------------------------------------------------------


class ResultsFrameworkView(LoginRequiredMixin, View):
    def get(self, request, code):
        project = managed_project(request, code)
        return render(
            request,
            "projects/results_framework.html",
            {"project": project, "outcomes": selectors.project_results(project=project)},
        )


class ResultsItemView(LoginRequiredMixin, View):
    """Add or edit one outcome, output or indicator of the project's framework."""

    kind = ""  # "outcome" | "output" | "indicator"
    template_name = "projects/results_form.html"

    def parent(self, project, pk):
        return None

    def item(self, project, pk):
        return None

    def form(self, project, data=None, item=None):
        raise NotImplementedError

    def save(self, project, form, parent, item, user):
        raise NotImplementedError

    def render_form(self, request, project, form, parent, item, status=200):
        context = {
            "project": project,
            "form": form,
            "kind": self.kind,
            "parent": parent,
            "item": item,
        }
        return render(request, self.template_name, context, status=status)

    def lookup(self, request, code, kwargs):
        project = managed_project(request, code)
        parent = self.parent(project, kwargs.get("parent_pk"))
        item = self.item(project, kwargs.get("pk"))
        return project, parent, item

    def get(self, request, code, **kwargs):
        project, parent, item = self.lookup(request, code, kwargs)
        return self.render_form(request, project, self.form(project, item=item), parent, item)

    def post(self, request, code, **kwargs):
        project, parent, item = self.lookup(request, code, kwargs)
        form = self.form(project, data=request.POST, item=item)
        if form.is_valid():
            try:
                saved = self.save(project, form, parent, item, request.user)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                verb = "saved" if item else "added"
                messages.success(request, f"{self.kind.capitalize()} {saved.code} {verb}.")
                return redirect(results_url(project))
        return self.render_form(request, project, form, parent, item, status=400)


def _outcome(project, pk):
    return get_object_or_404(selectors.project_framework_outcomes(project=project), pk=pk)


def _output(project, pk):
    return get_object_or_404(selectors.project_framework_outputs(project=project), pk=pk)


def _indicator(project, pk):
    return get_object_or_404(selectors.project_framework_indicators(project=project), pk=pk)


class OutcomeFormView(ResultsItemView):
    kind = "outcome"

    def item(self, project, pk):
        return _outcome(project, pk) if pk else None

    def form(self, project, data=None, item=None):
        initial = OutcomeForm.initial_for(item) if item else None
        return OutcomeForm(data, project=project, initial=initial)

    def save(self, project, form, parent, item, user):
        values = form.service_values()
        if item is None:
            return services.outcome_create(sub_programme=project.sub_programme, user=user, **values)
        return services.outcome_update(outcome=item, user=user, **values)


class OutputFormView(ResultsItemView):
    kind = "output"

    def parent(self, project, pk):
        return _outcome(project, pk) if pk else None

    def item(self, project, pk):
        return _output(project, pk) if pk else None

    def form(self, project, data=None, item=None):
        initial = {"code": item.code, "title": item.title} if item else None
        return OutputForm(data, initial=initial)

    def save(self, project, form, parent, item, user):
        if item is None:
            return services.output_create(outcome=parent, user=user, **form.cleaned_data)
        return services.output_update(output=item, user=user, **form.cleaned_data)


class IndicatorFormView(ResultsItemView):
    kind = "indicator"

    def parent(self, project, pk):
        return _output(project, pk) if pk else None

    def item(self, project, pk):
        return _indicator(project, pk) if pk else None

    def form(self, project, data=None, item=None):
        initial = IndicatorForm.initial_for(item) if item else None
        return IndicatorForm(data, initial=initial)

    def save(self, project, form, parent, item, user):
        if item is None:
            return services.indicator_create(output=parent, user=user, **form.cleaned_data)
        return services.indicator_update(indicator=item, user=user, **form.cleaned_data)


class ResultsDeleteView(LoginRequiredMixin, View):
    """Confirm, then delete one outcome, output or indicator (with what hangs below it)."""

    LOOKUPS = {"outcome": _outcome, "output": _output, "indicator": _indicator}
    DELETES = {
        "outcome": lambda item, user: services.outcome_delete(outcome=item, user=user),
        "output": lambda item, user: services.output_delete(output=item, user=user),
        "indicator": lambda item, user: services.indicator_delete(indicator=item, user=user),
    }
    kind = "outcome"

    def context(self, project, item, error=None):
        return {
            "project": project,
            "item": item,
            "kind": self.kind,
            "error": error,
            "cancel_url": results_url(project),
        }

    def get(self, request, code, pk):
        project = managed_project(request, code)
        item = self.LOOKUPS[self.kind](project, pk)
        return render(request, "projects/results_delete.html", self.context(project, item))

    def post(self, request, code, pk):
        project = managed_project(request, code)
        item = self.LOOKUPS[self.kind](project, pk)
        label = f"{self.kind.capitalize()} {item.code}"
        try:
            self.DELETES[self.kind](item, request.user)
        except ValidationError as error:
            context = self.context(project, item, error=" ".join(error.messages))
            return render(request, "projects/results_delete.html", context, status=400)
        messages.success(request, f"{label} deleted.")
        return redirect(results_url(project))
