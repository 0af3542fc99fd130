"""The meetings of the demo: the inaugural CBFTF meeting, the meeting of December 17, 2021, and the regular
meeting after it. Dates, host and agenda topics come from the briefing note; every date and every time something
was done goes through the demo's timeline (taskforce.demo.Timeline), which may move the story by whole weeks."""

import datetime
import zoneinfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from members.models import Classification
from taskforce.demo import working_day
from taskforce.models import season_window

from . import services
from .models import AgendaTemplate, ItemKind, Meeting, Rsvp

OTTAWA = "America/Toronto"


INAUGURAL = datetime.date(2021, 11, 10)
DECEMBER = datetime.date(2021, 12, 17)
# The regular meeting after December's, on the third Friday of January.
REGULAR = datetime.date(2022, 1, 21)
TOR_SIGNED = datetime.date(2021, 8, 12)
SPRING_2022 = (datetime.date(2022, 3, 20), datetime.date(2022, 6, 20))


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(OTTAWA))


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (ASCII), built by hand so the demo needs no PDF library."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _existing(body, title_en: str, day: datetime.date) -> Meeting | None:
    return Meeting.objects.filter(body=body, title_en=title_en, start__date=day).first()


def _inaugural(demo) -> None:
    cbftf, a, u, t = demo.bodies["CBFTF"], demo.agencies, demo.users, demo.timeline
    day = t.meeting_day(INAUGURAL)
    title = "CBFTF inaugural meeting"
    if _existing(cbftf, title, day):
        return
    sec = u["secretariat"]
    tor_en, tor_fr = t.long_date(TOR_SIGNED, "en"), t.long_date(TOR_SIGNED, "fr")
    spring = t.season(*season_window("spring", 2022), "en")
    next_en = t.spell(t.meeting_day(DECEMBER), "en")
    with t.stamped(datetime.date(2021, 10, 13), 10):
        meeting = services.meeting_schedule(
            actor=sec, body=cbftf, title_en=title, title_fr="Réunion inaugurale du GTTAF",
            start=_at(day, 10), end=_at(day, 12, 30), time_zone=OTTAWA, host_agency=a["ATF"],
            place="Hosted by the U.S. Embassy in Ottawa, 490 Sussex Drive, Ottawa",
            invite_agencies=[a["CBSA"], a["RCMP"], a["ATF"], a["HSI"], a["CBP"]],
        )
        items = {}
        for key, en, fr, presenter, agency, minutes in [
            ("open", "Opening remarks and introductions", "Mot d'ouverture et présentations", u["cbsa"], a["CBSA"],
             15),
            ("tor", f"Terms of Reference signed {tor_en}: mandate and membership",
             f"Mandat signé le {tor_fr} : mandat et composition", u["secretariat"], a["CBSA"], 20),
            ("threat", "Firearms smuggling across the border: current picture",
             "Contrebande d'armes à feu à la frontière : portrait actuel", u["rcmp"], a["RCMP"], 30),
            ("jbta", "Joint Border Threat Assessment: scope and timeline",
             "Évaluation conjointe de la menace à la frontière : portée et échéancier", u["cbsa"], a["CBSA"], 40),
            ("next", "Next steps and next meeting", "Prochaines étapes et prochaine réunion", u["atf"], a["ATF"], 15),
        ]:
            items[key] = services.agenda_item_add(
                actor=sec, meeting=meeting, title_en=en, title_fr=fr, presenter=presenter, presenter_agency=agency,
                minutes_allotted=minutes,
            )
    with t.stamped(datetime.date(2021, 10, 27), 10):
        services.agenda_circulate(actor=sec, meeting=meeting)
    with t.stamped(datetime.date(2021, 11, 8), 10):
        services.agenda_finalise(actor=sec, meeting=meeting)
    with t.stamped(INAUGURAL, 12, 30):
        services.attendance_record(actor=sec, meeting=meeting, present={
            u["secretariat"]: "in_person", u["cbsa"]: "in_person", u["atf"]: "in_person", u["hsi"]: "in_person",
            u["rcmp"]: "in_person", u["cbp"]: "remote",
        })
    with t.stamped(datetime.date(2021, 11, 12), 15):
        services.minutes_save(actor=sec, meeting=meeting, minutes={
            items["open"].pk: "The co-chairs welcomed members; each agency introduced its representatives.",
            items["tor"].pk: f"Members confirmed the mandate in the Terms of Reference signed on {tor_en}.",
            items["threat"].pk: "The RCMP and CBP described recent seizures of smuggled firearms and firearms parts.",
            items["jbta"].pk: f"Members agreed to produce a Joint Border Threat Assessment, to be issued in {spring}.",
            items["next"].pk: f"The next meeting is scheduled for {next_en}.",
        })
        services.decision_record(
            actor=sec, meeting=meeting, item=items["jbta"],
            text=f"The Task Force will issue a Joint Border Threat Assessment in {spring}.",
        )
        services.decision_record(
            actor=sec, meeting=meeting, item=items["next"], text=f"The Task Force will next meet on {next_en}.",
        )
        done = services.action_item_record(
            actor=sec, meeting=meeting, item=items["jbta"], owner=u["cbsa"], owner_agency=a["CBSA"],
            due_date=t.day(datetime.date(2021, 12, 10)),
            text="Circulate a draft outline of the Joint Border Threat Assessment.",
        )
        services.action_item_record(
            actor=sec, meeting=meeting, item=items["jbta"], owner=u["atf"], owner_agency=a["ATF"],
            due_date=t.day(datetime.date(2022, 1, 31)), text="Provide a summary of firearms trace data for the assessment.",
        )
        services.action_item_record(
            actor=sec, meeting=meeting, item=items["threat"], owner=u["hsi"], owner_agency=a["HSI"],
            due_date=t.meeting_day(DECEMBER), text="Name HSI points of contact for cross-border firearms cases.",
        )
    with t.stamped(datetime.date(2021, 11, 19), 15):
        services.minutes_approve(actor=sec, meeting=meeting)
    with t.stamped(datetime.date(2021, 12, 3), 16):
        services.action_item_set_status(actor=u["cbsa"], action=done, status="done")


