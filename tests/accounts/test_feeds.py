"""Private calendar feeds, read as a calendar app reads them: parsed by `icalendar`, fetched without signing in.

The demo's meetings, milestones and deadlines lie in late 2021 and 2022, so most tests read the feed as of
December 1, 2021 (the feed reaches 90 days back): the November and December meetings, the MOU's milestones and
approval steps and the action items are all in it, for whoever may see them.
"""

import datetime
import zlib

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from accounts import feeds
from accounts import services as account_services
from accounts.models import CalendarFeed
from meetings import services as meeting_services
from meetings.models import Meeting, Rsvp
from notifications import services as notification_services
from taskforce.addresses import absolute_url
from tests.support.factories import BodyFactory, MembershipFactory, MilestoneFactory
from tests.support.scenario import (
    GRANTED,
    MOU_REVIEW,
    MOU_REVIEW_FR,
    NOT_GRANTED,
    RESTRICTED_TITLES,
    THREAT_ASSESSMENT,
    THREAT_ASSESSMENT_FR,
    page,
    text_of,
)

DECEMBER_1_2021 = datetime.datetime(2021, 12, 1, 15, tzinfo=datetime.UTC)

# Shared with CBSA and ATF only: the MOU (its title, its approval steps) and the December meeting's item on it.
MOU_ITEM = "CBSA–ATF MOU on direct information sharing: status"
MOU_ITEM_FR = "PE ASFC–ATF sur l'échange direct d'information : état d'avancement"
MOU_TITLE = "Memorandum of Understanding between the CBSA and the ATF on direct information sharing"
MOU_TITLE_FR = "Protocole d'entente entre l'ASFC et l'ATF sur l'échange direct de renseignements"
MOU_STEPS = (
    "Shared with ATF for review", "Transmis à l'ATF pour examen",
    "PIA submitted to the Office of the Privacy Commissioner",
    "ÉFVP soumise au Commissariat à la protection de la vie privée",
)
RESTRICTED = (*RESTRICTED_TITLES, MOU_ITEM, MOU_ITEM_FR, MOU_TITLE, MOU_TITLE_FR, *MOU_STEPS)
REQUIRED = ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "STATUS")


@pytest.fixture
def december_2021():
    with time_machine.travel(DECEMBER_1_2021, tick=False) as clock:
        yield clock


def feed_url(user) -> str:
    """The member's feed address (a new one), as the settings page shows it."""
    return feeds.feed_url(account_services.calendar_feed_regenerate(actor=user))


def body_feed_url(user, acronym: str) -> str:
    feed = CalendarFeed.objects.filter(user=user).first() or account_services.calendar_feed_regenerate(actor=user)
    return absolute_url(page("body-calendar-feed", feeds.feed_secret(feed), acronym))


def fetch(url: str, **headers):
    """As a calendar app: no session, the address only."""
    return Client().get(url.removeprefix(settings.PORTAL_URL), **headers)


def calendar_of(response) -> Calendar:
    assert response.status_code == 200, response.content
    return Calendar.from_ical(response.content)


def event(calendar: Calendar, summary_part: str):
    (found,) = [e for e in calendar.walk("VEVENT") if summary_part in str(e["SUMMARY"])]
    return found


def readable(response) -> str:
    """Everything a calendar app could show: every value of every component, and the raw text unfolded."""
    values = []
    for component in Calendar.from_ical(response.content).walk():
        for value in component.values():
            values.extend(str(v) for v in (value if isinstance(value, list) else [value]))
    return "\n".join([*values, response.content.decode().replace("\r\n ", "")])


def december_meeting() -> Meeting:
    return Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF meeting")


def regular_meeting() -> Meeting:
    return Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF regular meeting")


# The format


