from django.core.management.base import BaseCommand

from taskforce import permissions
from taskforce.models import Reader, Visibility


class Command(BaseCommand):
    help = (
        "Recomputes the visibility index (who may see what) from the rules, in one transaction: after a restore, or "
        "to repair an index that `check_visibility` found out of step."
    )

    def handle(self, *args, **options) -> None:
        permissions.rebuild()
        self.stdout.write(
            f"The visibility index is rebuilt: {Visibility.objects.count()} object rows, "
            f"{Reader.objects.count()} reader rows."
        )
