import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from taskforce import inbound


class Command(BaseCommand):
    help = (
        "Runs the portal's mail receiver: an SMTP (or, with --lmtp, LMTP) server that calendar replies are delivered "
        "to (docs/calendar-replies.md). Listens on MAIL_RECEIVER_ADDRESS unless --address says otherwise; stops on "
        "Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--address", default=settings.MAIL_RECEIVER_ADDRESS, help="host:port to listen on")
        parser.add_argument(
            "--lmtp", action="store_true", default=settings.MAIL_RECEIVER_PROTOCOL.lower() == "lmtp",
            help="speak LMTP (a mail server hands messages over) rather than SMTP",
        )

    def handle(self, *args, **options) -> None:
        try:
            host, port = inbound.split_address(options["address"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        protocol = "LMTP" if options["lmtp"] else "SMTP"

        def ready() -> None:
            self.stdout.write(
                f"Receiving mail ({protocol}) on {host}:{port} for {settings.CALENDAR_REPLY_ADDRESS} "
                f"and its +token addresses.", ending="\n",
            )
            self.stdout.flush()

        async def main() -> None:
            task = asyncio.ensure_future(inbound.serve(host, port, lmtp=options["lmtp"], ready=ready))
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, task.cancel)
            try:
                await task
            except asyncio.CancelledError:
                pass

        try:
            asyncio.run(main())
        except OSError as error:
            raise CommandError(f"Cannot listen on {host}:{port}: {error}") from error
