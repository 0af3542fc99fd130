"""The canary test: nothing a reader may not see reaches them, on any channel, nor anything derived from it.

1. Plant. On the demo, unique tokens (`CANARY-<model>-<field>-<hex>`, tests/security/canary.py) go into every text
   of what only CBSA and ATF may see: the December meeting's item on the CBSA–ATF MOU (titles, descriptions, its
   papers' titles, file names and contents, comments, minutes, a decision and an action item recorded on it), a
   second item restricted after a decision was recorded on it, the CBSA–ATF MOU (titles, summary, French short
   name), its versions, version comments, workflow steps and step answers, and its two milestones. A Protected B
   paper (above the Protected A clearance of hsi, cbp and dea) goes on the body-wide roundtable after the agenda
   was circulated.
   Services write wherever one exists, so notices and change entries happen as in real use.
2. Run the meeting cycle through the services, on the recorded dates (time-machine): reminders set, an item added,
   an item moved past the hidden one, an item changed, papers added after circulation, comments, minutes,
   decisions and action items recorded, minutes approved, and the reminder sweep run (`send_due_reminders`) before
   and after the meeting, which also sends every email the services queued.
3. Read every channel as every persona: every page of the URL resolver (its parameters filled with the demo's real
   objects), every GET operation of the OpenAPI schema (lists paged through), the personal and body calendar
   feeds, search, the CSV exports and PDFs (their text extracted), every email to the persona (subject, bodies,
   attachments) and every notification and delivery row of theirs.
4. Structural hints: each reader's agenda numbering runs 1..n (API `position`, the meeting page's numbers, the
   minutes, the calendar feed, the emails), items' times run without a gap over what they see, the time total is the
   sum of what they see, and no change entry, badge
   or notice is about what they may not see.
5. Coverage: every GET route of the resolver and every GET operation of the schema is either read here or named in
   an exclusion table with its reason; a new one fails `test_every_*` until it is one or the other.

Failures are collected, not asserted one by one: the test fails once, listing every leak as
`persona | channel | where | what`, so that one run is the whole worklist. The readers come in two groups, each
read after a cycle of its own, so that the two test workers share the reading.
"""

import datetime
import io
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import resolve
from icalendar import Calendar

from accounts import services as account_services
from accounts.authentication import feed_secret
from meetings import services as meeting_services
from meetings.demo import tiny_pdf
from meetings.models import ActionItem, AgendaChange, AgendaItem, Decision, Meeting, Paper, PaperVersion
from members.models import Agency, Classification, User
from mou import services as mou_services
from mou.models import Agreement
from notifications.models import Delivery, Notification
from taskforce import permissions, services
from taskforce.models import Body, Milestone
from tests.support.scenario import api_schema, page
from tests.support.visibility_matrix import url_patterns

from .canary import PROTECTED_B, Canary, content_of, email_text, json_of, text_of

UTC = datetime.UTC
OTTAWA = zoneinfo.ZoneInfo("America/Toronto")
# The cycle runs on the briefing note's dates: the December 17, 2021 meeting (11:00 in Ottawa) is next week.
BEFORE_THE_MEETING = datetime.datetime(2021, 12, 9, 14, 0, tzinfo=UTC)
THE_DAY_BEFORE = datetime.datetime(2021, 12, 16, 17, 0, tzinfo=UTC)
AFTER_THE_MEETING = datetime.datetime(2021, 12, 18, 15, 0, tzinfo=UTC)
READING = datetime.datetime(2021, 12, 20, 15, 0, tzinfo=UTC)
ACTION_DUE = datetime.date(2021, 12, 22)

PERSONAS = ("rcmp", "hsi", "cbp", "dea", "cbsa", "atf")
# The readers in two groups, each read after a cycle of its own (the two test workers share them): each group holds a
# party to the MOU, who must read every token somewhere, and reads in the order above (those who see less before
# those who see more; rcmp, who may read the Protected B paper, before hsi, who may not).
READERS = {"rcmp-hsi-cbsa": ("rcmp", "hsi", "cbsa"), "cbp-dea-atf": ("cbp", "dea", "atf")}
# Periods the pages and the API are asked about: the December meeting and the MOU's milestones fall in them.
REPORT_PERIOD = "?start=2021-11-01&end=2022-03-31"
WINDOW = "from=2021-11-01&to=2022-04-30"


# 1. Plant ------------------------------------------------------------------------------------------------------


@dataclass
class Planted:
    """The objects the canary is about."""

    december: Meeting
    mou_item: AgendaItem
    annex: AgendaItem  # restricted after a decision was recorded on it
    roundtable: AgendaItem  # body-wide; its only change after circulation is the Protected B paper
    adoption: AgendaItem  # moved past the hidden item
    protected_b_paper: Paper | None = None
    protected_b_change: AgendaChange | None = None
    mou: Agreement | None = None
    feeds: dict[str, str] = field(default_factory=dict)


def pdf_upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_pdf(text))