def _december(demo) -> None:
    cbftf, a, u, t = demo.bodies["CBFTF"], demo.agencies, demo.users, demo.timeline
    day = t.meeting_day(DECEMBER)
    title = "CBFTF meeting"
    if _existing(cbftf, title, day):
        return
    sec = u["secretariat"]
    spring_en = t.season(*season_window("spring", 2022), "en")
    spring_fr = t.season(*season_window("spring", 2022), "fr")
    mid_en = t.month(datetime.date(2022, 2, 15), "en")
    mid_fr = t.month(datetime.date(2022, 2, 15), "fr")
    with t.stamped(datetime.date(2021, 11, 15), 10):
        meeting = services.meeting_schedule(
            actor=sec, body=cbftf, title_en=title, title_fr="Réunion du GTTAF",
            start=_at(day, 11), end=_at(day, 12, 30), time_zone=OTTAWA, host_agency=a["CBSA"],
            virtual_link=f"https://meet.example.org/cbftf-{day.isoformat()}",
            invite_agencies=[a["CBSA"], a["RCMP"], a["ATF"], a["HSI"], a["CBP"]],
        )
        services.agenda_item_add(
            actor=sec, meeting=meeting, title_en="Adoption of the agenda", title_fr="Adoption de l'ordre du jour",
            presenter=u["secretariat"], minutes_allotted=5,
        )
        jbta = services.agenda_item_add(
            actor=sec, meeting=meeting, title_en="Joint Border Threat Assessment: progress",
            title_fr="Évaluation conjointe de la menace à la frontière : avancement", presenter=u["cbsa"],
            presenter_agency=a["CBSA"], minutes_allotted=35,
            description=f"Key activities leading up to the issuance of the assessment in {spring_en}.",
            description_fr=f"Principales activités menant à la publication de l'évaluation {spring_fr}.",
        )
        services.paper_upload(
            actor=sec, item=jbta, title="Joint Border Threat Assessment — draft outline",
            upload=SimpleUploadedFile("jbta-outline.pdf", tiny_pdf("Joint Border Threat Assessment - draft outline")),
            classification=Classification.UNCLASSIFIED,
        )
        mou = services.agenda_item_add(
            actor=sec, meeting=meeting, title_en="CBSA–ATF MOU on direct information sharing: status",
            title_fr="PE ASFC–ATF sur l'échange direct d'information : état d'avancement", presenter=u["cbsa"],
            presenter_agency=a["CBSA"], minutes_allotted=20, restricted_to=[a["CBSA"], a["ATF"]],
            description="The draft MOU is in CBSA approvals; it is expected to go to ATF for review before "
                        f"mid-{mid_en}. A Privacy Impact Assessment is being prepared.",
            description_fr="L'ébauche du PE suit le processus d'approbation de l'ASFC\u00a0; elle devrait être transmise à "
                           f"l'ATF pour examen avant la mi-{mid_fr}. Une évaluation des facteurs relatifs à la vie "
                           "privée est en préparation.",
        )
        mou_note = services.paper_upload(
            actor=sec, item=mou, title="CBSA–ATF MOU status note",
            upload=SimpleUploadedFile("mou-status-draft.pdf", tiny_pdf("CBSA-ATF MOU status note - draft")),
            classification=Classification.PROTECTED_A,
        )
        # Deliberately left in English only: French readers see it with the "translation pending" mark, and the
        # secretariat finds it on the "Needs translation" page. The CBFTF does not require bilingual agendas in the
        # demo, so this agenda could still be circulated.
        services.agenda_item_add(
            actor=sec, meeting=meeting, title_en="Roundtable", minutes_allotted=20,
            description="Each agency reports on recent firearms seizures and trends along the border.",
        )
    # The status note was revised before the agenda went out: its first draft is kept as version 1.
    with t.stamped(datetime.date(2021, 12, 1), 9):
        services.paper_replace(
            actor=sec, paper=mou_note, expected_version=1,
            upload=SimpleUploadedFile("mou-status.pdf", tiny_pdf("CBSA-ATF MOU status note")),
        )
    with t.stamped(datetime.date(2021, 12, 3), 14):
        services.agenda_circulate(actor=sec, meeting=meeting)
    # Three of the six invitees have answered; RCMP, ICE/HSI and CBP have not (the tour answers for RCMP from a
    # calendar app, then the secretariat reminds the other two). On the briefing note's own dates (--as-recorded)
    # the meeting has taken place, and invitations are no longer answered.
    if meeting.is_past:
        return
    with t.stamped(datetime.date(2021, 12, 6), 9):
        services.rsvp_set(actor=sec, meeting=meeting, response=Rsvp.Response.IN_PERSON)
        services.rsvp_set(actor=u["cbsa"], meeting=meeting, response=Rsvp.Response.IN_PERSON)
        services.rsvp_set(actor=u["atf"], meeting=meeting, response=Rsvp.Response.REMOTE, note="From Washington")


