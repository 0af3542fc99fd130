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


# Full-text search (portal/search.py) matches this expression; the GIN index serves it.
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