def plant_the_mou(canary: Canary, demo) -> Agreement:
    """The CBSA–ATF MOU, its versions, comments, steps and milestones, restricted to CBSA and ATF."""
    secretariat, cbsa, atf = demo.users["secretariat"], demo.users["cbsa"], demo.users["atf"]
    mou = Agreement.objects.get(body__acronym="CBFTF", short_name="CBSA–ATF MOU")
    # No service edits an agreement's wording: set directly.
    mou.title_en += " " + canary.token("agreement", "title_en", "the MOU's English title")
    mou.title_fr += " " + canary.token("agreement", "title_fr", "the MOU's French title")
    mou.summary += " " + canary.token("agreement", "summary", "the MOU's summary")
    # The French short name holds 40 characters: the token alone.
    mou.short_name_fr = canary.token("agreement", "short_name_fr", "the MOU's French short name")
    mou.save(update_fields=["title_en", "title_fr", "summary", "short_name_fr"])
    v1, v2 = mou.versions.get(number=1), mou.versions.get(number=2)
    mou_services.comment_add(
        actor=atf, version=v1, passage="share information directly",
        text="ATF agrees. " + canary.token("versioncomment", "text", "a comment on version 1"),
    )
    mou_services.comment_add(
        actor=cbsa, version=v2, passage="",
        text="Timeliness stays. " + canary.token("versioncomment", "text", "a comment on version 2"),
    )
    mou_services.version_create(
        actor=cbsa, agreement=mou, base_number=2,
        text=v2.text + "\n5. Contacts\n" + canary.token("agreementversion", "text", "the text of version 3"),
        note=canary.token("agreementversion", "note", "the note of version 3"),
    )
    steps = list(mou.steps.order_by("position"))
    for step in steps[1:4]:
        # No service edits a step's wording: set directly.
        step.title_en += " " + canary.token("workflowstep", "title_en", f"step {step.position}'s English title")
        step.title_fr += " " + canary.token("workflowstep", "title_fr", f"step {step.position}'s French title")
        step.target_label = canary.token("workflowstep", "target_label", f"step {step.position}'s target")
        step.save(update_fields=["title_en", "title_fr", "target_label"])
    mou_services.step_act(
        actor=cbsa, step=steps[0], outcome="approved",
        comment=canary.token("stepaction", "comment", "CBSA's answer on its internal approval"),
    )
    for milestone in Milestone.objects.filter(body__acronym="CBFTF", restricted=True):
        services.milestone_update(
            actor=secretariat, milestone=milestone,
            title_en=f"{milestone.title_en} {canary.token('milestone', 'title_en', 'a MOU milestone title')}",
            title_fr=f"{milestone.title_fr} {canary.token('milestone', 'title_fr', 'a MOU milestone French title')}",
            description=canary.token("milestone", "description", "a MOU milestone description"),
            description_fr=canary.token("milestone", "description_fr", "a MOU milestone French description"),
        )
    return mou


def plant_the_agenda(canary: Canary, demo) -> Planted:
    """The December meeting: tokens in its MOU item; an item added and restricted after a decision on it; an item
    added, one moved past the hidden one, one changed; papers (one Protected B) and comments after circulation."""
    secretariat, cbsa, atf, rcmp = (demo.users[name] for name in ("secretariat", "cbsa", "atf", "rcmp"))
    cbsa_atf = [demo.agencies["CBSA"], demo.agencies["ATF"]]
    december = Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF meeting")
    items = {item.title_en: item for item in december.items.all()}
    mou_item = items["CBSA–ATF MOU on direct information sharing: status"]
    meeting_services.meeting_update(actor=secretariat, meeting=december, reminder_days=[7, 1])

    mou_item = meeting_services.agenda_item_update(
        actor=secretariat, item=mou_item, version=mou_item.version,
        title_en=f"{mou_item.title_en} {canary.token('agendaitem', 'title_en', 'the MOU item title')}",
        title_fr=f"{mou_item.title_fr} {canary.token('agendaitem', 'title_fr', 'the MOU item French title')}",
        description=canary.token("agendaitem", "description", "the MOU item description"),
        description_fr=canary.token("agendaitem", "description_fr", "the MOU item French description"),
    )
    # The demo's paper on it: no service renames a paper.
    Paper.objects.filter(item=mou_item).update(
        title=f"CBSA–ATF MOU status note {canary.token('paper', 'title', 'the demo paper on the MOU item')}"
    )
    added = meeting_services.paper_upload(
        actor=secretariat, item=mou_item, classification=Classification.PROTECTED_A,
        title=canary.token("paper", "title", "a paper added to the MOU item"),
        upload=pdf_upload(
            f"{canary.token('paper', 'original_name', 'the file name of a paper on the MOU item')}.pdf",
            canary.token("paper", "content", "the text of a paper on the MOU item"),
        ),
    )
    # Replaced once: the first file, its name and text, stay as version 1 (the demo's status note has one too).
    meeting_services.paper_replace(
        actor=secretariat, paper=added, expected_version=1,
        upload=pdf_upload(
            f"{canary.token('paper', 'original_name', 'the file name of a replaced paper on the MOU item')}.pdf",
            canary.token("paper", "content", "the text of a replaced paper on the MOU item"),
        ),
    )
    meeting_services.comment_add(
        actor=cbsa, item=mou_item, text="Timing of the review. " + canary.token("comment", "text", "CBSA's comment"),
    )

    meeting_services.agenda_item_add(
        actor=secretariat, meeting=december, title_en="Firearms trace data: pilot",
        title_fr="Données de traçage des armes à feu : projet pilote", minutes_allotted=15,
    )
    annex = meeting_services.agenda_item_add(
        actor=secretariat, meeting=december, title_en="Bilateral annex", title_fr="Annexe bilatérale",
        minutes_allotted=10,
    )
    meeting_services.decision_record(
        actor=secretariat, meeting=december, item=annex,
        text="Annex agreed in principle. " + canary.token(
            "decision", "text", "a decision recorded on the annex item before it was restricted"
        ),
    )
    annex = meeting_services.agenda_item_update(
        actor=secretariat, item=annex, version=annex.version, restricted_to=cbsa_atf,
        title_en=f"Bilateral annex {canary.token('agendaitem', 'title_en', 'the annex item title')}",
        title_fr=f"Annexe bilatérale {canary.token('agendaitem', 'title_fr', 'the annex item French title')}",
        description=canary.token("agendaitem", "description", "the annex item description"),
    )
    meeting_services.comment_add(
        actor=atf, item=annex, text="Annex text to follow. " + canary.token("comment", "text", "ATF's comment"),
    )

    # The adoption of the agenda moves past the hidden MOU item: from first to fourth of all the items.
    adoption = meeting_services.agenda_item_move(actor=secretariat, item=items["Adoption of the agenda"], position=4)
    jbta = AgendaItem.objects.get(pk=items["Joint Border Threat Assessment: progress"].pk)
    meeting_services.agenda_item_update(
        actor=secretariat, item=jbta, version=jbta.version, minutes_allotted=30,
        description=jbta.description + " Draft outline attached.",
    )
    roundtable = items["Roundtable"]
    meeting_services.comment_add(actor=rcmp, item=roundtable, text="RCMP will report on recent seizures.")
    planted = Planted(december=december, mou_item=mou_item, annex=annex, roundtable=roundtable, adoption=adoption)
    planted.protected_b_paper = meeting_services.paper_upload(
        actor=secretariat, item=roundtable, classification=Classification.PROTECTED_B,
        title=canary.token("paper", "title", "the Protected B paper's title", PROTECTED_B),
        upload=pdf_upload(
            f"{canary.token('paper', 'original_name', 'the Protected B paper file name', PROTECTED_B)}.pdf",
            canary.token("paper", "content", "the Protected B paper's text", PROTECTED_B),
        ),
    )
    planted.protected_b_change = AgendaChange.objects.get(item=roundtable, kind=AgendaChange.Kind.PAPER_ADDED)
    return planted


