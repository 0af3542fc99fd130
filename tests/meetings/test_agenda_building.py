"""Preparing an agenda: each reader's timed agenda, breaks, a body's template of standing items, a new agenda from
the template or from a copy of the last meeting's, and the open action items carried forward to "Review of action
items". Used as people use them: forms posted, the next page read as its reader sees it, the API called with a
token.
"""

import datetime
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import selectors, services
from meetings.demo import tiny_pdf
from meetings.models import ActionItem, AgendaItem, AgendaTemplate, ItemKind, Meeting, Paper, StandingItem
from tests.support.scenario import page, page_fr, text_of

from .conftest import local_time
from .test_api import token_client

API = "/api/v1"


def times_in(text: str) -> list[str]:
    """The wall times the agenda's <time> elements give, in the reader's zone."""
    return re.findall(r'<time datetime="\d{4}-\d\d-\d\dT(\d\d:\d\d)', text)


def agenda_of(client, meeting: Meeting) -> str:
    response = client.get(page("meeting-detail", meeting.pk))
    assert response.status_code == 200
    text = text_of(response)
    return text[text.index("Agenda items, in order"):]


# The timed agenda ---------------------------------------------------------------------------------------------


@pytest.fixture
def timed(meeting, add_item, secretariat, demo):
    """10:00 in Ottawa: opening (10), the MOU restricted to CBSA and ATF (30), a break (15), the roundtable (20)."""
    opening = add_item(meeting, "Opening", minutes_allotted=10)
    mou = add_item(meeting, "CBSA–ATF MOU: status", minutes_allotted=30,
                   restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]])
    pause = add_item(meeting, "Coffee break", minutes_allotted=15, kind=ItemKind.BREAK)
    roundtable = add_item(meeting, "Roundtable", minutes_allotted=20)
    services.agenda_circulate(actor=secretariat, meeting=meeting)
    return meeting, opening, mou, pause, roundtable


def test_each_item_starts_when_the_items_before_it_end_shown_in_the_readers_zone(timed, client_for, cbsa):
    meeting, *_ = timed
    agenda = agenda_of(client_for(cbsa), meeting)
    # cbsa (Ottawa) sees every item: 10:00–10:10, 10:10–10:40, 10:40–10:55, 10:55–11:15.
    assert times_in(agenda)[:8] == ["10:00", "10:10", "10:10", "10:40", "10:40", "10:55", "10:55", "11:15"]
    cbsa.time_zone = "America/Vancouver"
    cbsa.save(update_fields=["time_zone"])
    assert times_in(agenda_of(client_for(cbsa), meeting))[:2] == ["07:00", "07:10"]


def test_a_reader_who_does_not_see_an_item_reads_times_that_do_not_show_its_length(
    timed, client_for, rcmp, secretariat
):
    meeting, opening, mou, pause, roundtable = timed
    agenda = agenda_of(client_for(rcmp), meeting)
    assert "MOU" not in agenda
    # Over what rcmp sees: the break follows the opening at 10:10; nothing says 30 minutes are missing.
    assert times_in(agenda)[:6] == ["10:00", "10:10", "10:10", "10:25", "10:25", "10:45"]
    assert "10:40" not in agenda and "10:55" not in agenda and "11:15" not in agenda
    # The same times as an agenda that never had the item: nothing to infer from them.
    services.agenda_item_withdraw(actor=secretariat, item=mou)
    AgendaItem.objects.filter(pk=mou.pk).delete()
    assert times_in(agenda_of(client_for(rcmp), meeting))[:6] == times_in(agenda)[:6]


