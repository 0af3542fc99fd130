"""The task-force core: bodies, who takes part in them, and their milestones."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from members.models import Agency


class BilingualTitle:
    """`title` in the reader's language, falling back to the other one."""

    title_en: str
    title_fr: str

    @property
    def title(self) -> str:
        if get_language() == "fr":
            return self.title_fr or self.title_en
        return self.title_en or self.title_fr


class Body(models.Model):
    class Kind(models.TextChoices):
        FORUM = "forum", _("Forum")
        TASK_FORCE = "task_force", _("Task force")

    acronym = models.CharField(_("acronym"), max_length=20)
    # French readers know a body by its French name's acronym (GTTAF for CBFTF); empty when it is the same.
    acronym_fr = models.CharField(_("acronym (French)"), max_length=20, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("The forum this body reports to."),
    )
    mandate_en = models.TextField(_("mandate (English)"), blank=True)
    mandate_fr = models.TextField(_("mandate (French)"), blank=True)
    # Reminder offsets before each meeting (in days), unless a meeting sets its own.
    meeting_reminder_days = models.JSONField(_("meeting reminders (days before)"), default=list, blank=True)
    # Members cannot turn off notices of meetings being scheduled, moved or cancelled.
    meeting_changes_mandatory = models.BooleanField(_("meeting changes are always sent"), default=False)
    # Official languages: an agenda is circulated only once every item has its title (and description) in both.
    bilingual_agenda_required = models.BooleanField(
        _("agendas must be bilingual"),
        default=False,
        help_text=_("Circulate an agenda only once every item has its title and description in English and French."),
    )
    quorum = models.PositiveSmallIntegerField(
        _("quorum"),
        null=True,
        blank=True,
        help_text=_("How many member agencies must be present for a meeting to decide; empty if no rule."),
    )
    agencies = models.ManyToManyField(Agency, through="AgencyRole", related_name="bodies")
    people = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="bodies")

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["acronym"]
        constraints = [
            models.UniqueConstraint(
                Upper("acronym"),
                name="body_acronym_unique",
                violation_error_message=_("A body with this acronym already exists."),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="body_not_own_parent",
                violation_error_message=_("A body cannot report to itself."),
            ),
        ]

    # A body may keep its acronym in French: an empty French acronym is not a missing one.
    translation_optional = ("acronym_fr",)

    def __str__(self) -> str:
        return self.local_acronym

    @property
    def local_acronym(self) -> str:
        """The acronym readers of the active language know the body by; `acronym` stays its key in addresses,
        filters and the API."""
        return (self.acronym_fr or self.acronym) if get_language() == "fr" else self.acronym

    @property
    def name(self) -> str:
        return self.name_fr if get_language() == "fr" else self.name_en

    @property
    def mandate(self) -> str:
        return (self.mandate_fr if get_language() == "fr" else self.mandate_en) or self.mandate_en


class AgencyRole(models.Model):
    """The part an agency takes in a body."""

    class Role(models.TextChoices):
        CO_LEAD = "co_lead", _("Co-lead")
        MEMBER = "member", _("Member")
        SUPPORTING = "supporting", _("Supporting")
        OBSERVER = "observer", _("Observer")

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="agency_roles")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="body_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("agency role")
        verbose_name_plural = _("agency roles")
        ordering = ["body", "role", "agency__acronym"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "agency"],
                name="agency_role_once_per_body",
                violation_error_message=_("This agency already has a role in this body."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} — {self.get_role_display()} ({self.body})"


class Membership(models.Model):
    """The part a person takes in a body."""

    class Role(models.TextChoices):
        SECRETARIAT = "secretariat", _("Secretariat")
        CO_CHAIR = "co_chair", _("Co-chair")
        MEMBER = "member", _("Member")
        DELEGATE = "delegate", _("Delegate")
        OBSERVER = "observer", _("Observer")

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["body", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "user"],
                name="membership_once_per_body",
                violation_error_message=_("This person already has a role in this body."),
            ),
        ]
        indexes = [models.Index(fields=["user", "body", "role"], name="membership_user_scope")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.body})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        user_agency = getattr(self.user, "agency_id", None) if self.user_id else None
        if self.body_id and user_agency and not AgencyRole.objects.filter(
            body_id=self.body_id, agency_id=user_agency
        ).exists():
            raise ValidationError(
                {"user": _("This person's agency takes no part in this body; give the agency a role first.")}
            )


class DuePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    SEASON = "season", _("Season")
    QUARTER = "quarter", _("Quarter")
    FISCAL_YEAR = "fiscal_year", _("Fiscal year")


SEASONS = {
    # (start month, start day) of each season; a season runs to the day before the next one starts.
    "spring": ((3, 20), _("Spring")),
    "summer": ((6, 21), _("Summer")),
    "autumn": ((9, 22), _("Autumn")),
    "winter": ((12, 21), _("Winter")),
}