def record_the_meeting(canary: Canary, demo, planted: Planted) -> None:
    """After the meeting: minutes of every item, decisions and action items (on the MOU item and body-wide), the
    minutes approved."""
    secretariat = demo.users["secretariat"]
    december = planted.december
    minutes = {}
    for item in december.items.all():
        minutes[item.pk] = f"Discussed {item.title_en.split(' CANARY')[0]}."
        if item.restricted:
            minutes[item.pk] += " " + canary.token("agendaitem", "minutes", f"the minutes of item {item.pk}")
    meeting_services.minutes_save(actor=secretariat, meeting=december, minutes=minutes)
    meeting_services.decision_record(
        actor=secretariat, meeting=december, item=planted.mou_item,
        text="The MOU goes to ATF for review. " + canary.token("decision", "text", "a decision on the MOU item"),
    )
    meeting_services.action_item_record(
        actor=secretariat, meeting=december, item=planted.mou_item, owner_agency=demo.agencies["ATF"],
        due_date=ACTION_DUE,
        text="Return ATF's comments on the MOU. " + canary.token("actionitem", "text", "an action on the MOU item"),
    )
    meeting_services.decision_record(
        actor=secretariat, meeting=december, item=planted.roundtable, text="Members will share seizure trends.",
    )
    meeting_services.action_item_record(
        actor=secretariat, meeting=december, item=planted.roundtable, owner_agency=demo.agencies["RCMP"],
        due_date=ACTION_DUE, text="Circulate the seizure figures.",
    )
    meeting_services.minutes_approve(actor=secretariat, meeting=december)


def run_the_cycle(canary: Canary, demo, traveller) -> Planted:
    planted = plant_the_agenda(canary, demo)
    planted.mou = plant_the_mou(canary, demo)
    traveller.move_to(THE_DAY_BEFORE)  # the 7-day, RSVP and 1-day reminders are due
    call_command("send_due_reminders", stdout=io.StringIO())
    traveller.move_to(AFTER_THE_MEETING)
    record_the_meeting(canary, demo, planted)
    traveller.move_to(READING)  # the action items' reminders are due; every email queued is sent
    call_command("send_due_reminders", stdout=io.StringIO())
    for persona in PERSONAS:
        planted.feeds[persona] = feed_secret(account_services.calendar_feed_regenerate(actor=demo.users[persona]))
    return planted


# 3. Every channel: what is read, with what --------------------------------------------------------------------


@dataclass
class Objects:
    """The demo's real objects, to fill each route's parameters with."""

    planted: Planted
    canary: Canary
    meetings: list[Meeting]
    items: list[AgendaItem]
    papers: list[Paper]
    decisions: list[Decision]
    actions: list[ActionItem]
    milestones: list[Milestone]
    agreements: list[Agreement]
    bodies: list[Body]
    agencies: list[Agency]
    people: list[User]

    @classmethod
    def of(cls, planted: Planted, canary: Canary) -> "Objects":
        meetings = list(Meeting.objects.filter(body__acronym="CBFTF").order_by("start"))
        return cls(
            planted=planted, canary=canary, meetings=meetings,
            items=list(AgendaItem.objects.filter(meeting__in=meetings).order_by("meeting", "position")),
            papers=list(Paper.objects.filter(item__meeting__in=meetings)),
            decisions=list(Decision.objects.filter(meeting__in=meetings)),
            actions=list(ActionItem.objects.filter(meeting__in=meetings)),
            milestones=list(Milestone.objects.filter(body__acronym="CBFTF")),
            agreements=list(Agreement.objects.filter(body__acronym="CBFTF")),
            bodies=list(Body.objects.all()),
            agencies=list(Agency.objects.all()),
            people=list(User.objects.filter(username__in=[*PERSONAS, "secretariat"])),
        )

    @property
    def bodies_by_acronym(self) -> dict[str, int]:
        return {body.acronym: body.pk for body in self.bodies}

    @property
    def agencies_by_acronym(self) -> dict[str, int]:
        return {agency.acronym: agency.pk for agency in self.agencies}

    @property
    def paper_versions(self) -> list[tuple[int, int]]:
        """(paper, number) of every earlier version of the papers."""
        return list(PaperVersion.objects.filter(paper__in=self.papers).values_list("paper_id", "number"))

    @property
    def mou_versions(self) -> list[int]:
        return list(self.planted.mou.versions.values_list("number", flat=True))


Urls = Callable[[Objects, str], list[str]]


def fixed(*urls: str) -> Urls:
    return lambda objects, persona: [*urls]


def named(name: str, *suffixes: str) -> Urls:
    return lambda objects, persona: [page(name) + suffix for suffix in suffixes or ("",)]


def each(name: str, values: Callable[[Objects], list], suffix: str = "") -> Urls:
    return lambda objects, persona: [page(name, value) + suffix for value in values(objects)]


