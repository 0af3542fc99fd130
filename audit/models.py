from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One line of the audit trail: a change to a row, a security event, or a look at restricted material.

    Changes are written by a database trigger on every table of the project's models (audit/trail.py), so bulk
    updates, the admin and raw SQL are caught as well as saves; events are written by audit/events.py. Who, through
    which channel, from which address and in which request come from the session settings the portal sets before
    it writes (taskforce/context.py). The database owns this table: it refuses UPDATE, DELETE and
    TRUNCATE, and chains each row to the one before by a SHA-256 hash (`check_audit` verifies the chain).

    Unmanaged, so Django's flush (between transactional tests) leaves it alone, as it must; and without foreign
    keys, so that an entry outlives whatever it names.
    """

    class Kind(models.TextChoices):
        CHANGE = "change", _("Change")
        SECURITY = "security", _("Security event")
        ACCESS = "access", _("Restricted material read")

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        TRUNCATE = "truncate", _("Emptied")
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        SIGN_OUT = "sign_out", _("Signed out")
        LOCKED_OUT = "locked_out", _("Locked out")
        LOCKOUT_LIFTED = "lockout_lifted", _("Lockout lifted")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        SECOND_FACTOR_ENROLLED = "second_factor_enrolled", _("Authenticator app set up")
        SECOND_FACTOR_VERIFIED = "second_factor_verified", _("Sign-in confirmed with the authenticator app")
        RECOVERY_CODE_USED = "recovery_code_used", _("Sign-in confirmed with a recovery code")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_NEW_ADDRESS = "token_new_address", _("API token used from a new address")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        NOT_FOUND = "not_found", _("Refused: not visible to them")
        DENIED = "denied", _("Refused: not allowed")
        GRANTED = "granted", _("Access granted")
        REVOKED = "revoked", _("Access withdrawn")
        VIEWED = "viewed", _("Read")
        DOWNLOADED = "downloaded", _("Downloaded")

    class Channel(models.TextChoices):
        PAGE = "page", _("Web page")
        API = "api", _("API")
        FEED = "feed", _("Calendar feed")
        ADMIN = "admin", _("Admin site")
        COMMAND = "command", _("Command")
        TASK = "task", _("Background task")
        DEMO = "demo", _("Demo loader")
        GUEST = "guest", _("Guest's link")
        EMAIL = "email", _("Email (a calendar reply)")
        DATABASE = "database", _("Database, outside the portal")

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("when"))
    # The database transaction that made the change: the entries of one save share it.
    txid = models.BigIntegerField()
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    action = models.CharField(_("what"), max_length=30, choices=Action.choices)
    # What the entry is about: "mou.agreement" and its id; the object it belongs to (an agreement's version
    # belongs to the agreement), so that the history of an object includes its parts.
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.BigIntegerField(null=True)
    object_label = models.CharField(max_length=300, blank=True)
    parent_type = models.CharField(max_length=100, blank=True)
    parent_id = models.BigIntegerField(null=True)
    # The body the object belongs to and the highest marking it is read under, for scoping the trail.
    body_id = models.BigIntegerField(null=True)
    classification = models.PositiveSmallIntegerField(default=0)
    actor_id = models.BigIntegerField(null=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # The page or endpoint (by name, never by address: some addresses hold secrets), command or task.
    source = models.CharField(_("source"), max_length=200, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.CharField(_("address"), max_length=45, blank=True)
    # A change: the values before and after (only the changed columns of an update; secrets redacted).
    old_values = models.JSONField(null=True)
    new_values = models.JSONField(null=True)
    details = models.JSONField(null=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        managed = False
        db_table = "taskforce_auditentry"
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"
