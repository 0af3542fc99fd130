"""Answering an invitation from a calendar app: each invitation names as its organizer the secretariat at a reply
address of that invitation alone; the REPLY Outlook, Google Calendar, Thunderbird or Apple Calendar sends there is
recorded as the invitee's answer, as one given on the portal is; a COUNTER is shown to the secretariat as a
proposal; anything forged, misdirected, late or malformed changes nothing. Later invitations and updates carry each
invitee's answer (PARTSTAT), whichever way they gave it.

These call the receiver's handling directly (meetings.calendar_replies.receive); test_calendar_replies_live.py sends
the same messages through the real receiver over SMTP and LMTP."""

import datetime
import logging
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from accounts import feeds
from accounts import services as account_services
from audit.models import AuditEntry
from meetings import calendar_replies, reply_addresses, services
from meetings.models import Guest, Meeting, Rsvp, TimeProposal
from members.models import User
from notifications.models import Notification
from taskforce import ical
from tests.notifications import conftest as notification_fixtures
from tests.support import calendar_apps
from tests.support.calendar_apps import Invite
from tests.support.emails import emails_to, outbox, sent_after_commit
from tests.support.scenario import page, text_of

from .test_api import body, token_client

eager_celery = notification_fixtures.eager_celery
engine_at_rest = notification_fixtures.engine_at_rest

RECORDED, UNCHANGED, REFUSED = calendar_replies.RECORDED, calendar_replies.UNCHANGED, calendar_replies.REFUSED


@pytest.fixture
def invited(schedule):
    """A CBFTF meeting in a week, its invitations sent (kept in the outbox)."""
    with sent_after_commit():
        return schedule(title_en="CBFTF working meeting", place="RCMP HQ, Ottawa")


def invitation_to(user) -> Invite:
    (message,) = [m for m in emails_to(user) if any(a[0] == "invite.ics" for a in m.attachments)]
    return Invite.of(message)


def invite_guest(secretariat, meeting) -> tuple[Guest, Invite]:
    """A guest invited to the meeting by the secretariat, and the invitation they received."""
    with sent_after_commit():
        guest = services.guest_invite(
            actor=secretariat, meeting=meeting, name="Jordan Lee", email="host@state.example.gov", language="en",
            organisation="U.S. Embassy",
        )
    (message,) = [m for m in outbox() if m.to == ["host@state.example.gov"]]
    return guest, Invite.of(message)


def answer_of(user, meeting) -> Rsvp | None:
    return Rsvp.objects.filter(user=user, meeting=meeting).first()