def packages_built(persona: str, meeting_ids: list[int]) -> list[int]:
    """The meetings given, each with the persona's meeting package built (where they see it), so that reading its
    download reads the PDF each may get: their agenda, their papers, their footer."""
    reader = User.objects.get(username=persona)
    for meeting in Meeting.objects.filter(pk__in=meeting_ids):
        if permissions.can_see(reader, meeting):
            package = meeting_services.package_request(actor=reader, meeting=meeting)
            meeting_services.package_build(package_id=package.pk)
    return meeting_ids


def december(name: str) -> Urls:
    return each(name, lambda o: [o.planted.december.pk])


def december_items(name: str) -> Urls:
    """A secretariat page of the December items (a member gets 403 or 404): the two hidden items, and the roundtable
    whose only change is the Protected B paper."""
    return each(name, lambda o: [o.planted.mou_item.pk, o.planted.annex.pk, o.planted.roundtable.pk])


def mou_versions(name: str) -> Urls:
    return lambda objects, persona: [page(name, objects.planted.mou.pk, number) for number in objects.mou_versions]


def searches(objects: Objects, persona: str) -> list[str]:
    """Every token holds the word CANARY: one search finds them all, kind by kind (each kind's page holds 20, more
    than were planted of any kind). Not the tokens themselves: the page repeats the query, which is the reader's."""
    from portal.search import KINDS

    url = page("search")
    return [
        f"{url}?q=CANARY", f"{url}?q=MOU", f"{url}?q=annex", f"{url}?q=Paper",
        *(f"{url}?q=CANARY&kind={kind}" for kind in KINDS),
    ]


def own_feed(name: str, *args: str) -> Urls:
    return lambda objects, persona: [page(name, objects.planted.feeds[persona], *args)]


# Every GET route of the resolver (outside the API operations of the schema, read below), with the URLs read.
PAGES: dict[str, Urls] = {
    "home": named("home"),
    "calendar": named("calendar", "", "?month=2021-12", "?month=2022-02", "?month=2022-03"),
    "milestone-timeline": named("milestone-timeline"),
    "body-detail": each("body-detail", lambda o: ["CBFTF", "CBCF"]),
    "milestone-detail": each("milestone-detail", lambda o: [m.pk for m in o.milestones]),
    "milestone-create": each("milestone-create", lambda o: ["CBFTF"]),
    "milestone-edit": each("milestone-edit", lambda o: [m.pk for m in o.milestones]),
    "agency-list": named("agency-list"),
    "agency-detail": each("agency-detail", lambda o: ["CBSA", "ATF", "RCMP", "DEA"]),
    "member-list": named("member-list"),
    "member-detail": each("member-detail", lambda o: [p.username for p in o.people]),
    "lockout-list": named("lockout-list"),
    "translation-list": named("translation-list"),
    "notification-list": named("notification-list"),
    "notification-preferences": named("notification-preferences"),
    "delivery-list": named("delivery-list"),
    "delivery-sent-list": named("delivery-sent-list"),
    "api-token-list": named("api-token-list"),
    "calendar-feed-settings": named("calendar-feed-settings"),
    "calendar-feed": own_feed("calendar-feed"),
    "body-calendar-feed": lambda o, persona: [
        page("body-calendar-feed", o.planted.feeds[persona], acronym) for acronym in ("CBFTF", "CBCF")
    ],
    "audit-log": named("audit-log"),
    "audit-log-export": named("audit-log-export"),
    "agreement-list": named("agreement-list"),
    "sharing-map": named(
        "sharing-map", "?source=CBSA&target=ATF&category=customs", "?source=CBSA&target=ATF&category=intelligence",
        "?source=ATF&target=CBSA&category=traveller",
    ),
    "sharing-matrix": named("sharing-matrix"),
    "agreement-detail": each("agreement-detail", lambda o: [a.pk for a in o.agreements]),
    "agreement-submit": each("agreement-submit", lambda o: [o.planted.mou.pk]),
    "agreement-transition": each("agreement-transition", lambda o: [o.planted.mou.pk]),
    "signature-create": each("signature-create", lambda o: [o.planted.mou.pk]),
    "step-create": each("step-create", lambda o: [o.planted.mou.pk]),
    "step-act": each("step-act", lambda o: list(o.planted.mou.steps.values_list("pk", flat=True))),
    "version-create": each("version-create", lambda o: [o.planted.mou.pk]),
    "version-compare": lambda o, persona: [
        page("version-compare", o.planted.mou.pk), page("version-compare", o.planted.mou.pk) + "?from=1&to=3"
    ],
    "version-detail": mou_versions("version-detail"),
    "version-restore": mou_versions("version-restore"),
    "version-comment": mou_versions("version-comment"),
    "meeting-list": named("meeting-list"),  # upcoming and past meetings on one page
    "meeting-create": named("meeting-create", "?body=CBFTF"),
    "series-create": named("series-create", "?body=CBFTF"),
    "agendas-to-review": named("agendas-to-review"),
    "register": lambda o, persona: [
        page("register"), page("register") + f"?body={o.bodies_by_acronym['CBFTF']}",
        page("register") + f"?agency={o.agencies_by_acronym['ATF']}", page("register") + "?status=open",
    ],
    "meeting-detail": each("meeting-detail", lambda o: [m.pk for m in o.meetings]),
    "meeting-edit": december("meeting-edit"),
    "meeting-cancel": december("meeting-cancel"),
    "meeting-delete": december("meeting-delete"),
    "rsvp": december("rsvp"),
    "agenda-item-create": december("agenda-item-create"),
    "agenda-circulate": december("agenda-circulate"),
    "agenda-finalise": december("agenda-finalise"),
    "attendance": december("attendance"),
    "guest-add": december("guest-add"),
    "guest-remove": each("guest-remove", lambda o: _guests(o)),
    "guest-link-renew": each("guest-link-renew", lambda o: _guests(o)),
    "minutes": december("minutes"),
    "minutes-approve": december("minutes-approve"),
    "minutes-circulate": december("minutes-circulate"),
    "minutes-review": each("minutes-review", lambda o: [m.pk for m in o.meetings]),
    "agenda-template": lambda o, persona: [page("agenda-template", "CBFTF"), page("agenda-template", "CBCF")],
    "decision-create": december("decision-create"),
    "action-item-create": december("action-item-create"),
    "agenda-item-detail": each("agenda-item-detail", lambda o: [item.pk for item in o.items]),
    "agenda-item-edit": december_items("agenda-item-edit"),
    "agenda-item-move": december_items("agenda-item-move"),
    "agenda-item-withdraw": december_items("agenda-item-withdraw"),
    "paper-upload": december_items("paper-upload"),
    "comment-create": each("comment-create", lambda o: [item.pk for item in o.items]),
    "paper-download": each("paper-download", lambda o: [paper.pk for paper in o.papers]),
    "paper-versions": each("paper-versions", lambda o: [paper.pk for paper in o.papers]),
    "paper-version-download": lambda o, persona: [
        page("paper-version-download", paper, number) for paper, number in o.paper_versions
    ],
    "paper-replace": each("paper-replace", lambda o: [paper.pk for paper in o.papers]),
    "meeting-package": each("meeting-package", lambda o: [m.pk for m in o.meetings]),
    "meeting-remind": each("meeting-remind", lambda o: [m.pk for m in o.meetings]),
    "meeting-package-download": lambda o, persona: [
        page("meeting-package-download", pk) for pk in packages_built(persona, [m.pk for m in o.meetings])
    ],
    "action-item-status": each("action-item-status", lambda o: [action.pk for action in o.actions]),
    "report-builder": named("report-builder"),
    "report-detail": each("report-detail", lambda o: ["CBFTF", "CBCF"], REPORT_PERIOD),
    "report-pdf": each("report-pdf", lambda o: ["CBFTF", "CBCF"], REPORT_PERIOD),
    "register-export": lambda o, persona: [
        page("register-export", register) + query
        for register in ("action-items", "decisions", "meetings", "milestones")
        for query in ("", "?body=CBFTF")
    ],
    "search": searches,
    "api:api-root": fixed("/api/v1/"),
}

