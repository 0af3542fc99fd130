"""What members are told and how: notices in the portal, reminders due at an instant, emails to send, and each
member's choice of how to receive each kind. The tables keep the names they were created with."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
        db_table = "taskforce_notificationpreference"
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
        db_table = "taskforce_notification"
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
        db_table = "taskforce_reminder"
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

    # A member; or, for someone without an account (a meeting's guest), an address and the body whose secretariat
    # answers for the email (it lists it among the messages not delivered).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    # A default in the database too: the sweep inserts deliveries naming their columns (engine._insert).
    address = models.EmailField(max_length=254, blank=True, db_default="")
    body = models.ForeignKey(
        "taskforce.Body", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
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
        db_table = "taskforce_delivery"
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "created_at"], name="delivery_status_created"),
            models.Index(fields=["recipient", "status"], name="delivery_recipient_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False, address="")
                | models.Q(recipient__isnull=True, body__isnull=False) & ~models.Q(address=""),
                name="delivery_to_member_or_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient or self.address}: {self.subject}"

    @property
    def to(self) -> str:
        """The address the email goes to."""
        return self.recipient.email if self.recipient_id else self.address


