"""The demo scenario from the briefing note on the Cross Border Firearms Task Force.

The core loads bodies, agencies, people and milestones; feature apps add their part by registering a
step (in their AppConfig.ready), so the core never imports them. Every step is idempotent.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from members import services as member_services
from members.models import Agency, Classification, Country, User

from . import audit, permissions, services
from .models import Body, Milestone, fiscal_year_window, season_window

DEMO_PASSWORD = "taskforce-demo-2021"

_steps: list[tuple[int, Callable[["Demo"], None]]] = []


def register(step: Callable[["Demo"], None], *, order: int) -> None:
    if all(existing is not step for _order, existing in _steps):
        _steps.append((order, step))


@dataclass
class Demo:
    """Handles that feature steps use to find the core's demo objects."""

    bodies: dict[str, Body]
    agencies: dict[str, Agency]
    users: dict[str, User]


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

# The acronyms French readers know; the U.S. agencies keep theirs in French.
FRENCH_ACRONYMS = {"PS": "SP", "CBSA": "ASFC", "RCMP": "GRC"}

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
            defaults={"name_en": name_en, "name_fr": name_fr, "kind": kind, "parent": bodies.get(parent),
                      "mandate_en": mandate_en, "mandate_fr": mandate_fr},
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


def _milestones(demo: Demo) -> None:
    cbftf, cbsa, atf = demo.bodies["CBFTF"], demo.agencies["CBSA"], demo.agencies["ATF"]
    spring_start, spring_end = season_window("spring", 2022)
    fy_start, fy_end = fiscal_year_window(2021)

    milestones = [
        ("Joint Border Threat Assessment issued", "Publication de l'évaluation conjointe de la menace à la frontière",
         cbsa, spring_start, spring_end, "season", Milestone.Status.IN_PROGRESS, []),
        ("CBSA–ATF MOU shared with ATF for review", "PE ASFC–ATF transmis à l'ATF pour examen",
         cbsa, datetime.date(2022, 2, 15), datetime.date(2022, 2, 15), "day", Milestone.Status.PLANNED, [cbsa, atf]),
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


@transaction.atomic
def load() -> Demo:
    # In the audit trail: the command that loads it (load_demo), or the demo loader itself (the test suite).
    # The visibility index is worked out once, when everything is in place.
    with audit.default_context(audit.Channel.DEMO, source="taskforce.demo.load"), permissions.deferred():
        agencies = _agencies()
        bodies = _bodies(agencies)
        users = _users(agencies, bodies)
        demo = Demo(bodies=bodies, agencies=agencies, users=users)
        _milestones(demo)
        for _order, step in sorted(_steps, key=lambda item: item[0]):
            step(demo)
        return demo