# Full-text search (taskforce/search.py) matches this expression; the GIN index serves it.
MILESTONE_SEARCH = (
    SearchVector("title_en", config="english", weight="A")
    + SearchVector("title_fr", config="french", weight="A")
    + SearchVector("description", config="english", weight="B")
    + SearchVector("description_fr", config="french", weight="B")
)


class Milestone(BilingualTitle, models.Model):
    """A dated deliverable. A due window ("Spring 2022") is a window, not a day."""

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("milestone", "Planned")
        IN_PROGRESS = "in_progress", pgettext_lazy("milestone", "In progress")
        DONE = "done", pgettext_lazy("milestone", "Done")
        CANCELLED = "cancelled", pgettext_lazy("milestone", "Cancelled")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="milestones")
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    # `description` is the English text (the API has always called it so, as an agenda item's); `description_fr` the
    # French.
    description = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    owner_agency = models.ForeignKey(
        Agency, verbose_name=_("owner agency"), on_delete=models.PROTECT, related_name="milestones"
    )
    due_start = models.DateField(_("due from"))
    due_end = models.DateField(_("due by"))
    due_precision = models.CharField(
        _("precision"), max_length=20, choices=DuePrecision.choices, default=DuePrecision.DAY
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_("Restricted items are shared only with the agencies granted access, not the whole body."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_end", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_end__gte=models.F("due_start")),
                name="milestone_window_ordered",
                violation_error_message=_("The end of the due window cannot be before its start."),
            ),
            models.CheckConstraint(
                condition=~models.Q(due_precision="day") | models.Q(due_end=models.F("due_start")),
                name="milestone_day_is_one_day",
                violation_error_message=_("A milestone due on a day starts and ends on that day."),
            ),
        ]
        indexes = [
            models.Index(fields=["body", "due_end"], name="milestone_body_due"),
            GinIndex(MILESTONE_SEARCH, name="milestone_search"),
        ]

    def __str__(self) -> str:
        return self.title_en

    @property
    def due_label(self) -> str:
        return due_label(self.due_precision, self.due_start, self.due_end)

    @property
    def is_overdue(self) -> bool:
        return self.status in (self.Status.PLANNED, self.Status.IN_PROGRESS) and (
            self.due_end < datetime.date.today()
        )


