from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.utils import OperationalError


class Command(BaseCommand):
    help = "Stops with one line naming the database and the fix when it cannot be reached."

    def handle(self, *args, **options) -> None:
        settings = connection.settings_dict
        where = f"{settings.get('NAME')} on {settings.get('HOST') or 'localhost'}:{settings.get('PORT') or 5432}"
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
            raise CommandError(
                f"Cannot reach the PostgreSQL database {where} ({reason}). "
                "Start PostgreSQL or fix DATABASE_URL; unset DATABASE_URL to use the embedded server."
            ) from None
        if options["verbosity"] > 1:
            self.stdout.write(f"Database {where} is reachable.")
