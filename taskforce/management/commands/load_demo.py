from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from taskforce import demo
from taskforce.context import AuditedCommand


class Command(AuditedCommand):
    help = (
        "Loads the Cross Border Firearms Task Force demo scenario (idempotent), moved by whole weeks so that the "
        "briefing note's date (2021-12-10) falls in the current week."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Load even when DEBUG is off (never on a production portal)."
        )
        parser.add_argument(
            "--as-recorded", action="store_true", help="Keep the briefing note's own dates (December 2021)."
        )

    def handle(self, *args, **options) -> None:
        if not (settings.DEBUG or settings.DEMO_ON_LOCAL_PORTAL) and not options["force"]:
            raise CommandError("DEBUG is off: the demo has known passwords. Use --force to load it anyway.")
        wanted = 0 if options["as_recorded"] else demo.weeks_to_this_week(timezone.localdate())
        placed = demo.placed_weeks()
        weeks = wanted if placed is None else placed
        loaded = demo.load(timeline=demo.Timeline(weeks=weeks, story_times=True))
        self.stdout.write(
            f"Demo loaded: {len(loaded.bodies)} bodies, {len(loaded.agencies)} agencies, "
            f"{len(demo.ACCOUNTS)} users ({', '.join(demo.ACCOUNTS)}; password: {demo.DEMO_PASSWORD})."
        )
        note = loaded.timeline.day(demo.NOTE_DATE)
        self.stdout.write(f"The briefing note's date in this story: {loaded.timeline.spell(note, 'en')}.")
        if placed is not None and placed != wanted:
            self.stdout.write(
                "The story keeps the dates it was first loaded with; load it into an empty database to place it "
                + ("at the note's own dates." if options["as_recorded"] else "in the current week.")
            )