def words_of(response) -> str:
    """The page's words, without its markup, on one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", text_of(response)).split())


def deliver(invite: Invite, raw: bytes, to: str | None = None) -> str:
    return calendar_replies.receive(to or invite.organizer, raw, invite.attendee)


def nothing_changed_since(before: dict) -> bool:
    return state() == before


def state() -> dict:
    return {
        "answers": sorted(Rsvp.objects.values_list("meeting_id", "user_id", "response", "reply_sequence")),
        "guests": sorted(Guest.objects.values_list("pk", "answer")),
        "proposals": TimeProposal.objects.count(),
        "meetings": sorted(Meeting.objects.values_list("pk", "start", "sequence", "status")),
    }


# The invitation ----------------------------------------------------------------------------------------------


def test_each_invitation_names_the_secretariat_at_that_invitees_own_reply_address(invited, demo):
    addresses = {}
    for name in ("secretariat", "cbsa", "rcmp", "atf", "hsi", "cbp"):
        user = demo.users[name]
        invite = invitation_to(user)
        assert invite.organizer == reply_addresses.for_member(invited.pk, user.pk)
        assert invite.organizer.startswith("replies+") and invite.organizer.endswith("@localhost")
        assert len(invite.organizer.partition("@")[0]) <= 64  # an address's local part
        assert reply_addresses.invitation_from(invite.organizer) == reply_addresses.Invitation(
            meeting_id=invited.pk, user_id=user.pk
        )
        addresses[name] = invite.organizer
    assert len(set(addresses.values())) == len(addresses)
    # Named as each reader knows the secretariat.
    assert invitation_to(demo.users["atf"]).organizer_name == "CBFTF secretariat"
    assert invitation_to(demo.users["cbsa"]).organizer_name == "Secrétariat du GTTAF"


def test_a_token_is_refused_when_altered_made_up_or_made_for_another_use(invited, rcmp):
    genuine = reply_addresses.for_member(invited.pk, rcmp.pk)
    local, _, domain = genuine.partition("@")
    token = local.partition("+")[2]
    assert reply_addresses.invitation_from(genuine.upper()) is not None  # mail systems may change the case
    flipped = token[:-1] + ("a" if token[-1] != "a" else "b")
    base36 = reply_addresses._base36
    other_meeting = token.replace(f"m{base36(invited.pk)}u", f"m{base36(invited.pk + 1)}u", 1)
    assert other_meeting != token
    for forged in (
        f"replies+{flipped}@{domain}", f"replies+{other_meeting}@{domain}", f"replies@{domain}",
        f"replies+@{domain}", f"replies+{token}@elsewhere.example", f"other+{token}@{domain}",
        f"replies+{token}x@{domain}", "replies+" + "m1u1-" + "a" * 24 + f"@{domain}", "",
        f"replies+{token}\x00@{domain}", f"replies+{'m' * 300}@{domain}",
    ):
        assert reply_addresses.invitation_from(forged) is None, forged


# Replies that count -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("app", list(calendar_apps.APPS))
def test_an_accept_from_each_calendar_app_is_recorded_as_the_members_answer(
    app, invited, rcmp, secretariat, client_for
):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the trail's entries written at once, not at commit
    invite = invitation_to(rcmp)
    assert deliver(invite, calendar_apps.APPS[app](invite, "ACCEPTED")) == RECORDED

    answer = answer_of(rcmp, invited)
    assert answer.response == Rsvp.Response.ATTENDING and answer.reply_sequence == invited.sequence
    # Recorded as the member's own answer, through the email channel.
    entry = AuditEntry.objects.filter(object_type="meetings.rsvp", object_id=answer.pk).latest("id")
    assert (entry.channel, entry.actor_id, entry.action) == ("email", rcmp.pk, "create")
    assert entry.source.startswith("calendar reply")
    # The secretariat's responses list, on the page and in the API.
    text = words_of(client_for(secretariat).get(page("meeting-detail", invited.pk)))
    assert f"{rcmp} RCMP Attending (from their calendar)" in text
    mine = body(token_client(rcmp).get(f"/api/v1/meetings/{invited.pk}/"))
    assert mine["my_rsvp"]["response"] == "attending"
    listed = body(token_client(secretariat).get(f"/api/v1/meetings/{invited.pk}/responses/"))
    assert [(r["person"], r["response"], r["from_calendar"]) for r in listed] == [("rcmp", "attending", True)]
    # The member's own page says so, and offers to say how.
    own = words_of(client_for(rcmp).get(page("meeting-detail", invited.pk)))
    assert "You answered: Attending." in own or "Vous avez répondu : Présent." in own, own[:3000]


@pytest.mark.parametrize(("partstat", "recorded"), [
    ("TENTATIVE", Rsvp.Response.TENTATIVE), ("DECLINED", Rsvp.Response.DECLINED), ("ACCEPTED", Rsvp.Response.ATTENDING),
])
def test_each_answer_a_calendar_gives_is_recorded_as_its_own(partstat, recorded, invited, atf):
    invite = invitation_to(atf)
    assert deliver(invite, calendar_apps.outlook(invite, partstat)) == RECORDED
    assert answer_of(atf, invited).response == recorded


def test_accepting_in_the_calendar_keeps_how_the_member_said_they_would_attend(invited, atf):
    services.rsvp_set(actor=atf, meeting=invited, response=Rsvp.Response.REMOTE, note="From Washington")
    invite = invitation_to(atf)
    later = timezone.now() + datetime.timedelta(seconds=1)
    assert deliver(invite, calendar_apps.google(invite, "ACCEPTED", stamp=later)) == RECORDED
    answer = answer_of(atf, invited)
    assert answer.response == Rsvp.Response.REMOTE and answer.note == "From Washington"


def test_a_delegation_names_the_delegate_when_they_are_a_colleague(invited, cbsa, other_cbsa_member):
    invite = invitation_to(cbsa)
    raw = calendar_apps.thunderbird(invite, delegated_to=other_cbsa_member.email.upper())
    assert deliver(invite, raw) == RECORDED
    answer = answer_of(cbsa, invited)
    assert answer.response == Rsvp.Response.DELEGATE and answer.delegate == other_cbsa_member


def test_a_delegation_to_someone_outside_the_agency_changes_nothing(invited, rcmp, atf):
    invite = invitation_to(rcmp)
    before = state()
    for delegate in (atf.email, "stranger@example.org"):
        assert deliver(invite, calendar_apps.thunderbird(invite, delegated_to=delegate)) == REFUSED
    assert nothing_changed_since(before)


# Idempotent, and the latest wins -----------------------------------------------------------------------------


def test_the_same_reply_twice_is_one_answer(invited, cbp):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    invite = invitation_to(cbp)
    reply = calendar_apps.apple(invite, "DECLINED")
    assert deliver(invite, reply) == RECORDED
    entries = AuditEntry.objects.filter(object_type="meetings.rsvp").count()
    assert deliver(invite, reply) == UNCHANGED
    assert AuditEntry.objects.filter(object_type="meetings.rsvp").count() == entries
    assert Rsvp.objects.filter(meeting=invited, user=cbp).count() == 1


def test_the_latest_reply_by_sequence_then_stamp_wins_whatever_order_they_arrive_in(invited, hsi):
    invite = invitation_to(hsi)
    now = timezone.now().replace(microsecond=0)
    earlier = calendar_apps.outlook(invite, "ACCEPTED", stamp=now - datetime.timedelta(hours=2))
    later = calendar_apps.outlook(invite, "DECLINED", stamp=now - datetime.timedelta(hours=1))
    assert deliver(invite, later) == RECORDED
    assert deliver(invite, earlier) == UNCHANGED  # delayed in the mail: older than the answer standing
    assert answer_of(hsi, invited).response == Rsvp.Response.DECLINED
    # A reply to a later version of the invitation wins even with an earlier stamp (a slow clock).
    newer_version = calendar_apps.outlook(
        invite, "TENTATIVE", stamp=now - datetime.timedelta(hours=3), sequence=invite.sequence + 1
    )
    assert deliver(invite, newer_version) == RECORDED
    assert answer_of(hsi, invited).response == Rsvp.Response.TENTATIVE


def test_of_two_replies_stamped_the_same_second_the_one_that_arrives_second_stands(invited, rcmp, demo):
    # DTSTAMP counts whole seconds: a member who accepts then declines at once sends two replies stamped alike.
    invite = invitation_to(rcmp)
    now = timezone.now().replace(microsecond=0)
    assert deliver(invite, calendar_apps.outlook(invite, "ACCEPTED", stamp=now)) == RECORDED
    assert deliver(invite, calendar_apps.google(invite, "DECLINED", stamp=now)) == RECORDED
    assert answer_of(rcmp, invited).response == Rsvp.Response.DECLINED
    assert deliver(invite, calendar_apps.google(invite, "DECLINED", stamp=now)) == UNCHANGED
    # An accept stamped alike after "in person" on the portal says what stands: the way of attending is kept.
    services.rsvp_set(actor=rcmp, meeting=invited, response=Rsvp.Response.IN_PERSON,
                      reply=(invite.sequence, now))
    assert deliver(invite, calendar_apps.outlook(invite, "ACCEPTED", stamp=now)) == UNCHANGED
    assert answer_of(rcmp, invited).response == Rsvp.Response.IN_PERSON
    # A guest's replies are told apart the same way.
    guest, guest_invite = invite_guest(demo.users["secretariat"], invited)
    assert deliver(guest_invite, calendar_apps.apple(guest_invite, "TENTATIVE", stamp=now)) == RECORDED
    assert deliver(guest_invite, calendar_apps.apple(guest_invite, "DECLINED", stamp=now)) == RECORDED
    assert deliver(guest_invite, calendar_apps.apple(guest_invite, "DECLINED", stamp=now)) == UNCHANGED
    guest.refresh_from_db()
    assert guest.answer == Guest.Answer.DECLINED


def test_an_answer_given_on_the_portal_after_the_calendars_stands(invited, atf):
    invite = invitation_to(atf)
    made = timezone.now() - datetime.timedelta(minutes=30)
    delayed = calendar_apps.thunderbird(invite, "ACCEPTED", stamp=made)
    services.rsvp_set(actor=atf, meeting=invited, response=Rsvp.Response.DECLINED)
    assert deliver(invite, delayed) == UNCHANGED
    assert answer_of(atf, invited).response == Rsvp.Response.DECLINED
    # Changing their mind in the calendar afterwards counts.
    later = timezone.now() + datetime.timedelta(seconds=1)
    assert deliver(invite, calendar_apps.thunderbird(invite, "ACCEPTED", stamp=later)) == RECORDED
    assert answer_of(atf, invited).response == Rsvp.Response.ATTENDING


# Refusals: nothing changes, the reason is logged, the sender learns nothing ------------------------------------


def test_forged_and_misdirected_replies_change_nothing_and_are_logged(invited, schedule, rcmp, atf, caplog, demo):
    rcmp_invite, atf_invite = invitation_to(rcmp), invitation_to(atf)
    other = schedule(days=9, title_en="Another meeting")
    domain = rcmp_invite.organizer.rpartition("@")[2]
    cases = {
        # No token, or one made up.
        "no token": (f"replies@{domain}", calendar_apps.outlook(rcmp_invite)),
        "altered token": (rcmp_invite.organizer.replace("-", "-x", 1), calendar_apps.outlook(rcmp_invite)),
        # RCMP's genuine address, but ATF answering on it (a forwarded invitation, a forger).
        "another attendee": (rcmp_invite.organizer, calendar_apps.outlook(rcmp_invite, attendee=atf.email)),
        # RCMP's address and attendee, for another meeting's event.
        "another event": (rcmp_invite.organizer, calendar_apps.outlook(rcmp_invite.but(uid=ical.uid("meeting", other.pk)))),
        # ATF's answer sent to RCMP's address.
        "another invitation": (rcmp_invite.organizer, calendar_apps.google(atf_invite)),
    }
    before = state()
    with caplog.at_level(logging.INFO, logger="meetings.calendar_replies"):
        for name, (address, raw) in cases.items():
            assert calendar_replies.receive(address, raw, "someone@example.org") == REFUSED, name
    assert nothing_changed_since(before)
    refusals = [r for r in caplog.records if r.getMessage().startswith("calendar reply refused")]
    assert len(refusals) == len(cases)
    reasons = " | ".join(r.getMessage() for r in refusals)
    for reason in ("not a genuine one", "attendee answering is not the invitee", "another event"):
        assert reason in reasons


def test_replies_for_a_cancelled_or_past_meeting_change_nothing(invited, schedule, secretariat, atf, time_machine):
    invite = invitation_to(atf)
    with sent_after_commit():
        services.meeting_cancel(actor=secretariat, meeting=invited, reason="Moved to the spring")
    before = state()
    assert deliver(invite, calendar_apps.outlook(invite)) == REFUSED
    assert nothing_changed_since(before)

    with sent_after_commit():
        held = schedule(days=2, title_en="Soon held")
    soon = invitation_to_meeting(atf, held)
    time_machine.move_to(held.end + datetime.timedelta(hours=1))
    before = state()
    assert deliver(soon, calendar_apps.google(soon)) == REFUSED
    assert nothing_changed_since(before)


def invitation_to_meeting(user, meeting) -> Invite:
    for message in emails_to(user):
        if any(a[0] == "invite.ics" for a in message.attachments):
            invite = Invite.of(message)
            if invite.uid == ical.uid("meeting", meeting.pk):
                return invite
    raise AssertionError(f"no invitation to {meeting} for {user}")


def test_a_member_no_longer_invited_cannot_answer(invited, secretariat, hsi, demo):
    invite = invitation_to(hsi)
    with sent_after_commit():
        services.meeting_update(
            actor=secretariat, meeting=invited, reason="HSI not needed",
            invite_agencies=[demo.agencies[a] for a in ("CBSA", "RCMP", "ATF", "CBP")], invite_people=[],
        )
    before = state()
    assert deliver(invite, calendar_apps.outlook(invite)) == REFUSED
    assert nothing_changed_since(before)


@pytest.mark.parametrize("mangle", [
    "garbage", "no calendar", "a request", "no dtstamp", "needs action", "two events", "recurrence", "not mailto",
    "huge calendar", "binary", "bad sequence", "nul bytes",
])
def test_malformed_messages_change_nothing(mangle, invited, rcmp):
    invite = invitation_to(rcmp)
    good = calendar_apps.calendar_of(calendar_apps.thunderbird(invite))
    assert deliver(invite, calendar_apps.single_part(invite, good)) == RECORDED  # unmangled, it counts
    Rsvp.objects.filter(user=rcmp).delete()
    raw = {
        "garbage": b"\x00\xff" * 500,
        "no calendar": b"From: a@b.c\r\nSubject: Accepted\r\n\r\nI will come.\r\n",
        "a request": good.replace("METHOD:REPLY", "METHOD:REQUEST"),
        "no dtstamp": "\r\n".join(line for line in good.split("\r\n") if not line.startswith("DTSTAMP")),
        "needs action": good.replace("PARTSTAT=ACCEPTED", "PARTSTAT=NEEDS-ACTION"),
        "two events": good.replace("END:VEVENT\r\n", "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n", 1),
        "recurrence": good.replace("SEQUENCE:", "RECURRENCE-ID:20300101T100000Z\r\nSEQUENCE:", 1),
        "not mailto": good.replace(f":mailto:{invite.attendee}", f":{invite.attendee}"),
        "huge calendar": good.replace("SUMMARY:", "DESCRIPTION:" + "x" * 300_000 + "\r\nSUMMARY:", 1),
        "binary": good.replace("BEGIN:VEVENT", "BEGIN:VEVENT\udcff\udcfe\x00", 1),
        "bad sequence": good.replace(f"SEQUENCE:{invite.sequence}", "SEQUENCE:-7", 1),
        "nul bytes": good.replace("UID:", "UID:\x00", 1),
    }[mangle]
    if isinstance(raw, str):
        raw = calendar_apps.single_part(invite, raw)
    before = state()
    assert deliver(invite, raw) == REFUSED
    assert nothing_changed_since(before)


# Another time proposed -------------------------------------------------------------------------------------------


def test_a_proposed_time_is_shown_to_the_secretariat_and_never_applied(
    invited, atf, rcmp, secretariat, client_for
):
    invite = invitation_to(atf)
    start = invited.start + datetime.timedelta(days=1, hours=1)
    raw = calendar_apps.outlook(
        invite, "TENTATIVE", counter=(start, start + datetime.timedelta(hours=2)), comment="Could we move it a day?"
    )
    with sent_after_commit():
        assert deliver(invite, raw) == RECORDED
    invited.refresh_from_db()
    assert invited.start == invite.start and answer_of(atf, invited) is None  # nothing applied
    (proposal,) = TimeProposal.objects.filter(meeting=invited)
    assert (proposal.user, proposal.start, proposal.comment) == (atf, start, "Could we move it a day?")

    page_text = text_of(client_for(secretariat).get(page("meeting-detail", invited.pk)))
    assert "Other times proposed" in page_text and "Could we move it a day?" in page_text
    listed = body(token_client(secretariat).get(f"/api/v1/meetings/{invited.pk}/proposals/"))
    assert [(p["proposed_by"], p["agency"], p["comment"]) for p in listed] == [
        ("atf", "ATF", "Could we move it a day?")
    ]
    assert datetime.datetime.fromisoformat(listed[0]["start"]) == start
    # The secretariat is told; members see nothing of it (a 404 in the API, nothing on the page).
    assert Notification.objects.filter(user=secretariat, title__contains="Another time proposed").exists()
    assert any("Another time proposed" in m.subject for m in emails_to(secretariat))
    for member in (atf, rcmp):
        assert "Could we move it a day?" not in text_of(client_for(member).get(page("meeting-detail", invited.pk)))
        assert token_client(member).get(f"/api/v1/meetings/{invited.pk}/proposals/").status_code == 404

    # The same proposal again is one; a later one replaces it.
    assert deliver(invite, raw) == UNCHANGED
    later = calendar_apps.outlook(invite, counter=(start, start + datetime.timedelta(hours=1)), sequence=invite.sequence,
                                  stamp=timezone.now() + datetime.timedelta(seconds=1))
    assert deliver(invite, later) == RECORDED
    assert TimeProposal.objects.get(meeting=invited).end == start + datetime.timedelta(hours=1)


def test_the_responses_and_proposals_are_not_found_for_those_who_may_not_read_them(
    invited, atf, dea, outsider, secretariat
):
    invite = invitation_to(atf)
    start = invited.start + datetime.timedelta(days=1)
    deliver(invite, calendar_apps.outlook(invite, counter=(start, start + datetime.timedelta(hours=2))))
    deliver(invite, calendar_apps.google(invite, "DECLINED"))
    for stranger in (dea, outsider):  # the meeting is not theirs to see
        for suffix in ("responses/", "proposals/"):
            assert token_client(stranger).get(f"/api/v1/meetings/{invited.pk}/{suffix}").status_code == 404
    assert token_client(atf).get(f"/api/v1/meetings/{invited.pk}/proposals/").status_code == 404
    # The lists read in a number of queries that does not grow with their rows.
    client = token_client(secretariat)

    def queries(suffix: str, rows: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert len(body(client.get(f"/api/v1/meetings/{invited.pk}/{suffix}"))) == rows
        return len(captured)

    queries("responses/", 1)  # the token's first use is recorded once
    few = queries("responses/", 1), queries("proposals/", 1)
    for name in ("cbsa", "rcmp", "hsi", "cbp"):
        user = User.objects.get(username=name)
        services.rsvp_set(actor=user, meeting=invited, response=Rsvp.Response.IN_PERSON)
        invite = invitation_to(user)
        deliver(invite, calendar_apps.outlook(invite, counter=(start, start + datetime.timedelta(hours=1))))
    assert (queries("responses/", 5), queries("proposals/", 5)) == few


def test_a_proposal_for_a_time_already_past_or_ending_before_it_starts_changes_nothing(invited, atf):
    invite = invitation_to(atf)
    before = state()
    past = timezone.now() - datetime.timedelta(days=1)
    assert deliver(invite, calendar_apps.outlook(invite, counter=(past, past + datetime.timedelta(hours=1)))) == REFUSED
    start = invited.start + datetime.timedelta(days=1)
    assert deliver(invite, calendar_apps.outlook(invite, counter=(start, start - datetime.timedelta(hours=1)))) \
        == REFUSED
    assert nothing_changed_since(before)


# Guests --------------------------------------------------------------------------------------------------------


def test_a_guest_answers_from_their_calendar_as_through_their_link(invited, secretariat, client_for):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    guest, invite = invite_guest(secretariat, invited)
    assert invite.organizer == reply_addresses.for_guest(guest.pk)
    assert deliver(invite, calendar_apps.google(invite, "TENTATIVE")) == RECORDED
    guest.refresh_from_db()
    assert guest.answer == Guest.Answer.TENTATIVE
    entry = AuditEntry.objects.filter(object_type="meetings.guest", object_id=guest.pk, action="update").latest("id")
    assert entry.channel == "email" and entry.actor_id is None
    assert "Tentative" in text_of(client_for(secretariat).get(page("meeting-detail", invited.pk)))
    # A guest cannot send someone in their place; another address on their token is refused.
    before = state()
    assert deliver(invite, calendar_apps.thunderbird(invite, delegated_to="deputy@state.example.gov")) == REFUSED
    assert deliver(invite, calendar_apps.google(invite, attendee="someone@state.example.gov")) == REFUSED
    assert nothing_changed_since(before)
    # Removed, their token answers nothing.
    with sent_after_commit():
        services.guest_remove(actor=secretariat, guest=guest)
    assert deliver(invite, calendar_apps.google(invite, "DECLINED")) == REFUSED


# What later invitations say -------------------------------------------------------------------------------------


def test_updates_and_cancellations_keep_the_uid_raise_the_sequence_and_carry_each_answer(
    invited, secretariat, atf, rcmp, hsi
):
    first = {user.pk: invitation_to(user) for user in (atf, rcmp, hsi)}
    deliver(first[atf.pk], calendar_apps.outlook(first[atf.pk], "ACCEPTED"))  # from the calendar
    services.rsvp_set(actor=rcmp, meeting=invited, response=Rsvp.Response.DECLINED)  # on the portal
    outbox_before = len(outbox())
    with sent_after_commit():
        services.meeting_update(
            actor=secretariat, meeting=invited, reason="An hour later",
            start=invited.start + datetime.timedelta(hours=1), end=invited.end + datetime.timedelta(hours=1),
        )
    moved = {}
    for message in outbox()[outbox_before:]:
        calendar = Calendar.from_ical(dict((a[0], a[1]) for a in message.attachments)["invite.ics"])
        (event,) = calendar.walk("VEVENT")
        moved[message.to[0]] = event
    for user, partstat in ((atf, "ACCEPTED"), (rcmp, "DECLINED"), (hsi, "NEEDS-ACTION")):
        event = moved[user.email]
        assert str(event["UID"]) == first[user.pk].uid
        assert int(event["SEQUENCE"]) > first[user.pk].sequence
        assert event["ATTENDEE"].params["PARTSTAT"] == partstat
        assert str(event["ORGANIZER"]) == f"mailto:{first[user.pk].organizer}"

    outbox_before = len(outbox())
    with sent_after_commit():
        services.meeting_cancel(actor=secretariat, meeting=invited, reason="Postponed")
    for message in outbox()[outbox_before:]:
        if message.to[0] == atf.email:
            calendar = Calendar.from_ical(dict((a[0], a[1]) for a in message.attachments)["invite.ics"])
            (event,) = calendar.walk("VEVENT")
            assert str(calendar["METHOD"]) == "CANCEL" and str(event["UID"]) == first[atf.pk].uid
            assert int(event["SEQUENCE"]) > int(moved[atf.email]["SEQUENCE"])
            assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
            break
    else:
        raise AssertionError("no cancellation reached ATF")


def test_the_members_calendar_feed_names_their_reply_address_and_their_answer(invited, atf):
    invite = invitation_to(atf)
    deliver(invite, calendar_apps.apple(invite, "TENTATIVE"))
    url = feeds.feed_url(account_services.calendar_feed_regenerate(actor=atf)).removeprefix(settings.PORTAL_URL)
    response = Client().get(url)
    assert response.status_code == 200
    (event,) = [e for e in Calendar.from_ical(response.content).walk("VEVENT") if str(e["UID"]) == invite.uid]
    assert str(event["ORGANIZER"]) == f"mailto:{invite.organizer}"
    assert event["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"


def test_the_reminders_calendar_names_each_recipients_own_reply_address_and_a_reply_to_it_counts(
    schedule, atf, cbsa
):
    from meetings import notifications as meeting_notices
    from notifications.models import Reminder
    from tests.support.emails import sweep

    # Ten days ahead, whatever the time of day: its 7-day reminder is still to come, then made due now.
    with sent_after_commit():
        invited = schedule(days=10, title_en="CBFTF working meeting")

    Reminder.objects.filter(topic=meeting_notices.topic(invited), label="7d").update(
        due_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    already = len(outbox())
    sweep()
    reminders = {m.to[0]: Invite.of(m) for m in outbox()[already:] if any(a[0] == "invite.ics" for a in m.attachments)}
    for user in (atf, cbsa):  # read in English and in French: rendered once per reader class, then made personal
        invite = reminders[user.email]
        assert invite.organizer == reply_addresses.for_member(invited.pk, user.pk)
        assert invite.attendee == user.email
    assert reminders[cbsa.email].organizer_name == "Secrétariat du GTTAF"
    assert deliver(reminders[cbsa.email], calendar_apps.outlook(reminders[cbsa.email], "DECLINED")) == RECORDED
    assert answer_of(cbsa, invited).response == Rsvp.Response.DECLINED