def _regular_day(timeline) -> datetime.date:
    """The story's regular meeting after December's; loaded with the loading time's stamps (the test suite), three
    weeks from today, so that something is always upcoming."""
    if timeline.story_times:
        return timeline.meeting_day(REGULAR)
    return working_day(timezone.localdate() + datetime.timedelta(days=21))


def _upcoming(demo) -> None:
    cbftf, a, u, t = demo.bodies["CBFTF"], demo.agencies, demo.users, demo.timeline
    title = "CBFTF regular meeting"
    # One regular meeting after December's, wherever the story was placed when it was first loaded.
    if Meeting.objects.filter(body=cbftf, title_en=title, start__gt=_at(t.meeting_day(DECEMBER), 23)).exists():
        return
    day = _regular_day(t)
    sec = u["secretariat"]
    with t.stamped(datetime.date(2021, 12, 8), 10):
        meeting = services.meeting_schedule(
            actor=sec, body=cbftf, title_en=title, title_fr="Réunion régulière du GTTAF",
            start=_at(day, 10), end=_at(day, 11, 30), time_zone=OTTAWA, host_agency=a["CBSA"],
            virtual_link="https://meet.example.org/cbftf-regular",
            invite_agencies=[a["CBSA"], a["RCMP"], a["ATF"], a["HSI"], a["CBP"]],
        )
        services.agenda_item_add(
            actor=sec, meeting=meeting, title_en="Joint Border Threat Assessment: follow-up",
            title_fr="Évaluation conjointe de la menace à la frontière : suivi", presenter_agency=a["CBSA"],
            minutes_allotted=30,
        )
        services.agenda_item_add(
            actor=sec, meeting=meeting, title_en="Action items review", title_fr="Revue des mesures de suivi",
            presenter=u["secretariat"], minutes_allotted=15, kind=ItemKind.ACTIONS,
        )


# The CBFTF's standing items: what the secretariat's next agendas start from.
STANDING_ITEMS = (
    (ItemKind.ITEM, "Adoption of the agenda", "Adoption de l'ordre du jour", 5),
    (ItemKind.ACTIONS, "Review of action items", "Revue des mesures de suivi", 15),
    (ItemKind.ITEM, "Roundtable", "Tour de table", 20),
    (ItemKind.ITEM, "Next meeting", "Prochaine réunion", 5),
)


def _template(demo) -> None:
    cbftf = demo.bodies["CBFTF"]
    if AgendaTemplate.objects.filter(body=cbftf).exists():
        return
    services.agenda_template_save(
        actor=demo.users["secretariat"], body=cbftf, version=0,
        items=[
            {"kind": kind, "title_en": en, "title_fr": fr, "minutes_allotted": minutes}
            for kind, en, fr, minutes in STANDING_ITEMS
        ],
    )


def load_meetings(demo) -> None:
    _inaugural(demo)
    _december(demo)
    _upcoming(demo)
    _template(demo)
