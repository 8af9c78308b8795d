from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from ctportal.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder (made by `manage.py backup`) into the configured database "
        "and MEDIA_ROOT. Both must be empty unless --force is given, which replaces them."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="The backup's folder.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace whatever the database and the media folder hold now.",
        )

    def handle(self, *args, **options):
        try:
            result = backup_restore(source=options["backup"], force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        files = ngettext("%(n)d uploaded file", "%(n)d uploaded files", result.media_files) % {
            "n": result.media_files
        }
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {options['backup']}: the database {result.database} and {files}. "
                "Run `manage.py migrate` if the backup is older than this version of the portal."
            )
        )
