from django.core.management.base import BaseCommand

from ctportal.demo.loader import DemoLoader


class Command(BaseCommand):
    help = "Load the demo dataset (real published figures, invented ones marked). Idempotent."

    def handle(self, *args, **options):
        created = DemoLoader().run()
        if not created:
            self.stdout.write("Demo data already loaded: nothing changed.")
            return
        for what, count in created.items():
            self.stdout.write(f"  {count:>4} {what}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
