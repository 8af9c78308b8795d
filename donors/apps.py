from django.apps import AppConfig


class DonorsConfig(AppConfig):
    name = "donors"

    def ready(self) -> None:
        # projects decides who sees which project but cannot import donors: it is told here
        # which projects a donor's money reaches (see projects.selectors).
        from donors.selectors import projects_funded_by
        from projects.selectors import funded_projects_provide

        funded_projects_provide(projects_funded_by)

        # The month totals of tranches and expenditures follow every save and deletion of
        # them, in its transaction (donors.services.totals).
        from donors.services import totals

        totals.connect()

        # Tranche lists read their row count from ctportal.row_counts (migration 0004).
        from ctportal import row_counts
        from donors.models import Disbursement

        row_counts.keep(Disbursement)

        # Dashboards and summaries kept in the cache are computed again after any write
        # to this app's rows (ctportal.figures_cache).
        from ctportal import figures_cache

        figures_cache.watch(self)
