"""Agreements: Terms of Reference, MOUs and the standing information-sharing instruments, with their
immutable versions, comments, approval workflow, signatures and status history."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from members.models import Agency, Classification
from taskforce.models import BilingualTitle, Body, Milestone

# The categories every portal starts with (created by a data migration).
STANDARD_CATEGORIES = [
    ("customs", "Customs information", "Renseignements douaniers"),
    ("traveller", "Traveller information", "Renseignements sur les voyageurs"),
    ("criminal_evidence", "Criminal evidence", "Éléments de preuve en matière pénale"),
    ("intelligence", "Intelligence", "Renseignement"),
]


# Full-text search (portal/search.py) matches this expression; the GIN index serves it.
AGREEMENT_SEARCH = (
    SearchVector("short_name", config="simple", weight="A") + SearchVector("short_name_fr", config="simple", weight="A")
    + SearchVector("title_en", config="english", weight="A") + SearchVector("title_fr", config="french", weight="A")
    + SearchVector("summary", config="english", weight="B") + SearchVector("summary", config="french", weight="B")
)


class InformationCategory(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)

    class Meta:
        verbose_name = _("information category")
        verbose_name_plural = _("information categories")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_fr if get_language() == "fr" else self.name_en


class Agreement(BilingualTitle, models.Model):
    class Kind(models.TextChoices):
        TERMS_OF_REFERENCE = "tor", _("Terms of Reference")
        MOU = "mou", _("Memorandum of Understanding")
        MUTUAL_ASSISTANCE = "cmaa", _("Customs mutual assistance agreement")
        MUTUAL_UNDERSTANDING = "smu", _("Statement of mutual understanding")
        TREATY = "treaty", _("Treaty")
        OTHER = "other", _("Other arrangement")

    class Status(models.TextChoices):
        DRAFTING = "drafting", _("Drafting")
        IN_APPROVAL = "in_approval", _("In approval")
        READY_FOR_SIGNATURE = "ready_for_signature", _("Ready for signature")
        SIGNED = "signed", _("Signed")
        IN_FORCE = "in_force", _("In force")
        EXPIRED = "expired", _("Expired")
        SUPERSEDED = "superseded", _("Superseded")

    class Condition(models.TextChoices):
        NONE = "", _("No condition")
        CRIMINAL_PROCEEDINGS = "criminal_proceedings", _("Only in conjunction with criminal proceedings")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="agreements")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    short_name = models.CharField(_("short name"), max_length=40)
    # French readers know an agreement by its French short name (PE ASFC–ATF for the CBSA–ATF MOU); empty when it is
    # the same.
    short_name_fr = models.CharField(_("short name (French)"), max_length=40, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_fr = models.TextField(_("summary (French)"), blank=True)
    parties = models.ManyToManyField(Agency, verbose_name=_("parties"), related_name="agreements")
    categories = models.ManyToManyField(
        InformationCategory, verbose_name=_("information categories"), blank=True, related_name="agreements"
    )
    condition = models.CharField(_("condition"), max_length=40, choices=Condition.choices, blank=True, default="")
    status = FSMField(_("status"), max_length=30, choices=Status.choices, default=Status.DRAFTING, protected=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    in_force_on = models.DateField(_("in force from"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Classification.choices, default=Classification.UNCLASSIFIED
    )
    restricted = models.BooleanField(_("restricted"), default=False)
    milestones = models.ManyToManyField(Milestone, blank=True, related_name="agreements")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["short_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["body", "short_name"], name="agreement_short_name_unique"),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(in_force_on__isnull=True)
                | models.Q(expires_on__gt=models.F("in_force_on")),
                name="agreement_expires_after_in_force",
                violation_error_message=_("An agreement cannot expire before it comes into force."),
            ),
        ]
        indexes = [
            models.Index(fields=["body", "status"], name="agreement_body_status"),
            GinIndex(AGREEMENT_SEARCH, name="agreement_search"),
        ]

    # An agreement may keep its short name in French: an empty French short name is not a missing one.
    translation_optional = ("short_name_fr",)

    def __str__(self) -> str:
        return self.local_short_name

    @property
    def local_short_name(self) -> str:
        """The short name readers of the active language know the agreement by; `short_name` stays its key in
        ordering, uniqueness, the audit trail and the API."""
        return (self.short_name_fr or self.short_name) if get_language() == "fr" else self.short_name

    # The workflow: status moves only along these transitions (django-fsm changes it); services record each move.
    @transition(field=status, source=Status.DRAFTING, target=Status.IN_APPROVAL)
    def submit_for_approval(self) -> None:
        """Drafting → in approval: the text goes to its approval steps."""

    @transition(field=status, source=Status.IN_APPROVAL, target=Status.DRAFTING)
    def return_to_drafting(self) -> None:
        """In approval → drafting: a step sent the text back."""

    @transition(field=status, source=Status.IN_APPROVAL, target=Status.READY_FOR_SIGNATURE)
    def make_ready_for_signature(self) -> None:
        """In approval → ready for signature: every step is done."""

    @transition(field=status, source=Status.READY_FOR_SIGNATURE, target=Status.SIGNED)
    def mark_signed(self) -> None:
        """Ready for signature → signed: every party signed the same version."""

    @transition(field=status, source=[Status.SIGNED, Status.READY_FOR_SIGNATURE], target=Status.IN_FORCE)
    def bring_into_force(self) -> None:
        """Signed (or ready, where signing brings it into force) → in force."""

    @transition(field=status, source=Status.IN_FORCE, target=Status.EXPIRED)
    def expire(self) -> None:
        """In force → expired: its term ended."""

    @transition(field=status, source=[Status.IN_FORCE, Status.SIGNED], target=Status.SUPERSEDED)
    def supersede(self) -> None:
        """In force or signed → superseded by a later instrument."""

    @property
    def is_in_force(self) -> bool:
        return self.status == self.Status.IN_FORCE

    @property
    def is_pending(self) -> bool:
        return self.status in (
            self.Status.DRAFTING, self.Status.IN_APPROVAL, self.Status.READY_FOR_SIGNATURE, self.Status.SIGNED
        )


class AgreementVersion(models.Model):
    """One numbered text of an agreement. Never edited or deleted (a database trigger refuses it)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    # The same version in the other official language, when the parties hold one; compared and redlined apart.
    text_fr = models.TextField(_("text (French)"), blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Classification.choices, default=Classification.UNCLASSIFIED
    )
    restored_from = models.PositiveIntegerField(_("restored from version"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement version")
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreement_version_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="agreement_version_number_positive"),
        ]

    # A version is never edited: its French text is there when the parties held one, and is not owed afterwards.
    translation_optional = ("text_fr",)

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"