def test_the_api_gives_each_reader_the_times_of_their_own_agenda(timed, rcmp, cbsa):
    meeting, opening, mou, pause, roundtable = timed
    start = meeting.start
    for user, roundtable_start in ((cbsa, 55), (rcmp, 25)):
        rows = json.loads(token_client(user).get(f"{API}/meetings/{meeting.pk}/items/").content)["results"]
        by_title = {row["title_en"]: row for row in rows}
        row = by_title["Roundtable"]
        assert datetime.datetime.fromisoformat(row["starts_at"]) == start + datetime.timedelta(minutes=roundtable_start)
        assert datetime.datetime.fromisoformat(row["ends_at"]) == start + datetime.timedelta(minutes=roundtable_start + 20)
        assert by_title["Coffee break"]["kind"] == "break"
        # A single item reads the same time as the list.
        one = json.loads(token_client(user).get(f"{API}/meetings/{meeting.pk}/items/{roundtable.pk}/").content)
        assert one["starts_at"] == row["starts_at"]


def test_a_withdrawn_item_takes_no_time_and_shows_none(timed, client_for, cbsa, secretariat):
    meeting, opening, mou, pause, roundtable = timed
    services.agenda_item_withdraw(actor=secretariat, item=opening)
    items = list(selectors.agenda_items(actor=cbsa, meeting=meeting))
    assert items[0].starts_at is None and items[0].ends_at is None
    assert items[1].starts_at == meeting.start


def test_the_secretariat_is_told_when_readers_times_part_from_the_rooms(timed, client_for, secretariat, add_item):
    meeting, opening, mou, pause, roundtable = timed
    agenda = agenda_of(client_for(secretariat), meeting)
    assert "Not every reader sees the same times" in agenda
    assert "2. CBSA–ATF MOU: status" in agenda
    # Held last, the restricted item moves nobody's times: no notice.
    services.agenda_item_move(actor=secretariat, item=mou, position=4)
    assert "Not every reader sees the same times" not in agenda_of(client_for(secretariat), meeting)


def test_members_never_get_the_notice_that_names_the_restricted_item(timed, client_for, rcmp, cbsa):
    meeting, *_ = timed
    for user in (rcmp, cbsa):
        assert "Not every reader sees the same times" not in agenda_of(client_for(user), meeting)


def test_a_break_takes_no_papers_comments_or_restriction(meeting, add_item, secretariat, demo, cbsa):
    pause = add_item(meeting, "Break", kind=ItemKind.BREAK, minutes_allotted=15)
    with pytest.raises(services.ValidationError):
        services.paper_upload(actor=secretariat, item=pause, title="x",
                              upload=SimpleUploadedFile("x.pdf", tiny_pdf("x")))
    with pytest.raises(services.ValidationError):
        services.agenda_item_update(actor=secretariat, item=pause, version=pause.version,
                                    restricted_to=[demo.agencies["CBSA"]])
    with pytest.raises(services.ValidationError):
        add_item(meeting, "Closed break", kind=ItemKind.BREAK, restricted_to=[demo.agencies["CBSA"]])
    services.agenda_circulate(actor=secretariat, meeting=meeting)
    with pytest.raises(services.ValidationError):
        services.comment_add(actor=cbsa, item=pause, text="Coffee?")
    assert not Paper.objects.filter(item=pause).exists()
    assert AgendaItem.objects.get(pk=pause.pk).restricted is False
    assert not AgendaItem.objects.filter(title_en="Closed break").exists()
    # Nor does a restricted item become a break.
    restricted = add_item(meeting, "Closed", restricted_to=[demo.agencies["CBSA"]])
    with pytest.raises(services.ValidationError):
        services.agenda_item_update(actor=secretariat, item=restricted, version=restricted.version, kind="break")
    assert AgendaItem.objects.get(pk=restricted.pk).kind == ItemKind.ITEM


def test_a_break_is_added_from_the_form_and_shown_as_one(meeting, client_for, secretariat):
    client = client_for(secretariat)
    response = client.post(page("agenda-item-create", meeting.pk), {
        "kind": "break", "title_en": "Lunch", "minutes_allotted": "45",
    })
    assert response.status_code == 302, text_of(response)
    item = AgendaItem.objects.get(meeting=meeting, title_en="Lunch")
    assert item.kind == ItemKind.BREAK
    assert "Attach a paper" not in text_of(client.get(page("agenda-item-detail", item.pk)))
    response = client.post(page("agenda-item-create", meeting.pk), {
        "kind": "nap", "title_en": "Siesta", "minutes_allotted": "45",
    })
    assert response.status_code == 200
    assert not AgendaItem.objects.filter(title_en="Siesta").exists()


