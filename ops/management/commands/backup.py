from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import backups


class Command(BaseCommand):
    help = (
        "Backs up the database (pg_dump, custom format) and the uploaded files into a new folder under BACKUP_DIR "
        "(var/backups by default) and prints its path. `manage.py restore <folder>` puts them back."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--into", type=Path, help="The folder to create the backup in (default: BACKUP_DIR).")

    def handle(self, *args, into: Path | None = None, **options) -> None:
        try:
            folder = backups.backup(into)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(folder))