def test_the_feed_is_icalendar_with_crlf_lines_folded_at_75_octets(december_2021, cbsa):
    response = fetch(feed_url(cbsa))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b""), "every line ends with CRLF"
    lines = raw.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "the long agenda lines are folded"
    calendar = calendar_of(response)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    # cbsa reads French: the feed's own words are in French.
    assert str(calendar["X-WR-CALNAME"]) == f"{settings.PORTAL_NAME_FR} : votre calendrier"
    assert calendar["REFRESH-INTERVAL"].to_ical() == b"PT1H"
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
    events = calendar.walk("VEVENT")
    assert len(events) >= 5
    for vevent in events:
        assert [name for name in REQUIRED if name not in vevent] == [], vevent["SUMMARY"]
    assert len({str(vevent["UID"]) for vevent in events}) == len(events)


def test_meetings_carry_their_place_agenda_organizer_and_the_members_answer(december_2021, demo, cbsa, atf, hsi):
    meeting = december_meeting()
    meeting_services.rsvp_set(actor=cbsa, meeting=meeting, response=Rsvp.Response.DECLINED)
    meeting_services.rsvp_set(actor=atf, meeting=meeting, response=Rsvp.Response.REMOTE)

    answers, organizers = {}, {}
    for user in (cbsa, atf, hsi):
        response = fetch(feed_url(user))
        vevent = event(calendar_of(response), "Réunion du GTTAF" if user.language == "fr" else "CBFTF meeting")
        (attendee,) = [vevent["ATTENDEE"]] if not isinstance(vevent["ATTENDEE"], list) else vevent["ATTENDEE"]
        assert str(attendee) == f"mailto:{user.email}"
        answers[user.username] = attendee.params["PARTSTAT"]
        organizers[user.username] = vevent["ORGANIZER"].params["CN"]

    assert answers == {"cbsa": "DECLINED", "atf": "ACCEPTED", "hsi": "NEEDS-ACTION"}
    assert str(vevent["UID"]) == f"meeting-{meeting.pk}@127.0.0.1"
    assert vevent["SEQUENCE"] == meeting.sequence
    assert vevent["STATUS"] == "CONFIRMED"
    assert vevent["DTSTART"].dt == datetime.datetime(2021, 12, 17, 16, tzinfo=datetime.UTC)
    assert b"DTSTART:20211217T160000Z" in response.content
    assert "https://meet.example.org/cbftf-2021-12-17" in str(vevent["LOCATION"])
    assert "2. Joint Border Threat Assessment: progress" in str(vevent["DESCRIPTION"])
    assert str(vevent["ORGANIZER"]).startswith("mailto:")
    assert organizers == {"cbsa": "Secrétariat du GTTAF", "atf": "CBFTF secretariat", "hsi": "CBFTF secretariat"}


def test_a_cancelled_meeting_stays_in_the_feed_as_cancelled(december_2021, secretariat, rcmp):
    meeting = regular_meeting()
    meeting_services.meeting_cancel(actor=secretariat, meeting=meeting, reason="No quorum")
    meeting.refresh_from_db()

    vevent = event(calendar_of(fetch(feed_url(rcmp))), "Réunion régulière du GTTAF")

    assert vevent["STATUS"] == "CANCELLED"
    assert vevent["SEQUENCE"] == meeting.sequence > 0
    assert "VALARM" not in [c.name for c in vevent.subcomponents]


def test_milestones_and_deadlines_are_all_day_events(december_2021, secretariat, hsi):
    calendar = calendar_of(fetch(feed_url(secretariat)))

    # A due window ("Spring 2022") is one event over the whole window; the end is the day after its last day.
    threat = event(calendar, THREAT_ASSESSMENT)
    assert threat["DTSTART"].dt == datetime.date(2022, 3, 20)
    assert threat["DTEND"].dt == datetime.date(2022, 6, 21)
    assert threat["DTSTART"].params["VALUE"] == "DATE"
    step = event(calendar, "Shared with ATF for review")
    assert (step["DTSTART"].dt, step["DTEND"].dt) == (datetime.date(2022, 2, 15), datetime.date(2022, 2, 16))
    action = event(calendar_of(fetch(feed_url(hsi))), "Name HSI points of contact")
    assert (action["DTSTART"].dt, action["DTEND"].dt) == (datetime.date(2021, 12, 17), datetime.date(2021, 12, 18))
    assert str(action["UID"]).startswith("action_item-")