def test_the_meeting_page_runs_as_many_queries_for_a_long_timed_agenda_as_for_a_short_one(
    meeting, add_item, client_for, cbsa, secretariat
):
    add_item(meeting, "First", kind=ItemKind.ACTIONS)
    services.agenda_circulate(actor=secretariat, meeting=meeting)
    client = client_for(cbsa)
    client.get(page("meeting-detail", meeting.pk))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page("meeting-detail", meeting.pk)).status_code == 200
        return len(queries)

    few = count()
    for n in range(6):
        add_item(meeting, f"Item {n}", kind=ItemKind.BREAK if n % 3 == 0 else ItemKind.ITEM)
    assert count() == few


# The body's agenda template -----------------------------------------------------------------------------------


def template_post(version: int, rows: list[dict], *, initial: int = 0) -> dict:
    data = {
        "version": str(version), "items-TOTAL_FORMS": str(len(rows)), "items-INITIAL_FORMS": str(initial),
        "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "50",
    }
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"items-{n}-{key}"] = value
    return data


STANDING = [
    {"kind": "item", "title_en": "Adoption of the agenda", "title_fr": "Adoption de l'ordre du jour",
     "minutes_allotted": "5", "ORDER": "1"},
    {"kind": "actions", "title_en": "Review of action items", "title_fr": "Revue des mesures de suivi",
     "minutes_allotted": "15", "ORDER": "2"},
    {"kind": "item", "title_en": "Roundtable", "title_fr": "Tour de table", "minutes_allotted": "20", "ORDER": "3"},
    {"kind": "item", "title_en": "Next meeting", "title_fr": "Prochaine réunion", "minutes_allotted": "5",
     "ORDER": "4"},
]


def saved_template(demo, secretariat) -> AgendaTemplate:
    body = demo.bodies["CBFTF"]
    version = AgendaTemplate.objects.filter(body=body).values_list("version", flat=True).first() or 0
    items = [
        {"kind": row["kind"], "title_en": row["title_en"], "title_fr": row["title_fr"],
         "minutes_allotted": int(row["minutes_allotted"])}
        for row in STANDING
    ]
    return services.agenda_template_save(actor=secretariat, body=body, items=items, version=version)


def test_the_secretariat_keeps_a_template_and_a_second_save_from_the_same_version_is_refused(
    demo, client_for, secretariat
):
    body = demo.bodies["CBFTF"]
    AgendaTemplate.objects.filter(body=body).delete()
    client = client_for(secretariat)
    url = page("agenda-template", "CBFTF")
    assert client.get(url).status_code == 200
    response = client.post(url, template_post(0, STANDING))
    assert response.status_code == 302, text_of(response)
    titles = list(StandingItem.objects.filter(template__body=body).values_list("title_en", flat=True))
    assert titles == [row["title_en"] for row in STANDING]
    shown = text_of(client.get(url))
    assert "Review of action items" in shown and "Last saved by" in shown

    # Reordered and one deleted, from version 1: saved.
    rows = [dict(row) for row in STANDING]
    rows[0]["ORDER"], rows[2]["ORDER"] = "3", "1"
    rows[3]["DELETE"] = "on"
    assert client.post(url, template_post(1, rows, initial=4)).status_code == 302
    titles = list(StandingItem.objects.filter(template__body=body).values_list("title_en", flat=True))
    assert titles == ["Roundtable", "Review of action items", "Adoption of the agenda"]

    # The same save sent again by its author (a double click) is theirs, saved: no conflict.
    assert client.post(url, template_post(1, rows, initial=4)).status_code == 302
    assert AgendaTemplate.objects.get(body=body).version == 2
    # A second edit that started from version 1 is refused, and changes nothing.
    response = client.post(url, template_post(1, STANDING, initial=4))
    assert response.status_code == 409
    assert "Someone else saved this template" in text_of(response)
    assert list(StandingItem.objects.filter(template__body=body).values_list("title_en", flat=True)) == titles


