"""Who belongs where: agencies and the people in them."""

import functools
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Classification(models.IntegerChoices):
    """Security markings, ordered: a clearance sees its own level and those below it."""

    UNCLASSIFIED = 0, _("Unclassified")
    PROTECTED_A = 1, _("Protected A")
    PROTECTED_B = 2, _("Protected B")


class Country(models.TextChoices):
    CANADA = "CA", _("Canada")
    UNITED_STATES = "US", _("United States")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")


@functools.cache
def known_time_zones() -> frozenset[str]:
    """The machine's tz database, read once per process: reading it walks the zoneinfo directories, a fiftieth of a
    second each time a person is saved or a form offers a zone."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    # A validator, not choices: the zone list comes from the machine's tz database and must not
    # leak into migrations.
    if value not in known_time_zones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def time_zone_choices() -> list[tuple[str, str]]:
    return sorted((tz, tz) for tz in known_time_zones() if "/" in tz)


class Agency(models.Model):
    acronym = models.CharField(_("acronym"), max_length=20)
    # French readers know many agencies by another acronym (ASFC for CBSA, GRC for RCMP); empty when it is the same.
    acronym_fr = models.CharField(_("acronym (French)"), max_length=20, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # The agency's group holds its object permissions (what is shared with the agency).
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency", editable=False)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["acronym"]
        constraints = [
            models.UniqueConstraint(
                Upper("acronym"),
                name="agency_acronym_unique",
                violation_error_message=_("An agency with this acronym already exists."),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="agency_not_own_parent",
                violation_error_message=_("An agency cannot be its own parent organisation."),
            ),
        ]

    # Most agencies keep their acronym in French (ATF, DEA): an empty French acronym is not a missing one.
    translation_optional = ("acronym_fr",)

    def __str__(self) -> str:
        return self.local_acronym

    @property
    def local_acronym(self) -> str:
        """The acronym readers of the active language know the agency by; `acronym` stays its key in addresses,
        filters and the API."""
        return (self.acronym_fr or self.acronym) if get_language() == "fr" else self.acronym

    @property
    def name(self) -> str:
        return self.name_fr if get_language() == "fr" else self.name_en

    def lineage(self) -> list["Agency"]:
        """The chain of parent organisations, nearest first (uses the prefetched parents)."""
        chain, node = [], self.parent
        while node is not None and len(chain) < 10:
            chain.append(node)
            node = node.parent
        return chain


# Full-text search (portal/search.py) matches this expression; the GIN index serves it.
MEMBER_SEARCH = (
    SearchVector("first_name", config="simple", weight="A")
    + SearchVector("last_name", config="simple", weight="A")
    + SearchVector("username", config="simple", weight="B")
)


class User(AbstractUser):
    """A person: one account, in exactly one agency."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    clearance = models.PositiveSmallIntegerField(
        _("security clearance"), choices=Classification.choices, default=Classification.UNCLASSIFIED
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, validators=[validate_time_zone], default="America/Toronto"
    )
    language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    # Part of every session's proof of sign-in: raising it ends all of the member's sessions at once.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["last_name", "first_name", "username"]
        indexes = [GinIndex(MEMBER_SEARCH, name="member_search")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agency__isnull=False) | models.Q(is_superuser=True),
                name="user_belongs_to_an_agency",
                violation_error_message=_("Every member belongs to an agency."),
            ),
            models.CheckConstraint(
                condition=models.Q(language__in=Language.values),
                name="user_language_valid",
                violation_error_message=_("The preferred language is English or French."),
            ),
            models.CheckConstraint(
                condition=models.Q(clearance__in=Classification.values),
                name="user_clearance_valid",
                violation_error_message=_("Unknown security clearance."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    # Django keeps this hash in each session and signs the session out when it no longer matches: a new
    # password or a new session epoch (members.services.member_sessions_end) ends every session.
    def get_session_auth_hash(self) -> str:
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=secret)

    def _session_hash(self, *, secret: str | None) -> str:
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac("members.User.session", value, secret=secret, algorithm="sha256").hexdigest()
