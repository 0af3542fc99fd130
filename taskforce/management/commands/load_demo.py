from django.conf import settings
from django.core.management.base import CommandError

from taskforce import demo
from taskforce.audit import AuditedCommand


class Command(AuditedCommand):
    help = "Loads the Cross Border Firearms Task Force demo scenario (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Load even when DEBUG is off (never on a production portal)."
        )

    def handle(self, *args, **options) -> None:
        if not (settings.DEBUG or settings.DEMO_ON_LOCAL_PORTAL) and not options["force"]:
            raise CommandError("DEBUG is off: the demo has known passwords. Use --force to load it anyway.")
        loaded = demo.load()
        self.stdout.write(
            f"Demo loaded: {len(loaded.bodies)} bodies, {len(loaded.agencies)} agencies, "
            f"{len(loaded.users)} users (password: {demo.DEMO_PASSWORD})."
        )
