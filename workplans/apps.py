from django.apps import AppConfig


class WorkplansConfig(AppConfig):
    name = "workplans"

    def ready(self) -> None:
        # Keeps each lineage's latest verified update with every write of an update.
        from workplans.services import progress_latest

        progress_latest.connect()

        # Activity and update lists read their row count from ctportal.row_counts (0005).
        from ctportal import row_counts
        from workplans.models import Activity, ProgressUpdate

        row_counts.keep(Activity)
        row_counts.keep(ProgressUpdate)

        # Dashboards and summaries kept in the cache are computed again after any write
        # to this app's rows (ctportal.figures_cache).
        from ctportal import figures_cache

        figures_cache.watch(self)