@pytest.mark.parametrize("bad", [
    {"minutes_allotted": "0"}, {"minutes_allotted": "100000"}, {"kind": "nap"}, {"title_en": ""},
    {"minutes_allotted": "ten"}, {"presenter_agency": "999999"}, {"ORDER": "x"}, {"title_en": "nul\x00byte"},
    {"minutes_allotted": "\u0661\u0660\u0660\u0660"}, {"kind": "item\r\n"}, {"presenter_agency": "1\x00"},
])
def test_hostile_template_input_is_refused_and_changes_nothing(demo, client_for, secretariat, bad):
    template = saved_template(demo, secretariat)
    before = list(StandingItem.objects.filter(template=template).values_list("title_en", "minutes_allotted"))
    rows = [dict(row) for row in STANDING]
    rows[1] |= bad
    response = client_for(secretariat).post(page("agenda-template", "CBFTF"), template_post(template.version, rows))
    assert response.status_code == 400
    after = list(StandingItem.objects.filter(template=template).values_list("title_en", "minutes_allotted"))
    assert after == before


def test_a_template_form_without_its_version_or_management_data_is_refused(demo, client_for, secretariat):
    template = saved_template(demo, secretariat)
    client = client_for(secretariat)
    assert client.post(page("agenda-template", "CBFTF"), {"items-0-title_en": "x"}).status_code == 400
    data = template_post(template.version, STANDING)
    del data["version"]
    assert client.post(page("agenda-template", "CBFTF"), data).status_code == 400
    assert AgendaTemplate.objects.get(pk=template.pk).version == template.version


@pytest.mark.parametrize("persona", ["rcmp", "cbsa", "atf", "dea"])
def test_members_get_not_found_on_the_template_page_and_api(demo, client_for, secretariat, persona):
    saved_template(demo, secretariat)
    user = demo.users[persona]
    assert client_for(user).get(page("agenda-template", "CBFTF")).status_code == 404
    assert client_for(user).post(page("agenda-template", "CBFTF"), template_post(1, STANDING)).status_code == 404
    assert token_client(user).get(f"{API}/bodies/CBFTF/agenda-template/").status_code == 404
    response = token_client(user).put(
        f"{API}/bodies/CBFTF/agenda-template/", {"version": 1, "items": []}, content_type="application/json"
    )
    assert response.status_code == 404
    assert StandingItem.objects.filter(template__body__acronym="CBFTF").count() == len(STANDING)


def test_the_template_api_reads_and_replaces_from_a_version(demo, secretariat):
    client = token_client(secretariat)
    url = f"{API}/bodies/CBFTF/agenda-template/"
    AgendaTemplate.objects.filter(body=demo.bodies["CBFTF"]).delete()
    assert json.loads(client.get(url).content) == {"body": "CBFTF", "version": 0, "items": [], "updated_at": None}
    payload = {"version": 0, "items": [
        {"title_en": "Review of action items", "kind": "actions", "minutes_allotted": 15},
        {"title_en": "Roundtable", "presenter_agency": "RCMP"},
    ]}
    response = client.put(url, payload, content_type="application/json")
    assert response.status_code == 200, response.content
    saved = json.loads(response.content)
    assert saved["version"] == 1
    assert [(i["title_en"], i["kind"], i["presenter_agency"]) for i in saved["items"]] == [
        ("Review of action items", "actions", None), ("Roundtable", "item", "RCMP"),
    ]
    again = client.put(url, payload, content_type="application/json")
    assert again.status_code == 409
    for bad in ({"version": 1, "items": [{"title_en": "x", "minutes_allotted": 0}]},
                {"version": 1, "items": [{"title_en": "x", "kind": "nap"}]},
                {"version": 1, "items": [{"title_en": "x", "presenter_agency": "DEA"}]},
                {"version": 1, "items": [{"title_en": "x"}] * 51},
                {"version": "one", "items": []}, {"items": "none"}):
        response = client.put(url, bad, content_type="application/json")
        assert response.status_code == 400, (bad, response.content)
    assert [i.title_en for i in StandingItem.objects.filter(template__body__acronym="CBFTF")] == [
        "Review of action items", "Roundtable",
    ]