def test_alarms_ring_unless_the_member_turned_that_kind_of_notice_off(december_2021, rcmp):
    def alarms(calendar, summary):
        return [c for c in event(calendar, summary).subcomponents if c.name == "VALARM"]

    everything = calendar_of(fetch(feed_url(rcmp)))
    notification_services.notification_preferences_set(actor=rcmp, modes={"meeting_reminder": "off", "deadline": "digest"})
    no_meeting_alarms = calendar_of(fetch(feed_url(rcmp)))
    notification_services.notification_preferences_set(actor=rcmp, modes={"meeting_reminder": "immediately", "deadline": "off"})
    no_deadline_alarms = calendar_of(fetch(feed_url(rcmp)))

    meeting, milestone = "Réunion du GTTAF", THREAT_ASSESSMENT_FR
    assert alarms(everything, meeting) and alarms(everything, milestone)
    assert alarms(no_meeting_alarms, meeting) == [] and alarms(no_meeting_alarms, milestone)
    assert alarms(no_deadline_alarms, meeting) and alarms(no_deadline_alarms, milestone) == []
    before_meeting = alarms(everything, meeting)[0]
    assert before_meeting["ACTION"] == "DISPLAY"
    assert before_meeting["TRIGGER"].dt < datetime.timedelta(0)
    # Before the last day of the window, counted from its end.
    assert alarms(everything, milestone)[0]["TRIGGER"].params["RELATED"] == "END"


def test_the_feed_speaks_the_members_language(december_2021, cbsa, atf):
    french, english = readable(fetch(feed_url(cbsa))), readable(fetch(feed_url(atf)))

    assert THREAT_ASSESSMENT_FR in french and THREAT_ASSESSMENT not in french
    assert "Réunion du GTTAF" in french and "/fr/meetings/" in french
    assert THREAT_ASSESSMENT in english and THREAT_ASSESSMENT_FR not in english
    assert "/en/meetings/" in english


# What each member may see


@pytest.mark.parametrize("username", NOT_GRANTED)
def test_it_hides_restricted_items_from_other_agencies_in_the_feed(december_2021, demo, username):
    response = fetch(feed_url(demo.users[username]))

    text = readable(response)
    assert [title for title in RESTRICTED if title in text] == []
    if username != "dea":  # the forum only: no task-force entries at all
        assert THREAT_ASSESSMENT in text or THREAT_ASSESSMENT_FR in text
        assert "Adoption" in text, "the agenda of the December meeting, without the restricted item"


@pytest.mark.parametrize("username", GRANTED)
def test_the_agencies_the_mou_is_shared_with_find_it_in_their_feed(december_2021, demo, username):
    text = readable(fetch(feed_url(demo.users[username])))

    assert MOU_REVIEW in text or MOU_REVIEW_FR in text
    assert MOU_ITEM in text or MOU_ITEM_FR in text
    assert any(step in text for step in MOU_STEPS)


def test_a_body_feed_holds_only_what_the_body_shares_with_all_its_members(december_2021, cbsa):
    response = fetch(body_feed_url(cbsa, "CBFTF"))

    calendar = calendar_of(response)
    text = readable(response)
    # cbsa reads French: the body goes by its French acronym (its address keeps the English one).
    assert str(calendar["X-WR-CALNAME"]) == f"{settings.PORTAL_NAME_FR} : GTTAF"
    assert THREAT_ASSESSMENT_FR in text and "Réunion du GTTAF" in text
    # Not even the restricted things cbsa may see: the body feed is what every member shares.
    assert [title for title in RESTRICTED if title in text] == []
    assert "ATTENDEE" not in response.content.decode()
    assert "BEGIN:VALARM" not in response.content.decode()


@pytest.mark.parametrize(("username", "acronym"), [("dea", "CBFTF"), ("rcmp", "CBCF"), ("rcmp", "NOPE")])
def test_a_body_feed_is_not_found_for_a_body_the_member_does_not_belong_to(demo, username, acronym):
    response = fetch(body_feed_url(demo.users[username], acronym))

    assert response.status_code == 404
    assert response.content == b""


