from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        # Connects the receivers that queue what reports.services announces (signals.py).
        from reports import tasks  # noqa: F401
