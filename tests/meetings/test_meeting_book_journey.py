"""The meeting book from end to end, as the secretariat prepares the next CBFTF meeting of the demo in the browser's
forms: the agenda from the template, the open actions carried forward, the MOU item restricted to CBSA and ATF with a
paper, the paper replaced, an embassy guest invited who answers without an account, the agenda circulated; then each reader's package read back (rcmp's has no MOU item and
numbers its items 1..n, cbsa's has it), and after the meeting the draft minutes out for comment and approved."""

import datetime
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from meetings import guest_links, services
from meetings.demo import tiny_pdf
from meetings.models import ActionItem, AgendaItem, Guest, ItemKind, Meeting, MinutesComment, Paper
from tests.support.scenario import page, page_fr, text_of

from .conftest import local_time
from .test_package import built, demo_papers, downloaded, item_numbers, words  # noqa: F401 (a fixture)

MOU_TITLE = "CBSA–ATF MOU: the Privacy Impact Assessment"


def test_the_secretariat_prepares_the_next_meeting_and_each_reader_gets_their_own_book(
    demo, client_for, secretariat, rcmp, cbsa, atf, hsi, time_machine
):
    sec = client_for(secretariat)
    start = local_time(40, 10)

    # 1. The next CBFTF meeting, its agenda from the body's template.
    response = sec.post(page("meeting-create") + "?body=CBFTF", {
        "title_en": "CBFTF meeting (spring)", "title_fr": "Réunion du GTTAF (printemps)", "time_zone": "America/Toronto",
        "start": start.strftime("%Y-%m-%dT%H:%M"), "end": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "invite_agencies": [demo.agencies[a].pk for a in ("CBSA", "RCMP", "ATF", "HSI", "CBP")],
        "agenda_from": "template",
    })
    assert response.status_code == 302, text_of(response)
    meeting = Meeting.objects.get(title_en="CBFTF meeting (spring)")
    standing = list(meeting.items.order_by("position"))
    assert [item.title_en for item in standing] == [
        "Adoption of the agenda", "Review of action items", "Roundtable", "Next meeting",
    ]
    review = standing[1]
    assert review.kind == ItemKind.ACTIONS

    # 2. The MOU item, restricted to CBSA and ATF, with its paper; then the paper replaced.
    response = sec.post(page("agenda-item-create", meeting.pk), {
        "kind": "item", "title_en": MOU_TITLE, "minutes_allotted": "20", "presenter_agency": demo.agencies["CBSA"].pk,
        "restricted_to": [demo.agencies["CBSA"].pk, demo.agencies["ATF"].pk],
    })
    assert response.status_code == 302, text_of(response)
    mou = AgendaItem.objects.get(meeting=meeting, title_en=MOU_TITLE)
    response = sec.post(page("paper-upload", mou.pk), {
        "title": "PIA status note", "classification": "0",
        "file": SimpleUploadedFile("pia.pdf", tiny_pdf("PIA status note, first draft"), content_type="application/pdf"),
    })
    assert response.status_code == 302, text_of(response)
    paper = Paper.objects.get(item=mou)
    response = sec.post(page("paper-replace", paper.pk), {
        "version": "1",
        "file": SimpleUploadedFile("pia-2.pdf", tiny_pdf("PIA status note, second draft"), content_type="application/pdf"),
    })
    assert response.status_code == 302, text_of(response)
    paper.refresh_from_db()
    assert paper.version == 2 and paper.versions.count() == 1

    # An embassy guest, invited by name, email and language; they answer through their link, without an account.
    response = sec.post(page("guest-add", meeting.pk), {
        "name": "Jordan Ellis", "email": "j.ellis@embassy.example", "language": "en",
        "organisation": "U.S. Embassy in Ottawa",
    })
    assert response.status_code == 302, text_of(response)
    guest = Guest.objects.get(meeting=meeting)
    link = urlsplit(guest_links.url_for(guest)).path
    stranger = Client()
    shown = text_of(stranger.get(link))
    assert "CBFTF meeting (spring)" in shown and "Roundtable" not in shown and MOU_TITLE not in shown
    assert stranger.post(link, {"answer": "in_person"}).status_code == 200
    assert Guest.objects.get(pk=guest.pk).answer == "in_person"
    assert "Jordan Ellis" in text_of(sec.get(page("meeting-detail", meeting.pk)))

    # 3. Circulated.
    response = sec.post(page("agenda-circulate", meeting.pk))
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).agenda_status == Meeting.AgendaStatus.CIRCULATED

    # The review of action items lists, for each reader, the open actions of earlier meetings they may see.
    carried = text_of(client_for(rcmp).get(page("agenda-item-detail", review.pk)))
    open_actions = ActionItem.objects.filter(
        meeting__body=meeting.body, meeting__start__lt=meeting.start, status__in=["open", "in_progress"]
    )
    assert open_actions.exists()
    for action in open_actions:
        assert (action.text in carried) == (not action.restricted)

    # 4. Each reader's package: rcmp's has no MOU item and numbers its items 1..n; cbsa's has the item and its paper.
    # (A reader's package is in the language they last read the portal in: English pages were opened above.)
    for reader in (rcmp, cbsa):
        reader.refresh_from_db()
        built(reader, meeting)
    rcmp_book = downloaded(client_for(rcmp), meeting, french=rcmp.language == "fr")
    cbsa_book = downloaded(client_for(cbsa), meeting, french=cbsa.language == "fr")
    assert "MOU" not in words(rcmp_book) and "PIA" not in words(rcmp_book)
    assert item_numbers(rcmp_book) == [1, 2, 3, 4]
    assert MOU_TITLE in words(cbsa_book) and "second draft" in words(cbsa_book)
    assert item_numbers(cbsa_book) == [1, 2, 3, 4, 5]
    assert "Sophie" in words(rcmp_book) or rcmp.last_name in words(rcmp_book)

    # 5. After the meeting: attendance, minutes, the draft out for comment, a comment, approval.
    time_machine.move_to(meeting.end + datetime.timedelta(days=1))
    assert stranger.get(link).status_code == 404  # the guest's link stops working after the meeting
    services.attendance_record(actor=secretariat, meeting=meeting, present={rcmp: "in_person", cbsa: "remote"})
    services.minutes_save(actor=secretariat, meeting=meeting, minutes={
        standing[2].pk: "Each agency reported its seizures.", mou.pk: "The PIA goes to ATF next week.",
    })
    until = timezone.localdate() + datetime.timedelta(days=7)
    sec = client_for(secretariat)  # signed in again: weeks have passed
    response = sec.post(page("minutes-circulate", meeting.pk), {"comments_until": until.isoformat()})
    assert response.status_code == 302 and response["Location"].endswith("#minutes"), text_of(response)
    rcmp_draft = text_of(client_for(rcmp).get(page_fr("minutes-review", meeting.pk)))
    assert "Each agency reported its seizures." in rcmp_draft and "PIA" not in rcmp_draft
    response = client_for(rcmp).post(page("minutes-review", meeting.pk), {
        "item": standing[2].pk, "text": "Add the Pacific region's figures.",
    })
    assert response.status_code == 302
    assert MinutesComment.objects.filter(author=rcmp).count() == 1
    response = sec.post(page("minutes-approve", meeting.pk))
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).minutes_status == Meeting.MinutesStatus.APPROVED
    minutes = text_of(client_for(hsi).get(page("meeting-detail", meeting.pk)))
    assert "Each agency reported its seizures." in minutes and "PIA" not in minutes
    assert "<dt>3. Roundtable" in minutes