def due_label(precision: str, start: datetime.date, end: datetime.date) -> str:
    from taskforce.dates import date_format

    if precision == DuePrecision.MONTH:
        return date_format(start, "F Y")
    if precision == DuePrecision.SEASON:
        for (month, day), name in SEASONS.values():
            if (start.month, start.day) == (month, day):
                return f"{name} {end.year if month == 12 else start.year}"
    if precision == DuePrecision.QUARTER:
        # "Q1 2022" in English, "T1 2022" (trimestre) in French.
        return _("Q%(quarter)s %(year)s") % {"quarter": (start.month - 1) // 3 + 1, "year": start.year}
    if precision == DuePrecision.FISCAL_YEAR:
        return _("Fiscal year %(start)s–%(end)s") % {"start": start.year, "end": end.year}
    if start == end:
        return date_format(start, "DATE_FORMAT")
    return f"{date_format(start, 'DATE_FORMAT')} – {date_format(end, 'DATE_FORMAT')}"


def season_window(name: str, year: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a season; winter of `year` starts in December of the year before."""
    order = list(SEASONS)
    (month, day), _label = SEASONS[name]
    start_year = year - 1 if name == "winter" else year
    start = datetime.date(start_year, month, day)
    (next_month, next_day), _next = SEASONS[order[(order.index(name) + 1) % 4]]
    next_start = datetime.date(start_year + (1 if name == "winter" else 0), next_month, next_day)
    return start, next_start - datetime.timedelta(days=1)


def fiscal_year_window(start_year: int) -> tuple[datetime.date, datetime.date]:
    """The Government of Canada's fiscal year: April 1 to March 31."""
    return datetime.date(start_year, 4, 1), datetime.date(start_year + 1, 3, 31)


def due_window(precision: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the window of this precision that holds `day`: the day itself, its month, its
    season, its quarter or its fiscal year."""
    if precision == DuePrecision.MONTH:
        start = day.replace(day=1)
        return start, (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    if precision == DuePrecision.SEASON:
        for name, year in [*((name, day.year) for name in SEASONS), ("winter", day.year + 1)]:
            start, end = season_window(name, year)
            if start <= day <= end:
                return start, end
    if precision == DuePrecision.QUARTER:
        first_month = (day.month - 1) // 3 * 3 + 1
        start = datetime.date(day.year, first_month, 1)
        return start, (start + datetime.timedelta(days=95)).replace(day=1) - datetime.timedelta(days=1)
    if precision == DuePrecision.FISCAL_YEAR:
        return fiscal_year_window(day.year if day.month >= 4 else day.year - 1)
    return day, day


class MilestoneUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Milestone, on_delete=models.CASCADE)


class MilestoneGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Milestone, on_delete=models.CASCADE)


# Notifications -------------------------------------------------------------------------------------


class NotificationKind(models.TextChoices):
    """What a member chooses how to receive."""

    MEETING = "meeting", _("Meeting invitations, changes and cancellations")
    AGENDA = "agenda", _("Agendas circulated and changed, minutes approved")
    MEETING_REMINDER = "meeting_reminder", _("Reminders before meetings and to answer invitations")
    DEADLINE = "deadline", _("Milestones and approval steps coming due or overdue")
    ACTION_ITEM = "action_item", _("Your action items coming due or overdue")


class DeliveryMode(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately")
    DIGEST = "digest", _("In a daily digest")
    OFF = "off", _("Off")


class NotificationPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    mode = models.CharField(max_length=20, choices=DeliveryMode.choices, default=DeliveryMode.IMMEDIATELY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.mode}"


class Notification(models.Model):
    """One item in a member's in-portal notification list (the same items their email carries)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    # What happened, once per person: a second publication of the same event adds nothing.
    event_key = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "event_key"], name="notification_once_per_event")]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_user_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """A reminder due at an instant (UTC). A sweep claims due rows; nothing is queued ahead of time."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CLAIMED = "claimed", _("Being sent")
        SENT = "sent", _("Sent")
        DROPPED = "dropped", _("Dropped: what it reminded of changed")
        SKIPPED = "skipped", _("Skipped: too late")

    # The registered handler that knows the recipients and the message ("meeting.before").
    kind = models.CharField(max_length=50)
    # What it is about ("meetings.meeting:12").
    topic = models.CharField(max_length=100)
    # Which reminder of the topic ("7d", "1d", "overdue:2022-02-16").
    label = models.CharField(max_length=50)
    # The state of the topic the reminder was computed for (the meeting's start); a reminder whose
    # topic has since moved no longer matches and is dropped instead of sent.
    occurrence = models.CharField(max_length=64)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "topic", "label", "occurrence"], name="reminder_once"),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(status="pending"), name="reminder_due_pending"),
            models.Index(fields=["topic", "status"], name="reminder_topic_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.topic} {self.label} @ {self.due_at:%Y-%m-%d %H:%M}"


class Delivery(models.Model):
    """One email to one person. The unique key makes a second send of the same thing impossible."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        HELD = "held", _("Held for the daily digest")
        DIGESTED = "digested", _("Sent in a digest")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries")
    key = models.CharField(max_length=250, unique=True)
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    reminder = models.ForeignKey(Reminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    ics = models.TextField(blank=True)
    ics_method = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Until when the batch task that is to send this pending delivery holds it (renewed as the batch goes on);
    # a hold run out means that task's worker died, and the next re-queue sends it at once.
    leased_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "created_at"], name="delivery_status_created"),
            models.Index(fields=["recipient", "status"], name="delivery_recipient_status"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"


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

    def __str__(self) -> str:
        return f"{self.user}: calendar feed"


class Removal(models.Model):
    """A schedule entry that was deleted (taskforce/schedule.py records it as it goes), for clients that sync
    with `updated_since`. It keeps who could see the entry: its body, whether it was restricted, and the
    visibility index's principals and marking for it at the moment it went."""

    kind = models.CharField(max_length=30)
    object_id = models.BigIntegerField()
    body_id = models.BigIntegerField()
    restricted = models.BooleanField()
    principals = ArrayField(models.BigIntegerField(), default=list)
    level = models.PositiveSmallIntegerField(default=0)
    removed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["body_id", "removed_at"], name="removal_body_time")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} removed {self.removed_at:%Y-%m-%d %H:%M}"


class Visibility(models.Model):
    """The visibility index: one row for each principal that may see an object, with the object's highest
    marking (its own or a parent's). Derived from the rules in taskforce/permissions.py and kept in step by
    every write that changes who may see what; never written anywhere else."""

    pk = models.CompositePrimaryKey("content_type_id", "object_id", "principal")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+", db_index=False)
    object_id = models.BigIntegerField()
    # A body's secretariat, its members, an agency in it or a person in it (taskforce/permissions.py).
    principal = models.BigIntegerField()
    level = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["content_type", "principal", "object_id"], include=["level"], name="visibility_by_principal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} seen by {self.principal}"


class Reader(models.Model):
    """The principals each active person holds: the other half of the visibility index."""

    pk = models.CompositePrimaryKey("user_id", "principal")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    principal = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["principal", "user"], name="reader_by_principal")]

    def __str__(self) -> str:
        return f"{self.user_id} holds {self.principal}"


class AuditEntry(models.Model):
    """One line of the audit trail: a change to a row, a security event, or a look at restricted material.

    Changes are written by a database trigger on every table of the project's models (taskforce/audit_trail.py),
    so bulk updates, the admin and raw SQL are caught as well as saves; events are written by taskforce/audit.py.
    Who, through which channel, from which address and in which request come from the session settings the portal
    sets before it writes (taskforce/audit.py). The database owns this table: it refuses UPDATE, DELETE and
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
