"""python manage.py export_iati --user <username> [--output FILE] [--filter name=value ...]"""

import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from reports.iati.builder import iati_activities_stream
from reports.iati.readiness import iati_readiness_list


class Command(BaseCommand):
    help = (
        "Write the projects a user may see as an IATI 2.03 activity file (UNODC, "
        "XM-DAC-41128, reporting), streamed a chunk of projects at a time. Projects that "
        "lack something for a valid record are listed and left out."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--user", required=True, help="Whose access rules apply (e.g. a programme manager)."
        )
        parser.add_argument("--output", type=Path, default=Path("iati-activities.xml"))
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A project list filter (status=2, sub_programme=3, province=PK-PB, ...).",
        )

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r}.")
        filters = QueryDict(mutable=True)
        for item in options["filter"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter {item!r}: write it as name=value.")
            filters.appendlist(name, value)
        for row in iati_readiness_list(user=user, filters=filters or None, only_gaps=True):
            for gap in row.gaps:
                self.stderr.write(f"{row.code} left out: {gap.field}: {gap.message}")
        output: Path = options["output"]
        partial = output.with_name(output.name + ".part")
        with partial.open("wb") as file:
            for piece in iati_activities_stream(user=user, filters=filters or None):
                file.write(piece)
        os.replace(partial, output)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