def test_a_forum_member_gets_the_forums_feed(december_2021, demo, dea):
    forum = demo.bodies["CBCF"]
    MilestoneFactory(body=forum, owner_agency=demo.agencies["PS"], title_en="Forum plenary report due")
    MilestoneFactory(body=demo.bodies["CBFTF"], owner_agency=demo.agencies["RCMP"], title_en="Task force report due")

    calendar = calendar_of(fetch(body_feed_url(dea, "CBCF")))

    assert event(calendar, "Forum plenary report due")["DTSTART"].dt == datetime.date(2022, 3, 31)
    assert not [e for e in calendar.walk("VEVENT") if "Task force report due" in str(e["SUMMARY"])]


# The address is the credential


def test_a_new_address_ends_the_old_one(december_2021, rcmp):
    old = feed_url(rcmp)
    old_body = body_feed_url(rcmp, "CBFTF")
    assert fetch(old).status_code == fetch(old_body).status_code == 200

    new = feed_url(rcmp)

    assert new != old
    assert fetch(old).status_code == fetch(old_body).status_code == 404
    assert fetch(new).status_code == 200


def test_a_feed_turned_off_is_not_found(rcmp):
    url = feed_url(rcmp)
    body_url = body_feed_url(rcmp, "CBFTF")

    account_services.calendar_feed_revoke(actor=rcmp)

    for response in (fetch(url), fetch(body_url)):
        assert response.status_code == 404
        assert response.content == b""


def test_the_feed_of_a_deactivated_member_is_not_found(rcmp):
    url = feed_url(rcmp)
    rcmp.is_active = False
    rcmp.save(update_fields=["is_active"])

    response = fetch(url)

    assert response.status_code == 404
    assert b"VCALENDAR" not in response.content


def test_an_unknown_or_tampered_address_is_not_found(rcmp):
    secret = feed_url(rcmp).rsplit("/", 1)[1].removesuffix(".ics")
    tampered = secret[:-1] + ("0" if secret[-1] != "0" else "1")

    for candidate in (tampered, secret[:32], "0" * 64, "x", secret + "0"):
        response = fetch(f"/feeds/{candidate}.ics")
        assert response.status_code == 404, candidate
        assert response.content == b""


def test_the_feed_is_read_only(rcmp):
    assert Client().post(feed_url(rcmp).removeprefix(settings.PORTAL_URL)).status_code == 405


# Conditional requests and bookkeeping


def test_an_unchanged_feed_answers_304_and_a_change_gives_a_new_etag(december_2021, rcmp):
    url = feed_url(rcmp)
    first = fetch(url)
    etag = first["ETag"]
    assert first["Last-Modified"]

    unchanged = fetch(url, HTTP_IF_NONE_MATCH=etag)
    meeting_services.rsvp_set(actor=rcmp, meeting=december_meeting(), response=Rsvp.Response.IN_PERSON)
    answered = fetch(url, HTTP_IF_NONE_MATCH=etag)
    notification_services.notification_preferences_set(actor=rcmp, modes={"meeting_reminder": "off"})
    without_alarms = fetch(url, HTTP_IF_NONE_MATCH=answered["ETag"])

    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == etag
    assert answered.status_code == 200 and answered["ETag"] != etag
    assert without_alarms.status_code == 200 and without_alarms["ETag"] != answered["ETag"]


def test_a_written_feed_is_kept_under_its_etag_and_a_change_is_written_anew(december_2021, rcmp):
    """Calendar apps poll unchanged feeds: the text is written once per version, and never served stale."""
    url = feed_url(rcmp)
    first = fetch(url)
    kept = cache.get(feeds.body_cache_key(first["ETag"]))
    assert kept is not None and zlib.decompress(kept) == first.content
    cache.set(feeds.body_cache_key(first["ETag"]), zlib.compress(b"what is kept is what is served"))
    assert fetch(url).content == b"what is kept is what is served"

    meeting_services.rsvp_set(actor=rcmp, meeting=december_meeting(), response=Rsvp.Response.DECLINED)
    answered = fetch(url)

    assert answered["ETag"] != first["ETag"]
    assert event(calendar_of(answered), "Réunion du GTTAF")["ATTENDEE"].params["PARTSTAT"] == "DECLINED"
    cache.clear()
    assert fetch(url).content.split(b"DTSTAMP")[0] == answered.content.split(b"DTSTAMP")[0]


