"""Monthly USD exchange rates (the UN operational rate of each month), for programme
managers: the list, adding a month's rate, and correcting one with its history."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from ctportal.forms import add_service_error
from ctportal.history import history_for
from ctportal.listing import sort_headers
from projects import selectors, services
from projects.forms_manage import ReasonForm
from projects.forms_money import ExchangeRateFilterForm, ExchangeRateForm
from projects.views_money import PAGE_SIZE, MoneyManagerMixin

# The one sortable column of the rates list; its order is also the filter form's "Order".
RATE_COLUMNS = [("month", "Month")]


class ExchangeRateListView(MoneyManagerMixin, View):
    def get(self, request):
        filters = ExchangeRateFilterForm(request.GET or None)
        currency, sort = "", "-month"
        if filters.is_valid():
            currency = filters.cleaned_data["currency"]
            sort = filters.cleaned_data["sort"] or "-month"
        rates = selectors.exchange_rate_list(currency=currency, newest_first=sort == "-month")
        page = Paginator(rates, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "filters": filters,
            "page_obj": page,
            "rates": page.object_list,
            "sort": sort,
            "columns": sort_headers(RATE_COLUMNS, sort, default="-month"),
            "is_filtered": bool(currency),
        }
        return render(request, "projects/rate_list.html", context)


class ExchangeRateFormView(MoneyManagerMixin, View):
    """Add a month's rate, or correct one (its currency and month stay; a reason is kept)."""

    template_name = "projects/rate_form.html"

    def forms(self, rate, data=None):
        if rate is None:
            return ExchangeRateForm(data), None
        initial = {
            "currency": rate.currency,
            "month": rate.month,
            "usd_per_unit": rate.usd_per_unit.normalize(),
            "source": rate.source,
        }
        form = ExchangeRateForm(data, initial=initial)
        form.fields["currency"].disabled = form.fields["month"].disabled = True
        return form, ReasonForm(data)

    def render_form(self, request, rate, form, reason_form, status=200):
        context = {
            "rate": rate,
            "form": form,
            "reason_form": reason_form,
            "history": history_for(rate) if rate else None,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk=None):
        rate = get_object_or_404(selectors.exchange_rate_list(), pk=pk) if pk else None
        form, reason_form = self.forms(rate)
        return self.render_form(request, rate, form, reason_form)

    def post(self, request, pk=None):
        rate = get_object_or_404(selectors.exchange_rate_list(), pk=pk) if pk else None
        form, reason_form = self.forms(rate, data=request.POST)
        valid = form.is_valid() & (reason_form is None or reason_form.is_valid())
        if valid and rate is None:
            data = form.cleaned_data
            existing = selectors.exchange_rate_list(currency=data["currency"]).filter(
                month=data["month"].replace(day=1)
            )
            if existing.exists():
                form.add_error(
                    "month",
                    f"A rate for {data['currency']} {data['month']:%B %Y} is already recorded: "
                    "correct it from the list instead.",
                )
                valid = False
        if valid:
            try:
                saved = services.exchange_rate_set(
                    user=request.user,
                    reason=reason_form.cleaned_data["reason"] if reason_form else "",
                    **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"Rate for {saved.currency} {saved.month:%B %Y} saved.")
                return redirect("projects:rate-list")
        return self.render_form(request, rate, form, reason_form, status=400)
