from django.apps import AppConfig


class WorkplansConfig(AppConfig):
    name = "workplans"

    def ready(self) -> None:
        # Keeps each lineage's latest verified update with every write of an update.
        from workplans.services import progress_latest

        progress_latest.connect()
