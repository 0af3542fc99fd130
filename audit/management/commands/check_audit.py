from django.core.management.base import BaseCommand, CommandError

from audit import trail as audit_trail


class Command(BaseCommand):
    help = (
        "Verifies the audit trail's hash chain, recomputing every entry's hash; stops with a non-zero status naming "
        "the first entry that was changed, removed or inserted."
    )

    def handle(self, *args, **options) -> None:
        verdict = audit_trail.verify()
        if not verdict.intact:
            raise CommandError(
                f"The audit trail is broken at entry #{verdict.broken_at}: {verdict.problem} "
                f"({verdict.checked} entries before it are intact)."
            )
        self.stdout.write(
            f"The audit trail is intact: {verdict.checked} entries; the last hash is {verdict.head or '(none)'}. "
            "Keep the last hash elsewhere: an entry removed from the end shows only against it."
        )
