"""The funding dashboard (/funding/, URL name donors:dashboard) and its CSV/XLSX exports.

Its money figures come from donors.selectors_funding, its figures of money next to workplan
results from reports.funding_results: the dashboard joins donors and workplans, which never
import each other, so it lives in reports; donors.urls mounts it at the dashboard's address
(the drill-down pages stay in donors.views_drilldown, what they share in
donors.views_common). Counterpart staff and the EWG secretariat get a 403; a donor viewer
sees its own agreements only; programme managers and administrators see everything and may
look through a donor's eyes with ?as_donor=<organisation id>.
"""

import functools
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.generic import TemplateView

from ctportal import figures_cache
from ctportal.figures import labelled_definitions
from donors.exports import table_csv, table_xlsx
from donors.filters import FILTER_PARAMS
from donors.selectors_funding import (
    FundingSummary,
    funding_spending_by_category,
    funding_summary,
    funding_tranche_list,
    project_money_of,
)
from donors.tables import (
    Table,
    agreement_table,
    category_table,
    group_table,
    overdue_table,
    timeline_table,
    year_table,
)
from donors.views_common import FundingPageMixin
from donors.views_manage import tranche_actions
from reports.funding_results import (
    funding_activity_by_province,
    funding_activity_status,
    funding_activity_status_latest,
    funding_results,
)
from reports.funding_tables import province_table, quarter_table, results_table