def test_the_feed_is_written_when_the_cache_is_down(december_2021, rcmp, settings):
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0",
    }}
    response = fetch(feed_url(rcmp))

    assert event(calendar_of(response), "Réunion du GTTAF")


def test_the_last_fetch_is_recorded_at_most_once_a_minute(december_2021, rcmp):
    url = feed_url(rcmp)

    fetch(url)
    first = CalendarFeed.objects.get(user=rcmp).last_fetched_at
    december_2021.shift(datetime.timedelta(seconds=30))
    fetch(url)
    within_the_minute = CalendarFeed.objects.get(user=rcmp).last_fetched_at
    december_2021.shift(datetime.timedelta(seconds=31))
    fetch(url, HTTP_IF_NONE_MATCH="*")
    a_minute_later = CalendarFeed.objects.get(user=rcmp).last_fetched_at

    assert first == DECEMBER_1_2021
    assert within_the_minute == first
    assert a_minute_later == DECEMBER_1_2021 + datetime.timedelta(seconds=61)


def test_the_feed_runs_as_many_queries_for_many_entries_as_for_few(december_2021, demo, cbsa):
    url = feed_url(cbsa)
    fetch(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert fetch(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(10):
        MilestoneFactory(
            body=demo.bodies["CBFTF"], owner_agency=demo.agencies["CBSA"],
            due_start=datetime.date(2022, 1, 1) + datetime.timedelta(days=n),
            shared_with=[demo.agencies["CBSA"]] if n % 2 else [],
        )

    assert count() == few


# The member's page


def test_a_member_creates_renews_and_turns_off_their_feed(client_for, rcmp):
    client = client_for(rcmp)
    settings_page = page("calendar-feed-settings")

    none_yet = client.get(settings_page)
    created = client.post(settings_page, {"action": "regenerate"})
    shown = client.get(settings_page)
    first_url = feeds.feed_url(CalendarFeed.objects.get(user=rcmp))
    first_body_url = body_feed_url(rcmp, "CBFTF")
    client.post(settings_page, {"action": "regenerate"})
    renewed_url = feeds.feed_url(CalendarFeed.objects.get(user=rcmp))
    client.post(settings_page, {"action": "revoke"})
    turned_off = client.get(settings_page)

    assert "/feeds/" not in text_of(none_yet)
    assert created.status_code == 302
    assert first_url.startswith(f"{settings.PORTAL_URL}/feeds/") and first_url.endswith(".ics")
    assert first_url in text_of(shown)
    assert "no-store" in shown["Cache-Control"]
    # The bodies rcmp belongs to (the task force), not the forum.
    assert first_body_url in text_of(shown)
    assert "/bodies/CBCF.ics" not in text_of(shown)
    assert renewed_url != first_url
    assert fetch(first_url).status_code == 404
    assert not CalendarFeed.objects.filter(user=rcmp).exists()
    assert "/feeds/" not in text_of(turned_off)


def test_the_first_address_is_announced_as_new_and_only_a_renewal_says_the_old_one_stopped(client_for, rcmp):
    client = client_for(rcmp)
    settings_page = page("calendar-feed-settings")

    created = text_of(client.post(settings_page, {"action": "regenerate"}, follow=True))
    renewed = text_of(client.post(settings_page, {"action": "regenerate"}, follow=True))

    assert "Your calendar feed is ready" in created and "no longer works" not in created
    assert "the previous one no longer works" in renewed


def test_the_page_offers_a_one_click_subscription_and_a_copy_button(client_for, rcmp):
    account_services.calendar_feed_regenerate(actor=rcmp)
    address = feeds.feed_url(CalendarFeed.objects.get(user=rcmp))

    shown = client_for(rcmp).get(page("calendar-feed-settings")).content.decode()

    assert address.startswith("http")
    assert f'href="webcal://{address.split("://", 1)[1]}"' in shown
    assert 'data-copy-target="feed-url"' in shown and "/static/js/copy.js" in shown
    assert "<script>" not in shown


def test_another_members_feed_is_never_shown(client_for, rcmp, cbsa):
    theirs = feed_url(cbsa)
    mine = feed_url(rcmp)

    shown = text_of(client_for(rcmp).get(page("calendar-feed-settings")))

    assert mine in shown
    assert theirs not in shown and feeds.feed_secret(CalendarFeed.objects.get(user=cbsa)) not in shown


def test_the_feed_settings_page_needs_signing_in(db, client):
    response = client.post(page("calendar-feed-settings"), {"action": "regenerate"})

    assert response.status_code == 302
    assert "/accounts/login/" in response.url
    assert not CalendarFeed.objects.exists()


def test_the_feed_settings_page_runs_a_fixed_number_of_queries(client_for, cbp, django_assert_num_queries):
    # CBP's member prefers English: an English page changes nothing (for a French-speaking member, the first
    # English page would save English as their preferred language).
    client = client_for(cbp)
    account_services.calendar_feed_regenerate(actor=cbp)
    with django_assert_num_queries(5):
        # The session, the member, their agency (in the header), their feed, the bodies they belong to.
        client.get(page("calendar-feed-settings"))
    for _n in range(5):
        MembershipFactory(body=BodyFactory(), user=cbp)
    with django_assert_num_queries(5):
        response = client.get(page("calendar-feed-settings"))
    assert text_of(response).count("/bodies/") == 6


def test_it_numbers_the_agenda_in_the_feed_over_what_the_member_sees(december_2021, rcmp, atf):
    for_rcmp = str(event(calendar_of(fetch(feed_url(rcmp))), "Réunion du GTTAF")["DESCRIPTION"])
    for_atf = str(event(calendar_of(fetch(feed_url(atf))), "CBFTF meeting")["DESCRIPTION"])

    assert "3. Roundtable" in for_rcmp and "4. Roundtable" not in for_rcmp
    assert "4. Roundtable" in for_atf


def test_the_feed_and_the_invitation_show_a_meeting_alike(december_2021, demo, atf):
    """One mapping of a meeting to a calendar event (meetings/calendar.py): what the member's feed lists and what
    their invitation's .ics carries agree on every property a calendar app keys on."""
    from django.utils import translation

    from meetings import notifications as meeting_notices
    from taskforce import ical

    meeting = december_meeting()
    meeting_services.rsvp_set(actor=atf, meeting=meeting, response=Rsvp.Response.REMOTE)
    meeting.refresh_from_db()
    from_feed = event(calendar_of(fetch(feed_url(atf))), "CBFTF meeting")
    with translation.override(atf.language):
        invitation = Calendar.from_ical(ical.calendar([meeting_notices.meeting_event(meeting, atf)], method="REQUEST"))
    (from_invitation,) = invitation.walk("VEVENT")

    for name in ("UID", "SUMMARY", "SEQUENCE", "STATUS", "LOCATION", "URL", "ORGANIZER", "ATTENDEE", "LAST-MODIFIED"):
        assert str(from_feed[name]) == str(from_invitation[name]), name
    for name in ("DTSTART", "DTEND"):
        assert from_feed[name].dt == from_invitation[name].dt, name
    assert from_feed["ATTENDEE"].params["PARTSTAT"] == from_invitation["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert from_feed["ORGANIZER"].params["CN"] == from_invitation["ORGANIZER"].params["CN"] == "CBFTF secretariat"
    # The invitation has no agenda (it is in the email's text); the feed lists the agenda atf may see, then the link.
    assert str(from_invitation["DESCRIPTION"]) == str(from_invitation["URL"])
    assert str(from_feed["DESCRIPTION"]).endswith(str(from_feed["URL"]))
