"""The demo scenario from the briefing note on the Cross Border Firearms Task Force.

The core loads bodies, agencies, people and milestones; feature apps add their part by registering a
step (in their AppConfig.ready), so the core never imports them. Every step is idempotent.
"""

import contextlib
import datetime
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone, translation

from members import services as member_services
from members.models import Agency, Classification, Country, User
from taskforce.dates import date_format

from . import context, permissions, services
from .models import SEASONS, Body, Milestone, due_window, fiscal_year_window, season_window

DEMO_PASSWORD = "taskforce-demo-2021"

# The briefing note's date: the day the story is told from.
NOTE_DATE = datetime.date(2021, 12, 10)
OTTAWA = zoneinfo.ZoneInfo("America/Toronto")
# Days no secretariat holds a meeting on, in both countries: New Year's Day, Christmas Day and Boxing Day.
HOLIDAYS = {(1, 1), (12, 25), (12, 26)}
# How French says "in" a season.
IN_SEASON_FR = {"spring": "au printemps", "summer": "à l'été", "autumn": "à l'automne", "winter": "à l'hiver"}


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def weeks_to_this_week(today: datetime.date) -> int:
    """How many whole weeks to move the story so that the note's date falls in the week (Monday to Sunday) of
    `today`."""
    return (week_start(today) - week_start(NOTE_DATE)).days // 7


