"""Draft minutes circulated to the attendees for comment: each attendee reads the minutes of the items they may see
and comments per item until the deadline (their comments go to the secretariat alone), reminders before the
deadline go through the notification engine, and the secretariat then approves."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Meeting, MinutesComment
from notifications.models import Reminder
from tests.notifications import conftest as notification_fixtures
from tests.support.emails import emails_to, outbox, sent_after_commit, sweep
from tests.support.scenario import page, page_fr, text_of

from .test_api import token_client

API = "/api/v1"
# The notification tests' fixtures: Celery in-process, the demo's own reminders set aside, a clock to move.
eager_celery = notification_fixtures.eager_celery
engine_at_rest = notification_fixtures.engine_at_rest
clock = notification_fixtures.clock
MOU_MINUTES = "ATF will review the MOU draft by the end of January."
ROUNDTABLE_MINUTES = "Seizures of ghost guns rose along the Pacific corridor."


@pytest.fixture
def held(schedule, add_item, secretariat, demo, rcmp, cbsa):
    """A CBFTF meeting held two days ago: the roundtable for everyone, the MOU for CBSA and ATF; rcmp and cbsa
    attended; minutes written for both items."""
    meeting = schedule(days=-2, title_en="Held CBFTF meeting")
    roundtable = add_item(meeting, "Roundtable")
    mou = add_item(meeting, "CBSA–ATF MOU: status", restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]])
    services.agenda_circulate(actor=secretariat, meeting=meeting)
    services.attendance_record(actor=secretariat, meeting=meeting, present={rcmp: "in_person", cbsa: "remote"})
    services.minutes_save(actor=secretariat, meeting=meeting, minutes={
        roundtable.pk: ROUNDTABLE_MINUTES, mou.pk: MOU_MINUTES,
    })
    return meeting, roundtable, mou


def circulate(client, meeting: Meeting, days: int = 5):
    until = timezone.localdate() + datetime.timedelta(days=days)
    with sent_after_commit():
        return client.post(page("minutes-circulate", meeting.pk), {"comments_until": until.isoformat()})


def test_the_attendees_get_the_draft_each_with_only_the_items_they_may_see(held, client_for, secretariat, rcmp, cbsa):
    meeting, roundtable, mou = held
    response = circulate(client_for(secretariat), meeting)
    assert response.status_code == 302, text_of(response)
    assert Meeting.objects.get(pk=meeting.pk).minutes_status == Meeting.MinutesStatus.CIRCULATED
    # One email to each attendee, none to anyone else; rcmp's never names or quotes the MOU item.
    assert sorted(message.to[0].split("@")[0] for message in outbox()) == ["cbsa", "rcmp"]
    (to_rcmp,), (to_cbsa,) = emails_to(rcmp), emails_to(cbsa)
    assert ROUNDTABLE_MINUTES in to_rcmp.body and "MOU" not in to_rcmp.body and MOU_MINUTES not in to_rcmp.body
    assert MOU_MINUTES in to_cbsa.body
    # rcmp numbers what they see: the roundtable is their item 1 and the only item listed; cbsa's has 1 and 2.
    assert re.findall(r"^(\d+)\. ", to_rcmp.body, re.M) == ["1"]
    assert re.findall(r"^(\d+)\. ", to_cbsa.body, re.M) == ["1", "2"]

    rcmp_page = text_of(client_for(rcmp).get(page("minutes-review", meeting.pk)))
    assert ROUNDTABLE_MINUTES in rcmp_page and MOU_MINUTES not in rcmp_page and "MOU" not in rcmp_page
    assert MOU_MINUTES in text_of(client_for(cbsa).get(page("minutes-review", meeting.pk)))


def test_circulating_the_same_draft_twice_tells_each_attendee_once_and_a_revision_again(
    held, client_for, secretariat
):
    meeting, roundtable, mou = held
    client = client_for(secretariat)
    circulate(client, meeting)
    circulate(client, meeting)  # a double click
    assert sorted(message.to[0].split("@")[0] for message in outbox()) == ["cbsa", "rcmp"]
    services.minutes_save(actor=secretariat, meeting=meeting, minutes={roundtable.pk: "Revised after comments."})
    circulate(client, meeting)
    assert len(outbox()) == 4 and "Revised after comments." in outbox()[-1].body + outbox()[-2].body


def test_members_who_did_not_attend_read_no_draft(held, client_for, secretariat, hsi, dea):
    meeting, *_ = held
    circulate(client_for(secretariat), meeting)
    assert client_for(hsi).get(page("minutes-review", meeting.pk)).status_code == 403
    assert ROUNDTABLE_MINUTES not in text_of(client_for(hsi).get(page("meeting-detail", meeting.pk)))
    assert client_for(dea).get(page("minutes-review", meeting.pk)).status_code == 404
    response = token_client(hsi).get(f"{API}/meetings/{meeting.pk}/items/")
    assert ROUNDTABLE_MINUTES not in text_of(response)


def test_each_attendee_comments_per_item_and_only_the_secretariat_reads_every_comment(
    held, client_for, secretariat, rcmp, cbsa
):
    meeting, roundtable, mou = held
    circulate(client_for(secretariat), meeting)
    url = page("minutes-review", meeting.pk)
    rcmp_client, cbsa_client = client_for(rcmp), client_for(cbsa)
    for text in ("Add the Pacific numbers.", "And the Atlantic ones."):  # the second comment works as the first
        assert rcmp_client.post(url, {"item": roundtable.pk, "text": text}).status_code == 302
    assert cbsa_client.post(url, {"item": mou.pk, "text": "Say that the PIA is under way."}).status_code == 302
    # Nor on a break's minutes.
    pause = services.agenda_item_add(actor=secretariat, meeting=meeting, title_en="Coffee", kind="break")
    with pytest.raises(services.ValidationError):
        services.minutes_comment_add(actor=rcmp, item=pause, text="Good coffee.")
    # rcmp cannot comment on an item hidden from them: refused, nothing saved, the item not named.
    response = rcmp_client.post(url, {"item": mou.pk, "text": "Sneaky."})
    assert response.status_code == 400 and "MOU" not in text_of(response)
    assert not MinutesComment.objects.filter(text="Sneaky.").exists()

    rcmp_page = text_of(rcmp_client.get(url))
    assert "Add the Pacific numbers." in rcmp_page and "And the Atlantic ones." in rcmp_page
    assert "PIA" not in rcmp_page
    cbsa_page = text_of(cbsa_client.get(url))
    assert "PIA" in cbsa_page and "Pacific numbers" not in cbsa_page
    secretariat_page = text_of(client_for(secretariat).get(url))
    assert all(t in secretariat_page for t in ("Pacific numbers", "Atlantic ones", "PIA"))
    # The API says the same.
    rows = json.loads(token_client(rcmp).get(f"{API}/meetings/{meeting.pk}/minutes/comments/").content)
    assert [row["text"] for row in rows] == ["Add the Pacific numbers.", "And the Atlantic ones."]
    rows = json.loads(token_client(secretariat).get(f"{API}/meetings/{meeting.pk}/minutes/comments/").content)
    assert len(rows) == 3


@pytest.mark.parametrize("bad", [
    {"item": "", "text": "x"}, {"item": "abc", "text": "x"}, {"item": "999999999999999999999", "text": "x"},
    {"text": "no item"}, {"item": "ITEM", "text": ""}, {"item": "ITEM", "text": "x" * 5001},
    {"item": "ITEM", "text": "nul\x00byte"}, {"item": "\u0661", "text": "x"}, {"item": "ITEM\x00", "text": "x"},
    {"item": "ITEM\r\n", "text": "x"},
])
def test_hostile_comments_are_refused_and_save_nothing(held, client_for, secretariat, rcmp, bad):
    meeting, roundtable, mou = held
    circulate(client_for(secretariat), meeting)
    data = {key: (str(roundtable.pk) if value == "ITEM" else value) for key, value in bad.items()}
    response = client_for(rcmp).post(page("minutes-review", meeting.pk), data)
    assert response.status_code == 400
    assert not MinutesComment.objects.exists()


def test_comments_close_at_the_deadline_and_members_who_did_not_attend_cannot_comment(
    held, client_for, secretariat, rcmp, hsi, clock
):
    meeting, roundtable, mou = held
    circulate(client_for(secretariat), meeting, days=1)
    url = page("minutes-review", meeting.pk)
    assert client_for(hsi).post(url, {"item": roundtable.pk, "text": "Me too"}).status_code == 403
    response = token_client(hsi).post(f"{API}/meetings/{meeting.pk}/minutes/comments/",
                                      {"item": roundtable.pk, "text": "Me too"}, content_type="application/json")
    assert response.status_code == 403
    clock.move_to(timezone.now() + datetime.timedelta(days=3))
    assert client_for(rcmp).post(url, {"item": roundtable.pk, "text": "Late"}).status_code == 403
    assert not MinutesComment.objects.exists()


def test_circulating_is_refused_without_attendance_in_the_past_or_too_far_ahead(
    schedule, secretariat, client_for, held
):
    meeting, *_ = held
    client = client_for(secretariat)
    for until in (timezone.localdate() - datetime.timedelta(days=1), timezone.localdate() + datetime.timedelta(days=61)):
        response = client.post(page("minutes-circulate", meeting.pk), {"comments_until": until.isoformat()})
        assert response.status_code == 200
    for bad in ("", "2026-02-30", "tomorrow", "99999-01-01", "9999-12-31", "\u0662\u0660\u0662\u0667-01-01"):
        assert client.post(page("minutes-circulate", meeting.pk), {"comments_until": bad}).status_code == 200
    # A NUL is refused before any view reads the request (the portal's request checks): a plain 400.
    assert client.post(page("minutes-circulate", meeting.pk), {"comments_until": "2026-12-0\x00"}).status_code == 400
    nobody = schedule(days=-1, title_en="Nobody came")
    response = circulate(client, nobody)
    assert response.status_code == 200 and "Record the attendance first" in text_of(response)
    assert Meeting.objects.get(pk=meeting.pk).minutes_status == Meeting.MinutesStatus.DRAFT
    assert not outbox()


def test_attendees_are_reminded_before_the_deadline_through_the_engine_and_not_after_approval(
    held, client_for, secretariat, rcmp, cbsa, clock
):
    meeting, *_ = held
    circulate(client_for(secretariat), meeting, days=5)
    due = sorted(Reminder.objects.filter(kind="minutes.comments").values_list("label", flat=True))
    assert due == ["0d", "2d"]
    sent = len(outbox())
    clock.move_to(timezone.now() + datetime.timedelta(days=3, hours=12))
    sweep()
    sweep()  # twice: still once each
    # (The sweep also sends what the fixture queued without committing, the agenda's circulation among it; these
    # are the reminders of the deadline.)
    reminded = [m for m in outbox()[sent:] if "deadline for comments" in m.subject or "échéance" in m.subject]
    assert sorted(m.to[0].split("@")[0] for m in reminded) == ["cbsa", "rcmp"]
    services.minutes_approve(actor=secretariat, meeting=meeting)
    sent = len(outbox())
    clock.move_to(timezone.now() + datetime.timedelta(days=2))
    sweep()
    assert [m for m in outbox()[sent:] if "deadline for comments" in m.subject or "échéance" in m.subject] == []


def test_approved_after_comment_members_read_the_minutes(held, client_for, secretariat, hsi):
    meeting, *_ = held
    circulate(client_for(secretariat), meeting)
    response = client_for(secretariat).post(page("minutes-approve", meeting.pk))
    assert response.status_code == 302
    assert ROUNDTABLE_MINUTES in text_of(client_for(hsi).get(page("meeting-detail", meeting.pk)))


def test_the_api_circulates_and_refuses_members(held, secretariat, cbsa):
    meeting, *_ = held
    until = (timezone.localdate() + datetime.timedelta(days=4)).isoformat()
    url = f"{API}/meetings/{meeting.pk}/minutes/circulate/"
    assert token_client(cbsa).post(url, {"comments_until": until}, content_type="application/json").status_code == 403
    response = token_client(secretariat).post(url, {"comments_until": until}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["minutes_status"] == "circulated"
    for bad in ("soon", "\u0662\u0660\u0662\u0667-01-01", "9999-12-31", "2026-12-05\r\n", 20270101):
        response = token_client(secretariat).post(url, {"comments_until": bad}, content_type="application/json")
        assert response.status_code == 400, bad


def test_the_comment_list_runs_as_many_queries_for_many_comments_as_for_few(
    held, client_for, secretariat, rcmp, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    meeting, roundtable, mou = held
    circulate(client_for(secretariat), meeting)
    services.minutes_comment_add(actor=rcmp, item=roundtable, text="One")
    client = token_client(secretariat)
    url = f"{API}/meetings/{meeting.pk}/minutes/comments/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        services.minutes_comment_add(actor=rcmp, item=roundtable, text=f"More {n}")
    with CaptureQueriesContext(connection) as many:
        assert len(json.loads(client.get(url).content)) == 7
    assert len(many) == len(few)
    page_client = client_for(secretariat)
    page_client.get(page("minutes-review", meeting.pk))
    with CaptureQueriesContext(connection) as page_queries:
        page_client.get(page("minutes-review", meeting.pk))
    services.minutes_comment_add(actor=rcmp, item=roundtable, text="Yet more")
    with CaptureQueriesContext(connection) as page_more:
        page_client.get(page("minutes-review", meeting.pk))
    assert len(page_more) == len(page_queries)


def test_the_review_page_speaks_french(held, client_for, secretariat, rcmp):
    meeting, *_ = held
    circulate(client_for(secretariat), meeting)
    text = text_of(client_for(rcmp).get(page_fr("minutes-review", meeting.pk)))
    assert "Ébauche du procès-verbal" in text
