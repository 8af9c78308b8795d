from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ctportal.backup import BackupError, backup_create, backup_dir


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or a copy of the SQLite file) and every uploaded file "
        "(MEDIA_ROOT) into a new folder named for the time under BACKUP_DIR (var/backups)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            type=Path,
            default=None,
            help=f"Where to put the backup's folder (default: BACKUP_DIR, now {backup_dir()}).",
        )

    def handle(self, *args, **options):
        try:
            folder = backup_create(directory=options["dir"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backed up to {folder}"))
        # The folder alone on the last line, for scripts.
        self.stdout.write(str(folder))