class FundingDashboardView(FundingPageMixin, TemplateView):
    """The dashboard; ?export=csv|xlsx&table=<name> downloads one of its tables."""

    OVERDUE_SHOWN = 50
    # A decade holds some fifty workplans (two hundred quarters): the page shows the
    # quarters of the latest, the downloads every one.
    WORKPLANS_SHOWN = 10
    # A decade holds thousands of projects and hundreds of agreements: the page shows the
    # largest, the downloads all.
    PROJECTS_SHOWN = 50
    AGREEMENTS_SHOWN = 50
    # Results take a row per output too (some eight per project): fewer projects.
    RESULTS_PROJECTS_SHOWN = 20
    exporting = False

    template_name = "donors/dashboard.html"
    # Tables in page order: name -> builder. Each builder calls the selectors itself, so an
    # export computes only the table it writes, with the same selector and filters.
    TABLES = (
        "agreements",
        "projects",
        "sub_programmes",
        "provinces",
        "years",
        "timeline",
        "categories",
        "province_activity",
        "quarter_status",
        "results",
        "overdue",
    )

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # One summary per grouping per request: the year rows feed two tables.
        self._summaries: dict[str, FundingSummary] = {}
        self._charts: dict[str, dict] = {}
        self._ranked_projects: list[str] | None = None

    def summary(self, group_by: str) -> FundingSummary:
        if group_by not in self._summaries:
            self._summaries[group_by] = funding_summary(group_by=group_by, **self.selector_kwargs())
        return self._summaries[group_by]

    def build(self, name: str) -> Table:
        donor_view = self.viewing_donor is not None
        links = self.links
        kwargs = self.selector_kwargs()
        builders: dict[str, Callable[[], Table]] = {
            "agreements": lambda: self._agreements(links),
            "projects": lambda: self._projects(links, donor_view),
            "sub_programmes": lambda: group_table(
                self.summary("sub_programme"), links, donor_view=donor_view
            ),
            "provinces": lambda: group_table(
                self.summary("province"), links, donor_view=donor_view
            ),
            "years": lambda: year_table(self.summary("year"), links),
            "timeline": lambda: self._with_chart("timeline", timeline_table(self.summary("year"))),
            "categories": lambda: self._with_chart(
                "categories", category_table(funding_spending_by_category(**kwargs))
            ),
            "province_activity": lambda: self._with_chart(
                "province_activity",
                province_table(funding_activity_by_province(**kwargs), links),
            ),
            "quarter_status": lambda: self._with_chart(
                "quarter_status", self._quarter_status(kwargs)
            ),
            "results": lambda: self._results(kwargs, links),
            "overdue": lambda: self._overdue(
                funding_tranche_list(status="overdue", **kwargs), links
            ),
        }
        return builders[name]()

    def _ranked_project_codes(self) -> list[str]:
        """Every project's code, the largest allocation in USD first: ranked once a
        request, for the projects table and the results alike."""
        if self._ranked_projects is None:
            largest: dict[str, Decimal] = {}
            for row in self.summary("project").rows:
                largest[row.label] = largest.get(row.label, Decimal(0)) + row.allocated_usd
            self._ranked_projects = sorted(largest, key=lambda code: (-largest[code], code))
        return self._ranked_projects

    def _shown_project_codes(self, limit: int) -> set[str] | None:
        """On the page, the codes of the `limit` projects with the largest allocation in
        USD; None when every project is shown (an export, or few enough)."""
        if self.exporting:
            return None
        ranked = self._ranked_project_codes()
        return None if len(ranked) <= limit else set(ranked[:limit])

    def _only_some_note(self, what: str, limit: int) -> str:
        count = len(self._ranked_project_codes())
        return (
            f"Only {what} of the {limit} projects with the largest allocations "
            f"(USD) are shown here, of {count:,}; the CSV and XLSX downloads list them all."
        )

    def _projects(self, links, donor_view: bool) -> Table:
        summary = self.summary("project")
        shown = self._shown_project_codes(self.PROJECTS_SHOWN)
        if shown is None:
            return group_table(summary, links, donor_view=donor_view)
        # The totals stay those of every project: only the rows are fewer.
        rows = [row for row in summary.rows if row.label in shown]
        table = group_table(replace(summary, rows=rows), links, donor_view=donor_view)
        table.notes.insert(0, self._only_some_note("the rows", self.PROJECTS_SHOWN))
        return table

    def _agreements(self, links) -> Table:
        """On the page, the AGREEMENTS_SHOWN agreements with the largest commitments in USD
        (a manager's decade holds two hundred, a quarter of the page); the totals stay
        those of every agreement."""
        summary = self.summary("agreement")
        if self.exporting or len(summary.rows) <= self.AGREEMENTS_SHOWN:
            return agreement_table(summary, links)
        ranked = sorted(summary.rows, key=lambda row: (-row.committed_usd, row.label))
        shown = {id(row) for row in ranked[: self.AGREEMENTS_SHOWN]}
        rows = [row for row in summary.rows if id(row) in shown]
        table = agreement_table(replace(summary, rows=rows), links)
        table.notes.insert(
            0,
            f"Only the {self.AGREEMENTS_SHOWN} agreements with the largest commitments (USD) "
            f"are shown here, of {len(summary.rows):,}; the CSV and XLSX downloads list them "
            "all.",
        )
        return table

    def _results(self, kwargs: dict, links) -> Table:
        """The projects' money comes from the summary by project the page has already read;
        their results are read for the projects shown alone."""
        money = project_money_of(self.summary("project"))
        shown = self._shown_project_codes(self.RESULTS_PROJECTS_SHOWN)
        if shown is not None:
            money = [m for m in money if m.code in shown]
        table = results_table(funding_results(**kwargs, money=money), links)
        if shown is not None:
            table.notes.insert(0, self._only_some_note("the results", self.RESULTS_PROJECTS_SHOWN))
        return table

    def _quarter_status(self, kwargs: dict) -> tuple[Table, dict]:
        """The quarters of the WORKPLANS_SHOWN latest workplans on the page (and in its
        chart); every quarter in the downloads."""
        if self.exporting:
            return quarter_table(funding_activity_status(**kwargs))
        latest = funding_activity_status_latest(**kwargs, workplans=self.WORKPLANS_SHOWN)
        table, chart = quarter_table(latest.quarters)
        if latest.workplans_shown < latest.workplans:
            table.notes.insert(
                0,
                f"Only the quarters of the {latest.workplans_shown} latest workplans are "
                f"shown here, of {latest.workplans:,}; the CSV and XLSX downloads list them all.",
            )
        return table, chart

    def _overdue(self, tranches, links) -> Table:
        """The longest-overdue tranches on the page (a decade can hold thousands); every one
        in the downloads and on the tranches page."""
        if self.exporting:
            return overdue_table(tranches, links, self.today)
        shown = list(tranches[: self.OVERDUE_SHOWN + 1])
        table = overdue_table(
            shown[: self.OVERDUE_SHOWN],
            links,
            self.today,
            actions=tranche_actions if self.manages else None,
        )
        if len(shown) > self.OVERDUE_SHOWN:
            table.notes.insert(
                0,
                f"Only the {self.OVERDUE_SHOWN} longest overdue are shown here; the CSV and "
                "XLSX downloads and the tranches page list them all.",
            )
        return table

    def _with_chart(self, name: str, built: tuple[Table, dict]) -> Table:
        table, chart = built
        self._charts[name] = chart
        return table

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export")
        if export:
            return self.export(export, request.GET.get("table", ""))
        return super().get(request, *args, **kwargs)

    def export(self, kind: str, name: str) -> HttpResponse:
        self.exporting = True
        if kind not in ("csv", "xlsx") or name not in self.TABLES:
            raise Http404("No such export.")
        if self.filters is None:
            return HttpResponseBadRequest("The filters are not valid.")
        table = self.build(name)
        if kind == "csv":
            return table_csv(table)
        return table_xlsx(table, notes=self.export_notes())

    def export_notes(self) -> list[str]:
        notes = [f"Exported {timezone.localtime():%Y-%m-%d %H:%M} from the CT Portal."]
        if self.viewing_donor is not None:
            notes.append(f"As seen by {self.viewing_donor.name}.")
        for name in FILTER_PARAMS:
            if value := self.request.GET.get(name):
                notes.append(f"Filter {name.replace('_', ' ')}: {value}")
        return notes

    def figures(self) -> dict:
        """Every table, chart and headline figure of the page (the expensive part)."""
        tables = {name: self.build(name) for name in self.TABLES}
        for name, table in tables.items():
            table.downloads = {
                kind: self.links.url("donors:dashboard", export=kind, table=name)
                for kind in ("csv", "xlsx")
            }
        agreements = self.summary("agreement")
        return {
            "tables": tables,
            "charts": self._charts,
            "headline": agreements.total_usd,
            "currency_totals": agreements.currency_totals,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            tables={},
            charts={},
            figures_key=figures_cache.key(
                self.request, "funding-dashboard", kept_params=frozenset({"as_donor"})
            ),
            figures_seconds=figures_cache.seconds(),
            definitions=labelled_definitions(),
        )
        if self.filters is not None:
            # Computed at the template's first look at one of them: not at all when the
            # figures' fragment is in the cache (ctportal.figures_cache).
            figures = functools.cache(self.figures)
            for name in ("tables", "charts", "headline", "currency_totals"):
                context[name] = SimpleLazyObject(functools.partial(_figure, figures, name))
        return context


def _figure(figures: Callable[[], dict], name: str):
    return figures()[name]
