import datetime
import smtplib
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from meetings import calendar, reply_addresses
from meetings import permissions as rules
from meetings.models import Meeting, Rsvp
from members.models import User
from taskforce import ical, inbound
from taskforce import permissions as core

ANSWERS = ("ACCEPTED", "TENTATIVE", "DECLINED")


class Command(BaseCommand):
    help = (
        "Answers a member's invitation as their calendar app would: builds the iTIP REPLY (RFC 5546) to their "
        "invitation's reply address and sends it over SMTP to the mail receiver (or, with --server, to the "
        "organisation's mail server, to check that replies are routed to the portal), then shows the answer the "
        "portal records. Changes the member's answer, as their calendar would."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="the invitee answering (rcmp, in the demo)")
        parser.add_argument("--meeting", type=int, help="the meeting's id (default: their next meeting)")
        parser.add_argument("--answer", default="ACCEPTED", type=str.upper, choices=ANSWERS)
        parser.add_argument(
            "--server", default=settings.MAIL_RECEIVER_ADDRESS,
            help="host:port of the SMTP server to hand the reply to (default: the portal's receiver)",
        )
        parser.add_argument("--wait", type=int, default=60, help="seconds to wait for the answer to show")

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['username']!r}.")
        meeting = self._meeting(user, options["meeting"])
        try:
            host, port = inbound.split_address(options["server"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        address = reply_addresses.for_member(meeting.pk, user.pk)
        raw = self._reply(meeting, user, address, options["answer"])
        try:
            with smtplib.SMTP(host, port, timeout=30) as server:
                server.sendmail(user.email, [address], raw)
        except (OSError, smtplib.SMTPException) as error:
            raise CommandError(f"The reply could not be handed to {host}:{port}: {error}") from error
        self.stdout.write(f"Sent {options['answer']} as {user.username} ({user}) for “{meeting.title}” to {address} "
                          f"through {host}:{port}.")
        deadline = time.monotonic() + options["wait"]
        while True:
            answer = Rsvp.objects.filter(meeting=meeting, user=user, reply_stamp__isnull=False).first()
            if answer is not None and calendar.PARTSTAT.get(answer.response) == options["answer"] \
                    or time.monotonic() > deadline:
                break
            time.sleep(1)
        if answer is None or calendar.PARTSTAT.get(answer.response) != options["answer"]:
            raise CommandError(
                "The portal has not recorded the answer: check that the receiver runs (`manage.py receive_mail`) and "
                "that mail to the reply address reaches it; its log says why a reply was refused."
            )
        self.stdout.write(self.style.SUCCESS(
            f"The portal records: {answer.get_response_display()} (meeting {meeting.pk})."
        ))

    def _meeting(self, user: User, pk: int | None) -> Meeting:
        rows = core.scope(user, Meeting.objects.select_related("body")).filter(
            status=Meeting.Status.SCHEDULED, end__gt=timezone.now()
        ).order_by("start")
        if pk:
            rows = rows.filter(pk=pk)
        meeting = next((m for m in rows[:50] if rules.is_invitee(user, m)), None)
        if meeting is None:
            raise CommandError(f"{user.username} is invited to no upcoming meeting{f' {pk}' if pk else ''}.")
        return meeting

    def _reply(self, meeting: Meeting, user: User, address: str, partstat: str) -> bytes:
        from email.message import EmailMessage

        cal = Calendar()
        cal.add("prodid", "-//Task force portal//calendar_reply_check//EN")
        cal.add("version", "2.0")
        cal.add("method", "REPLY")
        event = Event()
        event.add("uid", ical.uid("meeting", meeting.pk))
        event.add("dtstamp", datetime.datetime.now(datetime.UTC))
        event.add("sequence", meeting.sequence)
        event.add("dtstart", meeting.start.astimezone(datetime.UTC))
        event.add("dtend", meeting.end.astimezone(datetime.UTC))
        event.add("summary", meeting.title)
        organizer = vCalAddress(f"mailto:{address}")
        organizer.params["cn"] = vText(calendar.organizer_name(meeting))
        event.add("organizer", organizer, encode=0)
        attendee = vCalAddress(f"mailto:{user.email}")
        attendee.params["cn"] = vText(str(user))
        attendee.params["partstat"] = vText(partstat)
        event.add("attendee", attendee, encode=0)
        cal.add_component(event)
        message = EmailMessage()
        message["From"] = f"{user} <{user.email}>"
        message["To"] = address
        message["Subject"] = f"{partstat.capitalize()}: {meeting.title}"
        message.set_content(f"{user} has answered: {partstat.lower()}.")
        message.add_attachment(
            cal.to_ical(), maintype="text", subtype="calendar", params={"method": "REPLY"}, filename="reply.ics"
        )
        return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))  # SMTP's line ends
