"""Meetings of a body: schedule, invitees, agenda, papers, comments, RSVPs, attendance, minutes,
decisions and action items."""

import datetime
import uuid
import zoneinfo

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from members.models import Agency, Classification, validate_time_zone
from taskforce.models import BilingualTitle, Body

# Full-text search (portal/search.py) matches this expression; the GIN index serves it.
MEETING_SEARCH = (
    SearchVector("title_en", config="english", weight="A")
    + SearchVector("title_fr", config="french", weight="A")
    + SearchVector("place", config="simple", weight="C")
)
AGENDA_ITEM_SEARCH = (
    SearchVector("title_en", config="english", weight="A")
    + SearchVector("title_fr", config="french", weight="A")
    + SearchVector("description", config="english", weight="B")
    + SearchVector("description_fr", config="french", weight="B")
)
PAPER_SEARCH = SearchVector("title", config="english", weight="A") + SearchVector("title", config="french", weight="A")
DECISION_SEARCH = SearchVector("text", config="english", weight="A") + SearchVector("text", config="french", weight="A")
ACTION_ITEM_SEARCH = (
    SearchVector("text", config="english", weight="A")
    + SearchVector("text", config="french", weight="A")
)


class MeetingSeries(BilingualTitle, models.Model):
    """A body's regular meetings; each occurrence is a Meeting that can be moved on its own."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meeting_series")
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    frequency = models.CharField(_("repeats"), max_length=10, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField(_("every"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        constraints = [
            models.CheckConstraint(condition=models.Q(interval__gte=1), name="series_interval_positive"),
        ]

    def __str__(self) -> str:
        return self.title_en


class Meeting(BilingualTitle, models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    class AgendaStatus(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CIRCULATED = "circulated", _("Circulated")
        FINAL = "final", _("Final")

    class MinutesStatus(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CIRCULATED = "circulated", _("Draft, circulated for comment")
        APPROVED = "approved", _("Approved")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    series = models.ForeignKey(
        MeetingSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    # Stored in UTC; `time_zone` is the zone the meeting was scheduled in (its local wall time).
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    host_agency = models.ForeignKey(
        Agency, verbose_name=_("host"), null=True, blank=True, on_delete=models.PROTECT, related_name="hosted_meetings"
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    virtual_link = models.URLField(_("virtual meeting link"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    # Kept when a meeting is moved or cancelled, so members see why.
    change_reason = models.TextField(_("reason for the last change"), blank=True)
    # Bumped on every change invitees should hear about (iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    # Reminder offsets in days before the meeting; empty: the body's, or 7 and 1 days.
    reminder_days = models.JSONField(_("reminders (days before)"), default=list, blank=True)
    # The secretariat's own words on top of the scheduled reminders, in each reader's language: both or neither.
    reminder_message_en = models.TextField(_("text of the reminders (English)"), blank=True)
    reminder_message_fr = models.TextField(_("text of the reminders (French)"), blank=True)

    agenda_status = models.CharField(
        _("agenda"), max_length=20, choices=AgendaStatus.choices, default=AgendaStatus.DRAFT
    )
    agenda_circulated_at = models.DateTimeField(null=True, blank=True)
    agenda_circulated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agenda_finalised_at = models.DateTimeField(null=True, blank=True)
    minutes_status = models.CharField(
        _("minutes"), max_length=20, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT
    )
    # Draft minutes circulated to the attendees, who comment per item until the end of this day (the meeting's zone).
    minutes_circulated_at = models.DateTimeField(null=True, blank=True)
    minutes_comments_until = models.DateField(_("comments until"), null=True, blank=True)
    minutes_approved_at = models.DateTimeField(null=True, blank=True)
    minutes_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="meeting_ends_after_start",
                violation_error_message=_("The meeting must end after it starts."),
            ),
            models.CheckConstraint(
                condition=~models.Q(agenda_status="circulated") | models.Q(agenda_circulated_at__isnull=False),
                name="meeting_circulation_recorded",
                violation_error_message=_("A circulated agenda records when it was circulated."),
            ),
            models.CheckConstraint(
                condition=models.Q(reminder_message_en="", reminder_message_fr="")
                | ~models.Q(reminder_message_en="") & ~models.Q(reminder_message_fr=""),
                name="meeting_reminder_message_in_both_languages",
                violation_error_message=_("Give the text of the reminders in English and in French, or neither."),
            ),
        ]
        indexes = [
            models.Index(fields=["body", "start"], name="meeting_body_start"),
            models.Index(fields=["start"], name="meeting_start"),
            GinIndex(MEETING_SEARCH, name="meeting_search"),
            # A schedule window bounds both ends: meetings ending after its first day, starting before its last.
            models.Index(fields=["end"], name="meeting_end"),
        ]

    def __str__(self) -> str:
        return f"{self.title_en} ({self.start:%Y-%m-%d})"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_past(self) -> bool:
        return self.end < timezone.now()

    @property
    def agenda_is_open_for_comments(self) -> bool:
        return self.agenda_status == self.AgendaStatus.CIRCULATED and not self.is_cancelled

    @property
    def reminder_message(self) -> str:
        """The text of the scheduled reminders in the reader's language (both are given, or neither)."""
        return self.reminder_message_fr if get_language() == "fr" else self.reminder_message_en

    def clean(self) -> None:
        super().clean()
        check_message_pair(self.reminder_message_en, self.reminder_message_fr, "reminder_message")


