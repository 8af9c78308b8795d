"""Fill an empty PostgreSQL database with synthetic data at a scale, for `make bench`."""

from django.core.management.base import BaseCommand, CommandError

from ctportal.scale.generate import PROFILES, generate
from ctportal.scale.writer import RefusedError


class Command(BaseCommand):
    help = (
        "Write deterministic synthetic data (decade: DESIGN.md's scale; year: a tenth; tiny: "
        "for tests) into an empty PostgreSQL database. Refuses SQLite, production settings "
        "and a database that holds organisations, projects or agreements unless --force, "
        "which first empties every portal table."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(PROFILES), required=True)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Empty every portal table (users included) before writing.",
        )

    def handle(self, *args, scale: str, force: bool, **options):
        self.stdout.write(f"Generating the {scale} scale...")
        try:
            counts = generate(PROFILES[scale], force=force, say=self.stdout.write)
        except RefusedError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(", ".join(f"{n:,} {name}" for name, n in counts.items()))
        )