def test_the_template_api_runs_as_many_queries_for_many_standing_items_as_for_few(
    demo, secretariat, django_assert_max_num_queries
):
    client = token_client(secretariat)
    url = f"{API}/bodies/CBFTF/agenda-template/"
    body = demo.bodies["CBFTF"]
    services.agenda_template_save(actor=secretariat, body=body, version=AgendaTemplate.objects.filter(
        body=body).values_list("version", flat=True).first() or 0, items=[{"title_en": "One"}])
    client.get(url)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    version = AgendaTemplate.objects.get(body=body).version
    services.agenda_template_save(actor=secretariat, body=body, version=version, items=[
        {"title_en": f"Item {n}", "presenter_agency": demo.agencies["CBSA"]} for n in range(12)
    ])
    with CaptureQueriesContext(connection) as many:
        rows = json.loads(client.get(url).content)["items"]
    assert len(rows) == 12
    assert len(many) == len(few)


# A new agenda from the template or the last meeting ----------------------------------------------------------


def test_a_meeting_scheduled_from_the_template_starts_with_its_standing_items(demo, client_for, secretariat):
    saved_template(demo, secretariat)
    start = local_time(30, 10)
    response = client_for(secretariat).post(page("meeting-create") + "?body=CBFTF", {
        "title_en": "Next CBFTF meeting", "time_zone": "America/Toronto",
        "start": start.strftime("%Y-%m-%dT%H:%M"), "end": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "invite_agencies": [demo.agencies[a].pk for a in ("CBSA", "RCMP", "ATF", "HSI", "CBP")],
        "agenda_from": "template",
    })
    assert response.status_code == 302, text_of(response)
    meeting = Meeting.objects.get(title_en="Next CBFTF meeting")
    items = list(meeting.items.order_by("position"))
    assert [(i.title_en, i.title_fr, i.kind, i.minutes_allotted) for i in items] == [
        (r["title_en"], r["title_fr"], r["kind"], int(r["minutes_allotted"])) for r in STANDING
    ]