@dataclass(frozen=True)
class Timeline:
    """Where the story is placed: every recorded date moved by the same whole number of weeks, so weekdays and
    local times are kept. With `story_times`, what the loading stamps with "now" (an agenda circulated, a step
    approved, a notice sent) is stamped with the moved time of the story instead."""

    weeks: int = 0
    story_times: bool = False

    def day(self, recorded: datetime.date) -> datetime.date:
        return recorded + datetime.timedelta(weeks=self.weeks)

    def meeting_day(self, recorded: datetime.date) -> datetime.date:
        return working_day(self.day(recorded))

    def at(self, recorded: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(self.day(recorded), datetime.time(hour, minute), tzinfo=OTTAWA)

    def window(self, precision: str, start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
        """A due window moved with the story: the window of the same precision that holds its moved middle."""
        if self.weeks == 0:
            return start, end
        return due_window(precision, self.day(start + (end - start) / 2))

    def long_date(self, recorded: datetime.date, language: str) -> str:
        return self.spell(self.day(recorded), language)

    @staticmethod
    def spell(day: datetime.date, language: str) -> str:
        """A date as the story's texts write it: "December 17, 2021", "17 décembre 2021"."""
        with translation.override(language):
            return date_format(day, "j F Y" if language == "fr" else "F j, Y")

    def month(self, recorded: datetime.date, language: str) -> str:
        with translation.override(language):
            return date_format(self.day(recorded), "F Y")

    def season(self, start: datetime.date, end: datetime.date, language: str) -> str:
        """ "Spring 2022", or in French "au printemps 2022", for a season window moved with the story."""
        start, end = self.window("season", start, end)
        for name, ((month, day), label) in SEASONS.items():
            if (start.month, start.day) == (month, day):
                year = end.year if month == 12 else start.year
                if language == "fr":
                    return f"{IN_SEASON_FR[name]} {year}"
                with translation.override(language):
                    return f"{label} {year}"
        raise ValueError(f"not a season: {start}")

    def fiscal_year(self, recorded_end: datetime.date) -> str:
        start, end = due_window("fiscal_year", self.day(recorded_end))
        return f"{start.year}–{end.year}"

    def moment(self, recorded: datetime.date, hour: int, minute: int = 0) -> datetime.datetime | None:
        """When something happened in the story, never later than now (None: now, for the test suite's load)."""
        if not self.story_times:
            return None
        return min(self.at(recorded, hour, minute), timezone.now())

    @contextlib.contextmanager
    def stamped(self, recorded: datetime.date, hour: int, minute: int = 0) -> Iterator[None]:
        """What is written inside is stamped as done at this moment of the story."""
        if not self.story_times:
            yield
            return
        began = timezone.now()
        yield
        _restamp(began, timezone.now(), self.moment(recorded, hour, minute))


RECORDED = Timeline()


def working_day(day: datetime.date) -> datetime.date:
    """The day itself, or, when it is a holiday, the working day before it in the same week (or after it, when the
    holiday opens the week), as a secretariat would move a meeting."""
    for offset in (0, -1, -2, -3, -4, 1, 2, 3, 4):
        candidate = day + datetime.timedelta(days=offset)
        if candidate.weekday() < 5 and (candidate.month, candidate.day) not in HOLIDAYS and (
            week_start(candidate) == week_start(day)
        ):
            return candidate
    return day


# When things happen, as opposed to when they are planned for: a meeting's start, a reminder's due time.
SCHEDULED_FIELDS = {"start", "end", "due_at", "expires_at", "leased_until"}
STAMPED_APPS = {"members", "taskforce", "notifications", "accounts", "meetings", "mou"}
# Rows that can never change (the database refuses): the demo gives their time when it writes them.
IMMUTABLE = {"mou.agreementversion"}


def _stamp_fields() -> Iterator[tuple[type[models.Model], str]]:
    for model in apps.get_models():
        if model._meta.app_label in STAMPED_APPS and not model._meta.proxy and model._meta.label_lower not in IMMUTABLE:
            for model_field in model._meta.concrete_fields:
                if isinstance(model_field, models.DateTimeField) and model_field.name not in SCHEDULED_FIELDS:
                    yield model, model_field.name


def _restamp(began: datetime.datetime, ended: datetime.datetime, moment: datetime.datetime) -> None:
    """Every time written between `began` and `ended` becomes `moment`; the notices of those moments went out
    then (nobody is emailed today about a meeting circulated weeks ago in the story)."""
    for hook in _restamp_hooks:
        hook(began, ended, moment)
    for model, name in _stamp_fields():
        model._default_manager.filter(**{f"{name}__range": (began, ended)}).update(**{name: moment})

_steps: list[tuple[int, Callable[["Demo"], None]]] = []
# Told of each stretch of story time written at once (began, ended, the moment it becomes): the notifications app
# marks the emails of those moments as gone out then.
_restamp_hooks: list[Callable[[datetime.datetime, datetime.datetime, datetime.datetime], None]] = []


def on_restamp(hook: Callable[[datetime.datetime, datetime.datetime, datetime.datetime], None]) -> None:
    if hook not in _restamp_hooks:
        _restamp_hooks.append(hook)


def register(step: Callable[["Demo"], None], *, order: int) -> None:
    if all(existing is not step for _order, existing in _steps):
        _steps.append((order, step))


@dataclass
class Demo:
    """Handles that feature steps use to find the core's demo objects."""

    bodies: dict[str, Body]
    agencies: dict[str, Agency]
    users: dict[str, User]
    timeline: Timeline = field(default=RECORDED)


AGENCIES = [
    # acronym, English, French, country, parent
    ("PS", "Public Safety Canada", "Sécurité publique Canada", Country.CANADA, None),
    ("CBSA", "Canada Border Services Agency", "Agence des services frontaliers du Canada", Country.CANADA, "PS"),
    ("RCMP", "Royal Canadian Mounted Police", "Gendarmerie royale du Canada", Country.CANADA, "PS"),
    ("DOJ", "U.S. Department of Justice", "Département de la Justice des États-Unis", Country.UNITED_STATES, None),
    ("ATF", "Bureau of Alcohol, Tobacco, Firearms and Explosives",
     "Bureau de l'alcool, du tabac, des armes à feu et des explosifs", Country.UNITED_STATES, "DOJ"),
    ("DEA", "Drug Enforcement Administration", "Administration de la lutte antidrogue", Country.UNITED_STATES, "DOJ"),
    ("DHS", "U.S. Department of Homeland Security", "Département de la Sécurité intérieure des États-Unis",
     Country.UNITED_STATES, None),
    ("ICE", "U.S. Immigration and Customs Enforcement", "Service de l'immigration et des douanes des États-Unis",
     Country.UNITED_STATES, "DHS"),
    ("HSI", "ICE Homeland Security Investigations", "Enquêtes de la sécurité intérieure de l'ICE",
     Country.UNITED_STATES, "ICE"),
    ("CBP", "U.S. Customs and Border Protection",
     "Service des douanes et de la protection des frontières des États-Unis", Country.UNITED_STATES, "DHS"),
]

# The acronyms French readers know, of agencies and bodies; the U.S. agencies keep theirs in French.
FRENCH_ACRONYMS = {"PS": "SP", "CBSA": "ASFC", "RCMP": "GRC", "CBCF": "FCT", "CBFTF": "GTTAF"}

BODIES = [
    ("CBCF", "Cross-Border Crime Forum", "Forum sur la criminalité transfrontalière", Body.Kind.FORUM, None,
     "Strengthens information sharing and addresses justice reform and cross-border law enforcement challenges.",
     "Renforce l'échange d'information et s'attaque à la réforme de la justice et aux défis transfrontaliers "
     "de l'application de la loi."),
    ("CBFTF", "Canada–United States Cross Border Firearms Task Force",
     "Groupe de travail transfrontalier Canada–États-Unis sur les armes à feu", Body.Kind.TASK_FORCE, "CBCF",
     "Tackles the illegal movement of firearms through cross-border travel and trade, while ensuring that the "
     "movement of essential workers and goods continues unimpeded.",
     "Lutte contre le mouvement illégal d'armes à feu par les déplacements et le commerce transfrontaliers, tout "
     "en veillant à ce que la circulation des travailleurs essentiels et des marchandises se poursuive sans entrave."),
]

AGENCY_ROLES = {
    "CBFTF": [("CBSA", "co_lead"), ("ATF", "co_lead"), ("HSI", "co_lead"), ("RCMP", "supporting"), ("CBP", "member")],
    "CBCF": [("PS", "co_lead"), ("DOJ", "co_lead"), ("DHS", "co_lead"), ("CBSA", "member"), ("RCMP", "member"),
             ("ATF", "member"), ("DEA", "member"), ("HSI", "member"), ("CBP", "member")],
}

# The people are invented; their agencies and roles are the note's.
USERS = [
    # username, first, last, agency, title, clearance, time zone, language, {body: role}
    ("secretariat", "Claire", "Tremblay", "CBSA", "CBFTF Secretariat, Intelligence and Targeting Partnerships Unit",
     Classification.PROTECTED_B, "America/Toronto", "en", {"CBFTF": "secretariat", "CBCF": "secretariat"}),
    ("cbsa", "Marc", "Gagnon", "CBSA", "Director, Intelligence and Targeting Partnerships Unit",
     Classification.PROTECTED_B, "America/Toronto", "fr", {"CBFTF": "co_chair"}),
    ("rcmp", "Sophie", "Roy", "RCMP", "Superintendent, Federal Policing Criminal Operations",
     Classification.PROTECTED_B, "America/Toronto", "fr", {"CBFTF": "member"}),
    ("atf", "Dana", "Miller", "ATF", "ATF Attaché, U.S. Embassy Ottawa",
     Classification.PROTECTED_B, "America/New_York", "en", {"CBFTF": "co_chair"}),
    ("hsi", "Luis", "Ortega", "HSI", "Assistant Attaché, HSI Ottawa",
     Classification.PROTECTED_A, "America/New_York", "en", {"CBFTF": "co_chair"}),
    ("cbp", "Karen", "Walsh", "CBP", "Director, Northern Border Coordination",
     Classification.PROTECTED_A, "America/New_York", "en", {"CBFTF": "member"}),
    ("dea", "James", "Carter", "DEA", "Special Agent, Cross-Border Liaison",
     Classification.PROTECTED_A, "America/New_York", "en", {"CBCF": "member"}),
]

# Every account the demo creates: its people, and the portal's superuser.
ACCOUNTS = [row[0] for row in USERS] + ["admin"]



def _agencies() -> dict[str, Agency]:
    agencies: dict[str, Agency] = {}
    for acronym, name_en, name_fr, country, parent in AGENCIES:
        fields = {"name_en": name_en, "name_fr": name_fr, "acronym_fr": FRENCH_ACRONYMS.get(acronym, ""),
                  "country": country, "parent": agencies.get(parent)}
        existing = Agency.objects.filter(acronym__iexact=acronym).first()
        if existing:
            agencies[acronym] = member_services.agency_update(agency=existing, **fields)
        else:
            agencies[acronym] = member_services.agency_create(acronym=acronym, **fields)
    return agencies


def _bodies(agencies: dict[str, Agency]) -> dict[str, Body]:
    bodies: dict[str, Body] = {}
    for acronym, name_en, name_fr, kind, parent, mandate_en, mandate_fr in BODIES:
        body, _created = Body.objects.update_or_create(
            acronym=acronym,
            defaults={"acronym_fr": FRENCH_ACRONYMS.get(acronym, ""), "name_en": name_en, "name_fr": name_fr,
                      "kind": kind, "parent": bodies.get(parent), "mandate_en": mandate_en, "mandate_fr": mandate_fr},
        )
        bodies[acronym] = body
    for body_acronym, roles in AGENCY_ROLES.items():
        for agency_acronym, role in roles:
            services.agency_role_set(body=bodies[body_acronym], agency=agencies[agency_acronym], role=role)
    return bodies


def _users(agencies: dict[str, Agency], bodies: dict[str, Body]) -> dict[str, User]:
    users: dict[str, User] = {}
    for username, first, last, agency, title, clearance, tz, language, roles in USERS:
        user = User.objects.filter(username=username).first()
        fields = {"first_name": first, "last_name": last, "agency": agencies[agency], "title": title,
                  "clearance": clearance, "time_zone": tz, "language": language,
                  "email": f"{username}@demo.taskforce.example", "is_active": True}
        if user is None:
            user = member_services.member_create(username=username, password=DEMO_PASSWORD, **fields)
        else:
            User.objects.filter(pk=user.pk).update(**fields)
            permissions.people_moved([user.pk])
            user.refresh_from_db()
        users[username] = user
        for body, role in roles.items():
            services.membership_set(body=bodies[body], user=user, role=role)
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        User.objects.create_superuser("admin", "admin@demo.taskforce.example", DEMO_PASSWORD,
                                      first_name="Portal", last_name="Administrator")
    return users


MOU_REVIEW_TITLE = "CBSA–ATF MOU shared with ATF for review"
MOU_REVIEW_DUE = datetime.date(2022, 2, 15)


def _milestones(demo: Demo) -> None:
    cbftf, cbsa, atf, timeline = demo.bodies["CBFTF"], demo.agencies["CBSA"], demo.agencies["ATF"], demo.timeline
    spring_start, spring_end = timeline.window("season", *season_window("spring", 2022))
    fy_start, fy_end = timeline.window("fiscal_year", *fiscal_year_window(2021))
    review = timeline.day(MOU_REVIEW_DUE)

    milestones = [
        ("Joint Border Threat Assessment issued", "Publication de l'évaluation conjointe de la menace à la frontière",
         cbsa, spring_start, spring_end, "season", Milestone.Status.IN_PROGRESS, []),
        (MOU_REVIEW_TITLE, "PE ASFC–ATF transmis à l'ATF pour examen",
         cbsa, review, review, "day", Milestone.Status.PLANNED, [cbsa, atf]),
        ("Privacy Impact Assessment submitted to the Office of the Privacy Commissioner",
         "Évaluation des facteurs relatifs à la vie privée soumise au Commissariat à la protection de la vie privée",
         cbsa, fy_start, fy_end, "fiscal_year", Milestone.Status.PLANNED, [cbsa, atf]),
    ]
    secretariat = demo.users["secretariat"]
    for title_en, title_fr, owner, start, end, precision, status, restricted_to in milestones:
        milestone = Milestone.objects.filter(body=cbftf, title_en=title_en).first()
        if milestone is None:
            services.milestone_create(
                actor=secretariat, body=cbftf, title_en=title_en, title_fr=title_fr, owner_agency=owner,
                due_start=start, due_end=end, due_precision=precision, status=status, restricted_to=restricted_to,
            )
        else:
            services.milestone_share(actor=secretariat, milestone=milestone, agencies=restricted_to)


def placed_weeks() -> int | None:
    """By how many weeks the story already in the database was moved when it was loaded (None: not loaded)."""
    review = Milestone.objects.filter(body__acronym="CBFTF", title_en=MOU_REVIEW_TITLE).first()
    if review is None:
        return None
    return (week_start(review.due_start) - week_start(MOU_REVIEW_DUE)).days // 7


@transaction.atomic
def load(*, timeline: Timeline = RECORDED) -> Demo:
    """Load the story with the note's own dates (the test suite's scenario), or placed on another timeline."""
    # In the audit trail: the command that loads it (load_demo), or the demo loader itself (the test suite).
    # The visibility index is worked out once, when everything is in place.
    with context.default_context(context.Channel.DEMO, source="taskforce.demo.load"), permissions.deferred():
        with timeline.stamped(datetime.date(2021, 8, 2), 9):
            agencies = _agencies()
            bodies = _bodies(agencies)
            users = _users(agencies, bodies)
        demo = Demo(bodies=bodies, agencies=agencies, users=users, timeline=timeline)
        # The milestones the inaugural meeting agreed on.
        with timeline.stamped(datetime.date(2021, 11, 12), 9):
            _milestones(demo)
        for _order, step in sorted(_steps, key=lambda item: item[0]):
            step(demo)
        return demo
