from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from accounts import services
from accounts.models import ApiToken
from members.models import User
from taskforce.context import AuditedCommand


class Command(AuditedCommand):
    help = "Create an API token for a member and print it on the last line; it is shown only this once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="Command line", help="What the token is for.")
        parser.add_argument("--access", choices=ApiToken.Access.values, default=ApiToken.Access.READ)
        lifetime = parser.add_mutually_exclusive_group()
        lifetime.add_argument("--expires-days", type=int, default=90, help="Days until it expires (1 to 366).")
        lifetime.add_argument("--no-expiry", action="store_true", help="A token that never expires.")

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active member with the username {options['username']!r}.")
        try:
            token, text = services.api_token_create(
                actor=user, name=options["name"], access=options["access"],
                expires_in_days=None if options["no_expiry"] else options["expires_days"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "never expires"
        self.stdout.write(f"Token {token.prefix}… for {user.username} ({token.get_access_display()}), {expiry}.")
        self.stdout.write(text)
