from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import backups


class Command(BaseCommand):
    help = (
        "Replaces the database and the uploaded files with those of a backup folder made by `manage.py backup`. "
        "Stop web, worker and beat first; run `manage.py check_audit` afterwards."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path, help="A folder made by `manage.py backup`.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, folder: Path, yes: bool = False, **options) -> None:
        try:
            manifest = backups.verify(folder)
            if not yes and input(
                f"Replace the database and every uploaded file with the backup of {manifest['created_at']}? "
                "Type yes to go on: "
            ).strip().lower() != "yes":
                raise CommandError("Nothing was restored.")
            backups.restore(folder)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Restored the database and {manifest['files']} uploaded files from {folder} "
            f"(made {manifest['created_at']})."
        )