def test_a_copy_of_the_last_agenda_keeps_items_presenters_and_restrictions_but_not_papers(
    demo, schedule, add_item, secretariat, client_for, rcmp, cbsa
):
    earlier = schedule(days=3, title_en="Earlier")
    mou = add_item(earlier, "CBSA–ATF MOU: status", presenter=cbsa, presenter_agency=demo.agencies["CBSA"],
                   minutes_allotted=25, restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]])
    services.paper_upload(actor=secretariat, item=mou, title="Status note",
                          upload=SimpleUploadedFile("n.pdf", tiny_pdf("note")))
    gone = add_item(earlier, "Withdrawn subject")
    add_item(earlier, "Lunch", kind=ItemKind.BREAK, minutes_allotted=45)
    services.agenda_circulate(actor=secretariat, meeting=earlier)
    services.agenda_item_withdraw(actor=secretariat, item=gone)

    later = schedule(days=10, title_en="Later")
    client = client_for(secretariat)
    response = client.post(page("agenda-start", later.pk), {"source": "last"})
    assert response.status_code == 302
    copied = list(later.items.order_by("position"))
    assert [(i.title_en, i.kind, i.minutes_allotted) for i in copied] == [
        ("CBSA–ATF MOU: status", "item", 25), ("Lunch", "break", 45),
    ]
    copy = copied[0]
    assert copy.restricted and copy.presenter == cbsa and copy.presenter_agency == demo.agencies["CBSA"]
    assert {a.acronym for a in services.permissions.granted_agencies(copy)} == {"CBSA", "ATF"}
    assert not copy.papers.exists() and copy.minutes == ""
    # Started once: a second start (a double click, or the other source) is refused and adds nothing.
    response = client.post(page("agenda-start", later.pk), {"source": "template"})
    assert response.status_code == 302 and later.items.count() == 2
    assert "already has items" in text_of(client.get(page("meeting-detail", later.pk)))
    services.agenda_circulate(actor=secretariat, meeting=later)
    assert "MOU" not in agenda_of(client_for(rcmp), later)
    assert "MOU" in agenda_of(client_for(cbsa), later)

    # A circulated agenda is not started at all (its readers are told of each item added, one by one).
    empty = schedule(days=11, title_en="Empty, circulated")
    # (Circulating needs an item; an agenda whose items were all deleted since would be empty and circulated.)
    Meeting.objects.filter(pk=empty.pk).update(agenda_status="circulated", agenda_circulated_at=timezone.now())
    with pytest.raises(services.ValidationError):
        services.agenda_start(actor=secretariat, meeting=empty, source="last")
    assert not empty.items.exists()


def test_starting_an_agenda_with_nothing_to_start_from_says_so(demo, schedule, secretariat, client_for):
    AgendaTemplate.objects.filter(body=demo.bodies["CBFTF"]).delete()
    meeting = schedule(days=400, title_en="Far")
    client = client_for(secretariat)
    client.post(page("agenda-start", meeting.pk), {"source": "template"})
    assert "no standing items" in text_of(client.get(page("meeting-detail", meeting.pk)))
    for bad in ({"source": "bogus"}, {}, {"source": ""}, {"source": "last\r\n"}, {"source": "\u0661"}):
        response = client.post(page("agenda-start", meeting.pk), bad)
        assert response.status_code == 400
        assert "Choose the template" in text_of(response)
    # A NUL is refused before any view reads the request: a plain 400.
    assert client.post(page("agenda-start", meeting.pk), {"source": "template\x00"}).status_code == 400
    assert not meeting.items.exists()


def test_members_cannot_start_an_agenda(demo, schedule, secretariat, client_for, cbsa, dea):
    saved_template(demo, secretariat)
    meeting = schedule(days=12, title_en="Members try")
    assert client_for(cbsa).post(page("agenda-start", meeting.pk), {"source": "template"}).status_code == 403
    assert client_for(dea).post(page("agenda-start", meeting.pk), {"source": "template"}).status_code == 404
    response = token_client(cbsa).post(f"{API}/meetings/{meeting.pk}/agenda/start/", {"source": "template"},
                                       content_type="application/json")
    assert response.status_code == 403
    assert not meeting.items.exists()
    response = token_client(secretariat).post(f"{API}/meetings/{meeting.pk}/agenda/start/", {"source": "template"},
                                              content_type="application/json")
    assert response.status_code == 200
    assert meeting.items.count() == len(STANDING)


# Open actions carried forward ---------------------------------------------------------------------------------


