"""A member's credentials besides their password: personal API tokens and the secret address of their calendar feed.
The tables keep the names they were created with."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is kept; the token itself is shown once."""

    class Access(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # The token's first characters, so its owner can tell tokens apart; not enough to use it.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    access = models.CharField(_("access"), max_length=10, choices=Access.choices, default=Access.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # The addresses the token was used from (the latest last), so a use from a new one is recorded as such.
    seen_addresses = ArrayField(models.GenericIPAddressField(), default=list, blank=True, editable=False)

    class Meta:
        db_table = "taskforce_apitoken"
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(access__in=["read", "write"]), name="api_token_access_valid"),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"], name="api_token_user_active")]

    def __str__(self) -> str:
        return f"{self.user}: {self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def can_write(self) -> bool:
        return self.access == self.Access.WRITE


class CalendarFeed(models.Model):
    """A member's private calendar feed. The secret in its address is `key` plus a keyed hash of it, so the
    address can be shown again to its owner while a copy of the database alone cannot rebuild it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    key = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "taskforce_calendarfeed"

    def __str__(self) -> str:
        return f"{self.user}: calendar feed"