# GET routes the canary does not read, and why.
NOT_READ: dict[str, str] = {
    "healthz": "a probe: answers its own state, reads no portal data",
    "readyz": "a probe: answers whether the database and broker are reachable, reads no portal data",
    "login": "the sign-in form: a signed-in reader is sent home",
    "logout": "signing out: reading it would end the reader's session",
    "password-change": "the reader's own password form: no portal data",
    "two-factor": "the reader's own second-factor settings: no portal data",
    "two-factor-enrol": "the reader's own second-factor enrolment: no portal data",
    "two-factor-verify": "the second-factor prompt: a session that passed it is sent home",
    "notification-open": "only redirects to the notification's own address, which is read here (the notification "
                         "rows themselves are read from the table)",
    "api-token-revoke": "takes POST only (the token list it acts on is read)",
    "agenda-start": "takes POST only (the agenda it starts is read on the meeting page)",
    "api-schema": "the schema describes the API, holds no data (every GET operation in it is read)",
    "api-docs": "the browsable docs render the schema, holds no data",
    "guest-page": "opened by a guest's signed link, not by a reader's session: it shows the one meeting of the guest "
                  "it names, and nothing of its agenda (tests/meetings/test_guests.py)",
}


def _guests(objects: Objects, *, with_meeting: bool = False) -> list:
    """The guests of the meetings read (their pks; or their meetings' and their pks)."""
    from meetings.models import Guest

    guests = Guest.objects.filter(meeting__in=objects.meetings)
    return list(guests.values_list("meeting_id", "pk") if with_meeting else guests.values_list("pk", flat=True))


def _items(objects: Objects) -> list[tuple[int, int]]:
    return [(item.meeting_id, item.pk) for item in objects.items]


def _agreement_children(objects: Objects, kind: str) -> list[str]:
    shown = [objects.planted.mou, *[a for a in objects.agreements if a.short_name == "CBFTF ToR"]]
    urls = []
    for agreement in shown:
        if kind == "versions":
            numbers = agreement.versions.values_list("number", flat=True)
            urls += [f"/api/v1/agreements/{agreement.pk}/versions/{number}/" for number in numbers]
        else:
            steps = agreement.steps.values_list("pk", flat=True)
            urls += [f"/api/v1/agreements/{agreement.pk}/steps/{pk}/" for pk in steps]
    return urls


LIST = "?page_size=200"

