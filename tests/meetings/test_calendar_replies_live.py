"""Calendar replies through the real receiver: `manage.py receive_mail` run as its own process, on this test's
database, the replies of Outlook, Google Calendar, Thunderbird and Apple Calendar sent to it over SMTP (and LMTP), as
an organisation's mail server hands them over; then the answers read on the meeting page and in the API."""

import io
import smtplib

import pytest
from django.core.management import call_command

from meetings.models import Rsvp
from tests.notifications import conftest as notification_fixtures
from tests.support import calendar_apps
from tests.support.emails import sent_after_commit
from tests.support.live import Processes, process_env
from tests.support.scenario import page

from .test_api import body, token_client
from .test_calendar_replies import invitation_to, state, words_of

pytestmark = pytest.mark.django_db(transaction=True)

eager_celery = notification_fixtures.eager_celery
engine_at_rest = notification_fixtures.engine_at_rest


def send(port: int, invite, raw: bytes, *, lmtp: bool = False, to: str | None = None) -> None:
    client = smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port, timeout=30)
    with client:
        client.sendmail(invite.attendee, [to or invite.organizer], raw)


def test_replies_from_four_calendar_apps_reach_the_page_and_the_api_through_the_receiver(
    schedule, demo, secretariat, client_for, tmp_path
):
    with sent_after_commit():
        meeting = schedule(title_en="CBFTF working meeting")
    answering = {"rcmp": "Outlook", "atf": "Google Calendar", "hsi": "Thunderbird", "cbp": "Apple Calendar"}
    invites = {name: invitation_to(demo.users[name]) for name in answering}
    with Processes(tmp_path) as processes:
        env = process_env(redis_url="redis://127.0.0.1:1/0", smtp_port=1, queue="unused")
        port = processes.receiver("receiver", env)
        for name, app in answering.items():
            partstat = "DECLINED" if name == "cbp" else "ACCEPTED"
            send(port, invites[name], calendar_apps.APPS[app](invites[name], partstat))

        # Answered at once: the receiver records before it says 250.
        answers = dict(Rsvp.objects.filter(meeting=meeting).values_list("user__username", "response"))
        assert answers == {"rcmp": "attending", "atf": "attending", "hsi": "attending", "cbp": "declined"}
        text = words_of(client_for(secretariat).get(page("meeting-detail", meeting.pk)))
        for name in answering:
            user = demo.users[name]
            shown = "Declined" if name == "cbp" else "Attending"
            assert f"{user} {user.agency.acronym} {shown} (from their calendar)" in text
        listed = body(token_client(secretariat).get(f"/api/v1/meetings/{meeting.pk}/responses/"))
        assert {r["person"]: (r["response"], r["from_calendar"]) for r in listed} == {
            "rcmp": ("attending", True), "atf": ("attending", True), "hsi": ("attending", True),
            "cbp": ("declined", True),
        }

        # The same reply again, a forged one, a stranger's address: accepted or refused as mail, nothing changes.
        before = state()
        send(port, invites["rcmp"], calendar_apps.outlook(invites["rcmp"], "ACCEPTED",
                                                           stamp=calendar_apps._now().replace(year=2000)))
        forged = calendar_apps.outlook(invites["rcmp"], "DECLINED", attendee=demo.users["atf"].email)
        send(port, invites["rcmp"], forged)
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send(port, invites["rcmp"], forged, to="someone@elsewhere.example")
        assert refused.value.recipients["someone@elsewhere.example"][0] == 550
        # Too large: refused before it is read.
        huge = calendar_apps.outlook(invites["rcmp"], "DECLINED", comment="x" * (2 * 1024 * 1024))
        with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as too_large:
            send(port, invites["rcmp"], huge)
        assert too_large.value.smtp_code == 552
        assert state() == before
        log = processes.log("receiver")
        assert "calendar reply refused" in log and "attendee answering is not the invitee" in log
        # The sender learns nothing of why: the forged reply was accepted like any other.
        assert "Traceback" not in log

        # The routing check a deployment runs: a member's REPLY, as their calendar app sends it, through the server.
        out = io.StringIO()
        call_command("calendar_reply_check", "rcmp", "--meeting", str(meeting.pk), "--answer", "declined",
                     "--server", f"127.0.0.1:{port}", "--wait", "5", stdout=out)
        assert "The portal records: Declined" in out.getvalue()
        assert Rsvp.objects.get(meeting=meeting, user=demo.users["rcmp"]).response == "declined"

        # LMTP, as a mail server in front of the portal hands messages over.
        lmtp_port = processes.receiver("lmtp", env, lmtp=True)
        send(lmtp_port, invites["cbp"], calendar_apps.apple(invites["cbp"], "TENTATIVE",
                                                            stamp=calendar_apps._now()), lmtp=True)
        assert Rsvp.objects.get(meeting=meeting, user=demo.users["cbp"]).response == "tentative"


def test_while_the_database_is_down_the_receiver_says_try_later_and_nothing_is_lost(schedule, demo, tmp_path):
    with sent_after_commit():
        meeting = schedule(title_en="CBFTF working meeting")
    invite = invitation_to(demo.users["atf"])
    reply = calendar_apps.google(invite, "ACCEPTED")
    with Processes(tmp_path) as processes:
        env = process_env(redis_url="redis://127.0.0.1:1/0", smtp_port=1, queue="unused")
        down = processes.receiver("down", {**env, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere"})
        with pytest.raises(smtplib.SMTPDataError) as later:
            send(down, invite, reply)
        assert later.value.smtp_code == 451
        assert not Rsvp.objects.filter(meeting=meeting).exists()
        # The sending server tries again once the portal is back: the answer counts.
        up = processes.receiver("up", env)
        send(up, invite, reply)
    assert Rsvp.objects.get(meeting=meeting, user=demo.users["atf"]).response == "attending"
