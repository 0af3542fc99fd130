from django.core.management.base import BaseCommand, CommandError

from taskforce import permissions


class Command(BaseCommand):
    help = (
        "Compares the visibility index with the rules worked out afresh and names every difference; exit status 1 "
        "if there is any (then `python manage.py rebuild_visibility` repairs it)."
    )

    def handle(self, *args, **options) -> None:
        differences = permissions.check()
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(
                f"The visibility index differs from the rules in {len(differences)} row(s) (first 1,000 of each kind "
                "listed); run `python manage.py rebuild_visibility`."
            )
        self.stdout.write("The visibility index agrees with the rules.")
