from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

# Any constant shared by every process of the portal: the key of the advisory lock migrations hold.
MIGRATION_LOCK = 7_283_100_001


class Command(DjangoMigrate):
    help = (
        DjangoMigrate.help + " Holds a PostgreSQL advisory lock meanwhile, so two migrate steps started at once (two "
        "deployments, or a replica that migrates on start) run one after the other, never together."
    )

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
        try:
            return super().handle(*args, **options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