# Every GET operation of the OpenAPI schema, with the URLs read (lists are paged through to the end).
API: dict[str, Callable[[Objects], list[str]]] = {
    "/api/v1/action-items/": lambda o: [f"/api/v1/action-items/{LIST}", f"/api/v1/action-items/{LIST}&body=CBFTF"],
    "/api/v1/action-items/{id}/": lambda o: [f"/api/v1/action-items/{a.pk}/" for a in o.actions],
    "/api/v1/agencies/": lambda o: [f"/api/v1/agencies/{LIST}"],
    "/api/v1/agencies/{id}/": lambda o: [f"/api/v1/agencies/{a.pk}/" for a in o.agencies],
    "/api/v1/agreements/": lambda o: [f"/api/v1/agreements/{LIST}"],
    "/api/v1/agreements/{id}/": lambda o: [f"/api/v1/agreements/{a.pk}/" for a in o.agreements],
    "/api/v1/agreements/{agreement_pk}/steps/": lambda o: [
        f"/api/v1/agreements/{a.pk}/steps/{LIST}" for a in o.agreements
    ],
    "/api/v1/agreements/{agreement_pk}/steps/{id}/": lambda o: _agreement_children(o, "steps"),
    "/api/v1/agreements/{agreement_pk}/versions/": lambda o: [
        f"/api/v1/agreements/{a.pk}/versions/{LIST}" for a in o.agreements
    ],
    "/api/v1/agreements/{agreement_pk}/versions/{number}/": lambda o: _agreement_children(o, "versions"),
    "/api/v1/bodies/": lambda o: [f"/api/v1/bodies/{LIST}"],
    "/api/v1/bodies/{id}/": lambda o: [f"/api/v1/bodies/{b.pk}/" for b in o.bodies],
    "/api/v1/bodies/{acronym}/agenda-template/": lambda o: [
        f"/api/v1/bodies/{acronym}/agenda-template/" for acronym in ("CBFTF", "CBCF")
    ],
    "/api/v1/decisions/": lambda o: [f"/api/v1/decisions/{LIST}", f"/api/v1/decisions/{LIST}&body=CBFTF"],
    "/api/v1/decisions/{id}/": lambda o: [f"/api/v1/decisions/{d.pk}/" for d in o.decisions],
    "/api/v1/meetings/": lambda o: [f"/api/v1/meetings/{LIST}", f"/api/v1/meetings/{LIST}&{WINDOW}"],
    "/api/v1/meetings/{id}/": lambda o: [f"/api/v1/meetings/{m.pk}/" for m in o.meetings],
    "/api/v1/meetings/{id}/minutes/comments/": lambda o: [
        f"/api/v1/meetings/{m.pk}/minutes/comments/" for m in o.meetings
    ],
    "/api/v1/meetings/{meeting_pk}/items/": lambda o: [f"/api/v1/meetings/{m.pk}/items/{LIST}" for m in o.meetings],
    "/api/v1/meetings/{meeting_pk}/items/{id}/": lambda o: [
        f"/api/v1/meetings/{meeting}/items/{item}/" for meeting, item in _items(o)
    ],
    "/api/v1/meetings/{meeting_pk}/guests/": lambda o: [f"/api/v1/meetings/{m.pk}/guests/{LIST}" for m in o.meetings],
    "/api/v1/meetings/{meeting_pk}/guests/{id}/": lambda o: [
        f"/api/v1/meetings/{meeting}/guests/{guest}/" for meeting, guest in _guests(o, with_meeting=True)
    ],
    "/api/v1/members/": lambda o: [f"/api/v1/members/{LIST}"],
    "/api/v1/members/{id}/": lambda o: [f"/api/v1/members/{p.pk}/" for p in o.people],
    "/api/v1/milestones/": lambda o: [f"/api/v1/milestones/{LIST}"],
    "/api/v1/milestones/{id}/": lambda o: [f"/api/v1/milestones/{m.pk}/" for m in o.milestones],
    "/api/v1/papers/": lambda o: [f"/api/v1/papers/{LIST}", f"/api/v1/papers/{LIST}&meeting={o.planted.december.pk}"],
    "/api/v1/papers/{id}/": lambda o: [f"/api/v1/papers/{p.pk}/" for p in o.papers],
    "/api/v1/papers/{paper_pk}/versions/": lambda o: [f"/api/v1/papers/{p.pk}/versions/{LIST}" for p in o.papers],
    "/api/v1/papers/{paper_pk}/versions/{number}/download/": lambda o: [
        f"/api/v1/papers/{paper}/versions/{number}/download/" for paper, number in o.paper_versions
    ],
    "/api/v1/meetings/{id}/package/": lambda o: [f"/api/v1/meetings/{m.pk}/package/" for m in o.meetings],
    "/api/v1/meetings/{id}/responses/": lambda o: [f"/api/v1/meetings/{m.pk}/responses/" for m in o.meetings],
    "/api/v1/meetings/{id}/proposals/": lambda o: [f"/api/v1/meetings/{m.pk}/proposals/" for m in o.meetings],
    "/api/v1/meetings/{id}/reminders/": lambda o: [f"/api/v1/meetings/{m.pk}/reminders/" for m in o.meetings],
    "/api/v1/meetings/{id}/package/download/": lambda o: [
        f"/api/v1/meetings/{m.pk}/package/download/" for m in o.meetings
    ],
    "/api/v1/schedule/": lambda o: [f"/api/v1/schedule/{LIST}", f"/api/v1/schedule/{LIST}&{WINDOW}"],
    "/api/v1/sharing/": lambda o: [
        f"/api/v1/sharing/?from=CBSA&to=ATF&category={category}" for category in ("customs", "intelligence")
    ],
}
# GET operations of the schema the canary does not read, and why (none today).
API_NOT_READ: dict[str, str] = {}

SCHEMA = api_schema()
SCHEMA_GETS = sorted(path for path, methods in SCHEMA["paths"].items() if "get" in methods)
SCHEMA_ROUTES = {
    resolve(re.sub(r"\{[^}]+\}", "1", path)).view_name
    for path, methods in SCHEMA["paths"].items()
    for method in methods
}


def resolver_routes() -> set[str]:
    """Every named route outside the admin and outside the schema's operations."""
    return {name for name, _route in url_patterns() if name} - SCHEMA_ROUTES


# 5. Coverage that cannot rot ----------------------------------------------------------------------------------


def test_every_route_of_the_resolver_is_read_by_the_canary_or_excluded_with_a_reason():
    routes = resolver_routes()

    assert sorted(routes - PAGES.keys() - NOT_READ.keys()) == [], (
        "Not read by the canary: add each to PAGES in tests/security/test_canary.py with the URLs that show its "
        "most restricted objects, or to NOT_READ with the reason it holds nothing a reader could be denied"
    )
    assert sorted(PAGES.keys() & NOT_READ.keys()) == []
    assert sorted((PAGES.keys() | NOT_READ.keys()) - routes) == [], "No longer in the URLconf"
    assert all(reason.strip() for reason in NOT_READ.values())


