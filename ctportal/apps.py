from django.apps import AppConfig


class CtportalConfig(AppConfig):
    """Cross-app plumbing: the home page, demo data, shared template tags."""

    name = "ctportal"
    verbose_name = "CT Portal"