@pytest.fixture
def carried(demo, schedule, add_item, secretariat, cbsa):
    """An earlier meeting with an open action for everyone, one restricted with the MOU item, one done; then a
    meeting whose agenda has a "Review of action items"."""
    earlier = schedule(days=-10, title_en="Earlier")
    mou = add_item(earlier, "CBSA–ATF MOU: status", restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]])
    open_action = services.action_item_record(
        actor=secretariat, meeting=earlier, text="Circulate the seizure statistics", owner_agency=demo.agencies["CBSA"],
        owner=cbsa, due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    secret = services.action_item_record(
        actor=secretariat, meeting=earlier, text="Send the MOU annex to ATF", owner_agency=demo.agencies["CBSA"],
        item=mou,
    )
    done = services.action_item_record(
        actor=secretariat, meeting=earlier, text="Book the room", owner_agency=demo.agencies["RCMP"],
    )
    services.action_item_set_status(actor=secretariat, action=done, status=ActionItem.Status.DONE)
    later = schedule(days=7, title_en="Later")
    review = add_item(later, "Review of action items", kind=ItemKind.ACTIONS)
    services.agenda_circulate(actor=secretariat, meeting=later)
    return later, review, open_action, secret, done


def test_the_review_item_lists_each_readers_open_actions_of_earlier_meetings(carried, client_for, rcmp, cbsa):
    later, review, open_action, secret, done = carried
    rcmp_page = text_of(client_for(rcmp).get(page("agenda-item-detail", review.pk)))
    assert "Circulate the seizure statistics" in rcmp_page
    assert "Send the MOU annex" not in rcmp_page and "Book the room" not in rcmp_page
    cbsa_page = text_of(client_for(cbsa).get(page("agenda-item-detail", review.pk)))
    assert "Circulate the seizure statistics" in cbsa_page and "Send the MOU annex" in cbsa_page
    # The count on the agenda is each reader's own: as many as their list shows (the demo's earlier meetings have
    # open actions too), one fewer for rcmp than for cbsa.
    counts = {}
    for user, shown in ((rcmp, rcmp_page), (cbsa, cbsa_page)):
        carried_section = shown[shown.index('id="carried"'):shown.index("</section>", shown.index('id="carried"'))]
        found = re.search(r"(\d+) open action items? from earlier meetings", agenda_of(client_for(user), later))
        counts[user.username] = int(found.group(1))
        # The agenda's count is the number of rows the reader's own list shows.
        assert counts[user.username] == carried_section.count("<tr>") - 1  # less the header row
    assert counts[rcmp.username] == counts[cbsa.username] - 1


def test_marking_an_action_done_from_the_review_updates_the_register_and_it_drops_out(
    carried, client_for, cbsa
):
    later, review, open_action, secret, done = carried
    client = client_for(cbsa)
    url = page("agenda-item-detail", review.pk)
    for action in (open_action, secret):  # the second use of the same table works as the first
        response = client.post(page("action-item-status", action.pk), {"status": "done", "next": url, "at": "carried"})
        assert response.status_code == 302 and response["Location"].startswith(url)
        assert ActionItem.objects.get(pk=action.pk).status == ActionItem.Status.DONE
    client.get(url)  # the page the update returns to, with its outcome
    shown = text_of(client.get(url))
    assert "Circulate the seizure statistics" not in shown and "Send the MOU annex" not in shown
    assert "Circulate the seizure statistics" in text_of(client.get(page("register") + "?status=done"))


def test_the_review_page_runs_as_many_queries_for_many_carried_actions_as_for_few(
    carried, client_for, cbsa, secretariat, demo
):
    later, review, *_ = carried
    client = client_for(cbsa)
    url = page("agenda-item-detail", review.pk)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    earlier = Meeting.objects.get(title_en="Earlier")
    for n in range(6):
        services.action_item_record(actor=secretariat, meeting=earlier, text=f"Action {n}",
                                    owner_agency=demo.agencies["ATF"])
    with CaptureQueriesContext(connection) as many:
        text = text_of(client.get(url))
    assert "Action 5" in text
    assert len(many) == len(few)


def test_the_pages_speak_french(demo, client_for, secretariat, carried):
    later, review, *_ = carried
    client = client_for(secretariat)
    text = text_of(client.get(page_fr("agenda-template", "CBFTF")))
    assert "Modèle d'ordre du jour" in text or "modèle d'ordre du jour" in text
    assert "Mesures de suivi ouvertes des réunions précédentes" in text_of(
        client.get(page_fr("agenda-item-detail", review.pk))
    )