def test_the_groups_of_readers_hold_every_persona_once():
    assert sorted(persona for readers in READERS.values() for persona in readers) == sorted(PERSONAS)
    assert all(list(readers) == [p for p in PERSONAS if p in readers] for readers in READERS.values())


def test_every_get_operation_of_the_schema_is_read_by_the_canary_or_excluded_with_a_reason():
    assert sorted(set(SCHEMA_GETS) - API.keys() - API_NOT_READ.keys()) == [], (
        "Not read by the canary: add each to API in tests/security/test_canary.py with the URLs of real objects, "
        "or to API_NOT_READ with the reason"
    )
    assert sorted((API.keys() | API_NOT_READ.keys()) - set(SCHEMA_GETS)) == [], "No longer in the schema"


# 3. Reading ----------------------------------------------------------------------------------------------------


# The channel a route is, in the worklist (every other route is a page).
CHANNELS = {
    "calendar-feed": "calendar feed", "body-calendar-feed": "calendar feed", "search": "search",
    "register-export": "csv export", "audit-log-export": "csv export", "report-pdf": "pdf",
    "paper-download": "paper download", "paper-version-download": "paper download",
}


def read_pages(canary: Canary, client: Client, persona: str, objects: Objects) -> None:
    for name, urls in PAGES.items():
        channel = CHANNELS.get(name, "page")
        for url in urls(objects, persona):
            response = client.get(url)
            if response.status_code >= 500:
                canary.hint(persona, channel, url, f"server error {response.status_code}")
            canary.read(persona, channel, url, text_of(response))


def read_api(canary: Canary, client: Client, persona: str, objects: Objects) -> None:
    for urls in API.values():
        for url in urls(objects):
            while url:
                response = client.get(url)
                if response.status_code >= 500:
                    canary.hint(persona, "api", url, f"server error {response.status_code}")
                canary.read(persona, "api", url, text_of(response))
                data = json_of(response)
                following = data.get("next") if isinstance(data, dict) and response.status_code == 200 else None
                url = re.sub(r"^https?://[^/]+", "", following) if following else None


def read_messages(canary: Canary, user: User) -> None:
    for message in mail.outbox:
        if user.email in message.to:
            where = f"email “{message.subject}”"
            canary.read(user.username, "email", where, email_text(message))
    for notice in Notification.objects.filter(user=user):
        canary.read(user.username, "notification", f"notification “{notice.title}”",
                    f"{notice.title}\n{notice.body}\n{notice.url}")
    for delivery in Delivery.objects.filter(recipient=user):
        canary.read(user.username, "delivery row", f"delivery {delivery.key}",
                    f"{delivery.subject}\n{delivery.body_text}\n{delivery.body_html}\n{delivery.ics}")


# 4. Structural hints -------------------------------------------------------------------------------------------


def api_items(client: Client, meeting: Meeting) -> list[dict]:
    response = client.get(f"/api/v1/meetings/{meeting.pk}/items/{LIST}")
    if response.status_code != 200:
        return []
    data = json_of(response)
    return data["results"] if isinstance(data, dict) else data


def contiguous(numbers: list[int]) -> bool:
    return numbers == list(range(1, len(numbers) + 1))


def check_the_agenda(canary: Canary, client: Client, persona: str, planted: Planted) -> None:
    """What a reader sees of the December agenda numbers their items 1..n, totals them, and tells them of changes
    to those items only."""
    meeting = planted.december
    items = api_items(client, meeting)
    if not items:
        return
    seen_ids = [item["id"] for item in sorted(items, key=lambda item: item["position"])]
    rank = {pk: index for index, pk in enumerate(seen_ids, start=1)}
    positions = sorted(item["position"] for item in items)
    api_url = f"/api/v1/meetings/{meeting.pk}/items/"
    if not contiguous(positions):
        canary.hint(persona, "api", api_url, f"agenda numbering {positions}, not 1..{len(items)}")
    # Times run from the meeting's start over the items the reader sees, each taking its time: no gap in them shows
    # the length of an item hidden from the reader.
    running = meeting.start
    for item in sorted(items, key=lambda item: item["position"]):
        if item["withdrawn"]:
            if item["starts_at"] is not None:
                canary.hint(persona, "api", api_url, f"withdrawn item {item['position']} has a time")
            continue
        starts = datetime.datetime.fromisoformat(item["starts_at"])
        if starts != running:
            canary.hint(persona, "api", api_url, f"item {item['position']} starts at {starts:%H:%M}, after what they "
                                                 f"see ends at {running:%H:%M}")
        running = starts + datetime.timedelta(minutes=item["minutes_allotted"])
    if persona in ("hsi", "cbp", "dea"):
        for item in items:
            if item["id"] == planted.roundtable.pk and item["changed_after_circulation"]:
                canary.hint(persona, "api", f"{api_url} (item {item['id']})",
                            "`changed_after_circulation` on the roundtable: its only change is the Protected B paper")

    url = page("meeting-detail", meeting.pk)
    html = client.get(url).content.decode()
    numbers = [int(n) for n in re.findall(r'<td data-label="#">(\d+)</td>', html)]
    shown_starts = [datetime.datetime.fromisoformat(moment) for moment in re.findall(
        r'<td data-label="Time"><time datetime="([^"]+)"', html
    )]
    api_starts = [datetime.datetime.fromisoformat(item["starts_at"]) for item in sorted(
        items, key=lambda item: item["position"]
    ) if not item["withdrawn"]]
    if shown_starts != api_starts:
        canary.hint(persona, "page", url, "the agenda's times differ from the API's over the same items")
    if numbers != list(range(1, len(items) + 1)):
        canary.hint(persona, "page", url, f"agenda numbered {numbers}; they see {len(items)} items")
    total = re.search(r"Time allotted: (\d+) of the meeting's (\d+) minutes", html)
    expected = sum(item["minutes_allotted"] for item in items if not item["withdrawn"])
    if total is None or int(total.group(1)) != expected:
        canary.hint(persona, "page", url, f"time allotted “{total and total.group(0)}”, the items they see total "
                                          f"{expected}")
    minutes = re.search(r'<dl class="portal-minutes">(.*?)</dl>', html, re.S)
    minute_numbers = [int(n) for n in re.findall(r"<dt>(\d+)\. ", minutes.group(1))] if minutes else []
    if minute_numbers != list(range(1, len(items) + 1)):
        canary.hint(persona, "page", url, f"approved minutes numbered {minute_numbers}; they see {len(items)} items")
    moves = re.findall(r'href="/en/meetings/items/(\d+)/">[^<]*</a>[^<]*— now item (\d+)', html)
    if not moves:
        canary.hint(persona, "page", url, "the canary finds no “now item” change entry (the page's markup "
                                          "changed?): every reader sees the adoption of the agenda moved")
    for item_id, position in moves:
        if rank.get(int(item_id)) != int(position):
            canary.hint(persona, "page", url, f"change entry “now item {position}” for the item they number "
                                              f"{rank.get(int(item_id))}")
    if persona in ("hsi", "cbp", "dea"):
        check_the_protected_b_hints(canary, persona, url, html, planted)
    elif not re.search(PAPER_ADDED_TO_THE_ROUNDTABLE % planted.roundtable.pk, html):
        canary.hint(persona, "page", url, "the canary finds no “Paper added” entry for the roundtable (the page's "
                                          "markup changed?), though this reader may see the Protected B paper")


