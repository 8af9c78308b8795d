from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        # Expenditure lists read their row count from ctportal.row_counts (migration 0004).
        from ctportal import row_counts
        from projects.models import Expenditure

        row_counts.keep(Expenditure)

        # Dashboards and summaries kept in the cache are computed again after any write
        # to this app's rows (ctportal.figures_cache).
        from ctportal import figures_cache

        figures_cache.watch(self)
