from notifications import engine
from notifications.models import Delivery
from taskforce.context import AuditedCommand


class Command(AuditedCommand):
    help = "One pass of the reminder sweep that Celery beat runs every minute, then sends what it queued."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-send", action="store_true", help="Only create the deliveries; leave sending to the workers."
        )

    def handle(self, *args, **options) -> None:
        result = engine.sweep()
        sent = failed = 0
        if not options["no_send"]:
            for delivery_id in Delivery.objects.filter(status=Delivery.Status.PENDING).values_list("pk", flat=True):
                delivery = engine.claim_delivery(delivery_id)
                if delivery is None:
                    continue
                try:
                    engine.send_claimed(delivery)
                    sent += 1
                except Exception as exc:
                    failed += 1
                    self.stderr.write(f"Delivery {delivery_id} not sent: {exc}")
        self.stdout.write(
            f"Reminders: {result.sent} sent, {result.dropped} dropped, {result.skipped} skipped; "
            f"emails: {sent} sent, {failed} failed."
        )
