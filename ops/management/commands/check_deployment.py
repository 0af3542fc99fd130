from django.core.management.base import BaseCommand, CommandError

from ops import deployment


class Command(BaseCommand):
    help = (
        "Checks this deployment: Django's deployment settings, the database and pending migrations, the broker, the "
        "mail server and the audit trail's hash chain. Prints each problem in plain words; exit status 1 if any."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--skip", action="append", default=[], choices=sorted(deployment.CHECKS),
            help="Leave out a check (repeatable), e.g. --skip email where the mail server is not reachable from here.",
        )

    def handle(self, *args, skip: list[str], **options) -> None:
        findings = deployment.run(tuple(skip))
        problems = [finding for finding in findings if not finding.ok]
        for finding in findings:
            mark = "ok     " if finding.ok else "PROBLEM"
            self.stdout.write(f"{mark} {finding.check}: {finding.message}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found; see above.")
        self.stdout.write("Everything checked is in order.")