class Invitation(models.Model):
    """An invitee: a whole agency, or one named person."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agency__isnull=True, user__isnull=False)
                | models.Q(agency__isnull=False, user__isnull=True),
                name="invitation_agency_xor_person",
                violation_error_message=_("Invite either an agency or a person."),
            ),
            models.UniqueConstraint(fields=["meeting", "agency"], name="invitation_agency_once"),
            models.UniqueConstraint(fields=["meeting", "user"], name="invitation_person_once"),
        ]

    def __str__(self) -> str:
        return str(self.agency or self.user)


class ItemKind(models.TextChoices):
    """What an agenda item (or a standing item of a body's template) is: a subject, a break (it takes time but no
    papers, comments or restriction), or the review of the body's open action items (it lists them, live)."""

    ITEM = "item", _("Item")
    BREAK = "break", _("Break")
    ACTIONS = "actions", _("Review of action items")


class AgendaItem(BilingualTitle, models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices, default=ItemKind.ITEM)
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    # `description` is the English text (the API has always called it so); `description_fr` the French.
    description = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("presenter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    presenter_agency = models.ForeignKey(
        Agency, verbose_name=_("presenting agency"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minutes_allotted = models.PositiveSmallIntegerField(_("time allotted (minutes)"), default=10)
    restricted = models.BooleanField(
        _("restricted"), default=False, help_text=_("Shown only to the agencies it is restricted to.")
    )
    # A withdrawn item stays on the record, struck through, so nothing circulated silently disappears.
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    minutes = models.TextField(_("minutes"), blank=True)
    # Optimistic lock: a save based on an older version is refused, never silently overwritten.
    version = models.PositiveIntegerField(default=1)
    changed_after_circulation = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "pk"]
        indexes = [
            models.Index(fields=["meeting", "position"], name="agenda_item_order"),
            GinIndex(AGENDA_ITEM_SEARCH, name="agenda_item_search"),
        ]

    def __str__(self) -> str:
        return self.title_en

    @property
    def is_break(self) -> bool:
        return self.kind == ItemKind.BREAK

    @property
    def reviews_actions(self) -> bool:
        return self.kind == ItemKind.ACTIONS

    # The timed agenda: an item starts when the items before it that its reader sees have taken their time (the
    # `elapsed` annotation: minutes up to and including this item, withdrawn ones taking none; see
    # meetings.selectors.timed). A withdrawn item has no time.
    @property
    def starts_at(self):
        if self.withdrawn or getattr(self, "elapsed", None) is None:
            return None
        return self.meeting_start + datetime.timedelta(minutes=self.elapsed - self.minutes_allotted)

    @property
    def ends_at(self):
        starts = self.starts_at
        return None if starts is None else starts + datetime.timedelta(minutes=self.minutes_allotted)


class AgendaTemplate(models.Model):
    """A body's agenda template: the standing items a new meeting's agenda can start from."""

    body = models.OneToOneField(Body, on_delete=models.CASCADE, related_name="agenda_template")
    # Optimistic lock: a save based on an older version is refused, never silently overwritten.
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agenda template")

    def __str__(self) -> str:
        return f"{self.body}"


class StandingItem(BilingualTitle, models.Model):
    template = models.ForeignKey(AgendaTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices, default=ItemKind.ITEM)
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    description = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    presenter_agency = models.ForeignKey(
        Agency, verbose_name=_("presenting agency"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minutes_allotted = models.PositiveSmallIntegerField(_("time allotted (minutes)"), default=10)

    class Meta:
        verbose_name = _("standing item")
        verbose_name_plural = _("standing items")
        ordering = ["template", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes_allotted__gte=1, minutes_allotted__lte=600),
                name="standing_item_minutes_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title_en


class AgendaChange(models.Model):
    """A change to a circulated agenda, shown to those who can see the item."""

    class Kind(models.TextChoices):
        ADDED = "added", _("Added")
        EDITED = "edited", _("Edited")
        MOVED = "moved", _("Moved")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        PAPER_ADDED = "paper_added", _("Paper added")
        PAPER_REPLACED = "paper_replaced", _("Paper replaced")

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.item}"

    @property
    def summary_display(self) -> str:
        """For an edit, the changed fields' names in the reader's language (they are stored as field names)."""
        if self.kind != self.Kind.EDITED:
            return self.summary
        labels = []
        for name in filter(None, (part.strip() for part in self.summary.split(","))):
            try:
                labels.append(str(AgendaItem._meta.get_field(name).verbose_name))
            except FieldDoesNotExist:
                labels.append(name)
        return ", ".join(labels)


def paper_path(instance: "Paper", filename: str) -> str:
    # Server-chosen: nothing of the uploader's file name reaches the file system.
    return f"papers/{instance.meeting_id_for_path}/{uuid.uuid4().hex}"


class Paper(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="papers")
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(upload_to=paper_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Classification.choices, default=Classification.UNCLASSIFIED
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Who uploaded the current version, and when: replacing the paper moves the file it had, with both, to a
    # PaperVersion.
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # The current version's number, from 1; also the optimistic lock of a replacement.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("paper")
        verbose_name_plural = _("papers")
        ordering = ["item", "uploaded_at", "pk"]
        indexes = [GinIndex(PAPER_SEARCH, name="paper_search")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_restricted_material(self) -> bool:
        """Whoever reads it is recorded in the audit trail: a paper of a restricted item, or one that is marked."""
        return self.classification > Classification.UNCLASSIFIED or self.item.restricted

    @property
    def meeting_id_for_path(self) -> int:
        return self.item.meeting_id


class PaperVersion(models.Model):
    """An earlier version of a paper, kept when it was replaced: seen by exactly those who may read the paper."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    # The file the paper had, moved here as it was stored (never uploaded anew, so never renamed).
    file = models.FileField(max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("earlier version of a paper")
        verbose_name_plural = _("earlier versions of papers")
        ordering = ["paper", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "number"], name="paper_version_once"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="paper_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.paper} ({self.number})"


class Comment(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class MinutesComment(models.Model):
    """An attendee's comment on the draft minutes of one item: read by its author and the secretariat."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="minutes_comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment on the draft minutes")
        verbose_name_plural = _("comments on the draft minutes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class Rsvp(models.Model):
    class Response(models.TextChoices):
        IN_PERSON = "in_person", _("Attending in person")
        REMOTE = "remote", _("Attending remotely")
        # Accepted in a calendar app, which does not say how (meetings/calendar_replies.py).
        ATTENDING = "attending", _("Attending")
        TENTATIVE = "tentative", _("Tentative")
        DECLINED = "declined", _("Declined")
        DELEGATE = "delegate", _("Sending a delegate")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps")
    response = models.CharField(_("response"), max_length=20, choices=Response.choices)
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The last calendar reply that gave the answer (its SEQUENCE and DTSTAMP): a reply that is not later changes
    # nothing, so the same reply twice is one answer and the latest wins whatever order they arrive in.
    reply_sequence = models.PositiveIntegerField(null=True, blank=True)
    reply_stamp = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("RSVP")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="rsvp_once_per_person"),
            models.CheckConstraint(
                condition=~models.Q(response="delegate") | models.Q(delegate__isnull=False),
                name="rsvp_delegate_named",
                violation_error_message=_("Name the delegate who will attend."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_response_display()}"


class Attendance(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        REMOTE = "remote", _("Remotely")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The agency the person represented at the time, kept even if they later move.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("attended"), max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)

    class Meta:
        verbose_name = _("attendance")
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once_per_person")]

    def __str__(self) -> str:
        return f"{self.user} ({self.agency})"


class Guest(models.Model):
    """A person outside the member agencies invited to one meeting by name (a host at the U.S. Embassy): no account,
    they answer through a signed link (meetings/guest_links.py) that opens this meeting's essentials and nothing
    else of the portal, until the meeting ends. They count in attendance, never in the quorum."""

    class Answer(models.TextChoices):
        IN_PERSON = "in_person", _("Attending in person")
        REMOTE = "remote", _("Attending remotely")
        ATTENDING = "attending", _("Attending")
        TENTATIVE = "tentative", _("Tentative")
        DECLINED = "declined", _("Declined")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        FRENCH = "fr", _("French")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="guests")
    name = models.CharField(_("name"), max_length=200)
    # Kept in lower case, so that one address is one guest of a meeting however it was typed.
    email = models.EmailField(_("email address"), max_length=254)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    # Null until they answer: "no answer yet" is not an answer (the API says null, as it does for members' RSVPs).
    answer = models.CharField(  # noqa: DJ001
        _("answer"), max_length=20, choices=Answer.choices, null=True, blank=True
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # As on Rsvp: the last calendar reply that gave the answer.
    reply_sequence = models.PositiveIntegerField(null=True, blank=True)
    reply_stamp = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(_("attended"), default=False)
    attended_mode = models.CharField(_("attended"), max_length=20, choices=Attendance.Mode.choices, blank=True)
    # Part of the guest's link: raising it (a new link sent) makes every earlier link answer 404.
    link_version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("guest")
        verbose_name_plural = _("guests")
        ordering = ["meeting", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "email"], name="guest_once_per_meeting",
                violation_error_message=_("This person is already a guest of the meeting."),
            ),
            models.CheckConstraint(
                condition=models.Q(answer__isnull=True, answered_at__isnull=True)
                | models.Q(
                    answer__in=["in_person", "remote", "attending", "tentative", "declined"], answered_at__isnull=False
                ),
                name="guest_answer_known",
            ),
            models.CheckConstraint(
                condition=models.Q(attended=False, attended_mode="")
                | models.Q(attended=True, attended_mode__in=["in_person", "remote"]),
                name="guest_attendance_mode",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    text = models.TextField(_("decision"))
    # Restricted like the item it came from (copied when recorded).
    restricted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("decision")
        ordering = ["meeting", "pk"]
        indexes = [GinIndex(DECISION_SEARCH, name="decision_search")]

    def __str__(self) -> str:
        return self.text[:80]


class ActionItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    item = models.ForeignKey(
        AgendaItem, verbose_name=_("source item"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="action_items",
    )
    text = models.TextField(_("action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="action_items",
    )
    owner_agency = models.ForeignKey(Agency, verbose_name=_("owner agency"), on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    restricted = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("action item")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="action_item_status_due"),
            models.Index(fields=["owner", "status"], name="action_item_owner_status"),
            GinIndex(ACTION_ITEM_SEARCH, name="action_item_search"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )


# Grants: who a meeting is shared with (its invitees) and which agencies see a restricted item.
class MeetingUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Meeting, on_delete=models.CASCADE)


class MeetingGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Meeting, on_delete=models.CASCADE)


class AgendaItemUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(AgendaItem, on_delete=models.CASCADE)


class AgendaItemGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(AgendaItem, on_delete=models.CASCADE)


class DecisionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Decision, on_delete=models.CASCADE)


class DecisionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Decision, on_delete=models.CASCADE)


class ActionItemUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ActionItem, on_delete=models.CASCADE)


class ActionItemGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ActionItem, on_delete=models.CASCADE)


class MinutesCommentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(MinutesComment, on_delete=models.CASCADE)


class MinutesCommentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(MinutesComment, on_delete=models.CASCADE)


def package_path(instance: "AgendaPackage", filename: str) -> str:
    return f"packages/{instance.meeting_id}/{uuid.uuid4().hex}.pdf"


class AgendaPackage(models.Model):
    """A meeting's agenda and papers as one PDF, built once for every reader who sees the same thing.

    `key` is a digest of what its readers see (meetings/package.py, `contents_key`), worked out from each reader's own
    visible set; `contents` is that set, which the worker builds from. A row is only ever found by a reader's own key,
    never listed: its visibility policy (it follows its meeting) serves the audit trail, not reading. The file carries
    no reader's name; each download is stamped with its reader's footer."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="packages")
    key = models.CharField(max_length=64)
    contents = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    papers_total = models.PositiveIntegerField(default=0)
    papers_done = models.PositiveIntegerField(default=0)
    # The highest marking of the papers it holds (and so of the package).
    classification = models.PositiveSmallIntegerField(choices=Classification.choices, default=0)
    file = models.FileField(upload_to=package_path, max_length=300, blank=True)
    page_count = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("meeting package")
        verbose_name_plural = _("meeting packages")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "key"], name="agenda_package_once_per_contents"),
            models.CheckConstraint(
                condition=~models.Q(status="ready") | models.Q(built_at__isnull=False),
                name="agenda_package_ready_when_built",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} ({self.key[:12]})"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.BUILDING)


class TimeProposal(models.Model):
    """Another time for a meeting, proposed by an invitee from their calendar app (an iTIP COUNTER): shown to the
    secretariat, never applied by itself. One per invitee and meeting, the latest they sent (by SEQUENCE and
    DTSTAMP)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="time_proposals")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    guest = models.ForeignKey(Guest, null=True, blank=True, on_delete=models.CASCADE, related_name="time_proposals")
    start = models.DateTimeField(_("proposed start"))
    end = models.DateTimeField(_("proposed end"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    # The meeting's SEQUENCE the proposal answered: below the meeting's own, it was made for an earlier time.
    sequence = models.PositiveIntegerField(default=0)
    stamp = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("proposed time")
        verbose_name_plural = _("proposed times")
        ordering = ["meeting", "-received_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, guest__isnull=True)
                | models.Q(user__isnull=True, guest__isnull=False),
                name="time_proposal_by_one_invitee",
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"], condition=models.Q(user__isnull=False), name="time_proposal_once_per_member"
            ),
            models.UniqueConstraint(
                fields=["meeting", "guest"], condition=models.Q(guest__isnull=False),
                name="time_proposal_once_per_guest",
            ),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="time_proposal_ends_after"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.start:%Y-%m-%d %H:%M}"

    @property
    def proposer(self):
        return self.user or self.guest


# Reminders the secretariat aims ----------------------------------------------------------------------------------
# A reminder sent now, from the meeting page or the API, to the invitees who have not answered or to the people the
# secretariat ticks, with a message of its own in English and French; and the text a meeting's scheduled reminders
# carry (Meeting.reminder_message_en/_fr). meetings/services.py `meeting_remind` sends one; these rows are its log.

# The most a message of the secretariat may hold, in each language: a note, not a paper.
MESSAGE_MAX_LENGTH = 2000


def check_message_pair(english: str, french: str, field: str) -> None:
    """A message of the secretariat is given in both languages or in neither (each reader reads it in theirs), and
    within MESSAGE_MAX_LENGTH: the refusal names the field (`field` + "_en" or "_fr") to mend."""
    english, french, errors = english.strip(), french.strip(), {}
    for language, text in (("en", english), ("fr", french)):
        if len(text) > MESSAGE_MAX_LENGTH:
            too_long = _("A message has at most %(limit)s characters; this one has %(length)s.")
            errors[f"{field}_{language}"] = too_long % {"limit": MESSAGE_MAX_LENGTH, "length": len(text)}
    if english and not french:
        errors.setdefault(f"{field}_fr", _("Give the message in French too, or leave both empty."))
    elif french and not english:
        errors.setdefault(f"{field}_en", _("Give the message in English too, or leave both empty."))
    if errors:
        raise ValidationError(errors)


class SentReminder(models.Model):
    """A reminder the secretariat sent to some of a meeting's invitees: the meeting page's log of them. `key` is made
    when the form is drawn (or given by an API client): pressing the button twice sends it once."""

    class Audience(models.TextChoices):
        UNANSWERED = "unanswered", _("Invitees who had not answered")
        CHOSEN = "chosen", _("People chosen by the secretariat")

    # What was sent, in both languages or neither: a record, never a text awaiting translation.
    translation_optional = ("message_fr",)

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="sent_reminders")
    key = models.CharField(max_length=64)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    audience = models.CharField(_("to"), max_length=20, choices=Audience.choices)
    message_en = models.TextField(_("message (English)"), blank=True)
    message_fr = models.TextField(_("message (French)"), blank=True)
    recipient_count = models.PositiveIntegerField(_("people reminded"))

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "key"], name="sent_reminder_once_per_key"),
            models.CheckConstraint(
                condition=models.Q(message_en="", message_fr="") | ~models.Q(message_en="") & ~models.Q(message_fr=""),
                name="sent_reminder_message_in_both_languages",
            ),
            models.CheckConstraint(condition=models.Q(recipient_count__gte=1), name="sent_reminder_reaches_someone"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} ({self.sent_at:%Y-%m-%d %H:%M})"

    @property
    def message(self) -> str:
        """The message in the reader's language."""
        return self.message_fr if get_language() == "fr" else self.message_en


class SentReminderRecipient(models.Model):
    """Someone a reminder was sent to, and how it reached them: a member (by email now, in their daily digest, or in
    the portal alone, as they chose for reminders) or a guest (by email). Their name is kept as it was, for a guest
    removed since or a member whose account is gone."""

    class ToldBy(models.TextChoices):
        EMAIL = "email", _("By email")
        DIGEST = "digest", _("In their daily digest")
        PORTAL = "portal", _("In the portal only")

    reminder = models.ForeignKey(SentReminder, on_delete=models.CASCADE, related_name="recipients")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    guest = models.ForeignKey(Guest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=300)
    told_by = models.CharField(max_length=10, choices=ToldBy.choices)

    class Meta:
        verbose_name = _("person reminded")
        verbose_name_plural = _("people reminded")
        ordering = ["reminder", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=True) | models.Q(guest__isnull=True), name="reminded_member_or_guest"
            ),
        ]

    def __str__(self) -> str:
        return self.name