class VersionComment(models.Model):
    """A comment on a version, or on a passage of it (the quoted words)."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    passage = models.TextField(_("passage"), blank=True, max_length=2000)
    text = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class WorkflowStep(BilingualTitle, models.Model):
    class Outcome(models.TextChoices):
        APPROVED = "approved", pgettext_lazy("approval step", "Approved")
        RETURNED = "returned", pgettext_lazy("approval step", "Returned with comments")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    title_en = models.CharField(_("step (English)"), max_length=300)
    title_fr = models.CharField(_("step (French)"), max_length=300, blank=True)
    owner_agency = models.ForeignKey(Agency, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+")
    # Other agencies whose concurrence the step needs besides its owner's.
    concurring_agencies = models.ManyToManyField(Agency, blank=True, related_name="+")
    target_date = models.DateField(_("target date"), null=True, blank=True)
    target_label = models.CharField(_("target"), max_length=200, blank=True)
    target_label_fr = models.CharField(_("target (French)"), max_length=200, blank=True)
    # Completing this step moves the agreement to this status (e.g. "Ready for signature").
    moves_to = models.CharField(max_length=30, choices=Agreement.Status.choices, blank=True)
    # The agreement's milestone that tracks the same deadline: it follows this step (due by its target date, done
    # when it completes), so the secretariat updates one of them only.
    milestone = models.OneToOneField(
        Milestone, verbose_name=_("milestone it tracks"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="workflow_step",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("workflow step")
        ordering = ["agreement", "position"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "position"], name="workflow_step_position_unique"),
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=True) | ~models.Q(outcome=""),
                name="workflow_step_completion_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return self.title_en

    @property
    def target_words(self) -> str:
        """The target in words, in the reader's language, or in the other one while its translation is pending."""
        if get_language() == "fr":
            return self.target_label_fr or self.target_label
        return self.target_label or self.target_label_fr

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None and self.outcome == self.Outcome.APPROVED

    @property
    def is_overdue(self) -> bool:
        return not self.is_complete and self.target_date is not None and self.target_date < timezone.localdate()


class StepAction(models.Model):
    """One agency's answer on a step: its approval or concurrence, or a return with comments."""

    step = models.ForeignKey(WorkflowStep, on_delete=models.CASCADE, related_name="actions")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=WorkflowStep.Outcome.choices)
    comment = models.TextField(blank=True)
    acted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["acted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.agency}: {self.get_outcome_display()}"


class StatusChange(models.Model):
    """Every move of an agreement's status, with who made it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=30, choices=Agreement.Status.choices)
    to_status = models.CharField(max_length=30, choices=Agreement.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.agreement}: {self.from_status} → {self.to_status}"


class Signature(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="signatures")
    # The exact text signed.
    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="signatures")
    party = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    signatory_name = models.CharField(_("signatory"), max_length=200)
    signatory_title = models.CharField(_("title"), max_length=300, blank=True)
    signed_on = models.DateField(_("signed on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("signature")
        ordering = ["agreement", "signed_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "version", "party"], name="signature_once_per_party"),
        ]

    def __str__(self) -> str:
        return f"{self.party} ({self.signed_on})"


class AgreementUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Agreement, on_delete=models.CASCADE)


class AgreementGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Agreement, on_delete=models.CASCADE)