PAPER_ADDED_TO_THE_ROUNDTABLE = r'<strong>Paper added</strong>: <a href="/en/meetings/items/%s/"'


def check_the_protected_b_hints(canary: Canary, persona: str, url: str, html: str, planted: Planted) -> None:
    """The roundtable's only change after circulation is the Protected B paper: a reader below Protected B must
    see no trace of it."""
    roundtable = planted.roundtable.pk
    if re.search(PAPER_ADDED_TO_THE_ROUNDTABLE % roundtable, html):
        canary.hint(persona, "page", url, "change entry “Paper added: Roundtable” (the Protected B paper)")
    row = re.search(rf'<tr id="item-{roundtable}".*?</tr>', html, re.S)
    if row and "Changed since circulated" in row.group(0):
        canary.hint(persona, "page", url, "badge “Changed since circulated” on the roundtable (the Protected B paper)")
    if planted.protected_b_change is not None:
        key = f"agenda-change:{planted.protected_b_change.pk}"
        user = User.objects.get(username=persona)
        for notice in Notification.objects.filter(user=user, event_key=key):
            canary.hint(persona, "notification", f"notification “{notice.title}”",
                        "notice of the Protected B paper being added")
        for message in mail.outbox:
            if user.email in message.to and key in message.extra_headers.get("X-Portal-Delivery", ""):
                canary.hint(persona, "email", f"email “{message.subject}”",
                            "“Paper added” email about the Protected B paper")


def check_the_feed(canary: Canary, client: Client, persona: str, planted: Planted) -> None:
    url = page("calendar-feed", planted.feeds[persona])
    calendar = Calendar.from_ical(content_of(client.get(url)))
    for event in calendar.walk("VEVENT"):
        if f"/meetings/{planted.december.pk}/" not in str(event.get("URL", "")):
            continue
        lines = str(event.get("DESCRIPTION", "")).splitlines()
        numbers = [int(match.group(1)) for line in lines if (match := re.match(r"(\d+)\. ", line))]
        if not contiguous(numbers):
            canary.hint(persona, "calendar feed", url, f"agenda numbered {numbers} in the December meeting's event")


def check_the_emails(canary: Canary, user: User) -> None:
    listing = 0
    for message in mail.outbox:
        if user.email not in message.to:
            continue
        numbers = [int(n) for n in re.findall(r"^(\d+)\. .*\(\d+ minutes?\)$", message.body, re.M)]
        listing += bool(numbers)
        if numbers and not contiguous(numbers):
            canary.hint(user.username, "email", f"email “{message.subject}”", f"agenda numbered {numbers}")
    if not listing and user.username != "dea":
        canary.hint(user.username, "email", "-", "the canary finds no email listing the agenda (the reminders list "
                                                 "it; the email's wording changed?)")


def unread_channels(canary: Canary, readers: tuple[str, ...]) -> list[str]:
    """Every member of the task force got emails, notices and a feed to read: a canary that read none would pass."""
    return [
        f"{persona} | {channel} | - | the canary read nothing on this channel"
        for persona in readers
        if persona != "dea"
        for channel in ("page", "api", "email", "notification", "calendar feed", "search", "csv export", "pdf")
        if not canary.channels[persona][channel]
    ]


# The test -------------------------------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    """Papers uploaded here land in a folder of this test's own."""
    default = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**default, "OPTIONS": {**default.get("OPTIONS", {}), "location": str(tmp_path / "media")}},
    }


@pytest.mark.parametrize("readers", READERS.values(), ids=READERS.keys())
def test_nothing_a_reader_may_not_see_reaches_them_on_any_channel(demo, client_for, media_root, readers):
    canary = Canary()
    with time_machine.travel(BEFORE_THE_MEETING, tick=False) as traveller:
        planted = run_the_cycle(canary, demo, traveller)
        objects = Objects.of(planted, canary)
        for persona in readers:
            user = User.objects.get(username=persona)
            client = client_for(user)
            read_pages(canary, client, persona, objects)
            read_api(canary, client, persona, objects)
            read_messages(canary, user)
            check_the_agenda(canary, client, persona, planted)
            check_the_feed(canary, client, persona, planted)
            check_the_emails(canary, user)

    found = sorted(set(canary.problems)) + canary.unseen_by_those_who_may(readers) + unread_channels(canary, readers)
    assert found == [], f"{len(found)} leaks (persona | channel | where | what):\n" + "\n".join(found)
