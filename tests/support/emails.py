"""Reading what the notification engine sent, as its recipients (and their mail clients) would."""

import datetime
import smtplib
from collections import Counter
from contextlib import contextmanager
from typing import NamedTuple

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import TestCase
from icalendar import Calendar

from members.models import User
from notifications import engine as notifications
from notifications.models import Delivery, Notification, NotificationKind, Reminder

CBFTF_PEOPLE = ("secretariat", "cbsa", "rcmp", "atf", "hsi", "cbp")
# The demo's French readers; everyone else in it (the secretariat, atf, hsi, cbp, dea) reads English.
FRENCH_READERS = ("cbsa", "rcmp")


@contextmanager
def sent_after_commit():
    """Run what the block queues after commit (the sends), as a real commit would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def sweep(now: datetime.datetime | None = None) -> notifications.SweepResult:
    """One sweep, as beat runs it, with the emails it queues sent."""
    with sent_after_commit():
        return notifications.sweep(now=now)


def outbox() -> list[mail.EmailMessage]:
    """Every email sent, each checked to go to one person on their own (no shared To, Cc or Bcc)."""
    for message in mail.outbox:
        assert len(message.to) == 1 and not message.cc and not message.bcc, message.recipients()
    return list(mail.outbox)


def emails_to(user: User) -> list[mail.EmailMessage]:
    return [message for message in outbox() if message.to == [user.email]]


def recipients(messages: list[mail.EmailMessage] | None = None) -> Counter:
    """How many emails each person got, by username."""
    by_address = {u.email: u.username for u in User.objects.all()}
    return Counter(by_address[message.to[0]] for message in (outbox() if messages is None else messages))


def subjects_to(user: User) -> list[str]:
    return [message.subject for message in emails_to(user)]


# What each email says, in each language ---------------------------------------------------------------------


class Wording(NamedTuple):
    """How one email template reads in one language: how its subject starts and sentences its body has."""

    subject: str
    sentences: tuple[str, ...]


# Every email opens with a greeting and closes with the footer (templates/emails/_footer.txt).
GREETING = {"en": "Hello", "fr": "Bonjour"}
FOOTER = {
    "en": "You receive this because of your role in the task force.",
    "fr": "Vous recevez ce message en raison de votre rôle au sein du groupe de travail.",
}
# Every meeting email describes the meeting (templates/emails/_meeting.txt).
WHEN = {"en": "\nWhen", "fr": "\nDate et heure"}


def _meeting_email(en: tuple[str, ...], fr: tuple[str, ...]) -> dict[str, Wording]:
    return {"en": Wording(en[0], (*en[1:], WHEN["en"])), "fr": Wording(fr[0], (*fr[1:], WHEN["fr"]))}


# Each template of templates/emails/, by name: the start of its subject (meetings/notifications.py,
# notifications/deadlines.py, notifications/engine.py) and one or two sentences of its body, in English and in the
# French of locale/fr/LC_MESSAGES/django.po (which puts a space before a subject's colon).
EMAILS: dict[str, dict[str, Wording]] = {
    "meeting_invitation": _meeting_email(
        ("Invitation: ",
         "You are invited to this meeting. The attached invitation adds it to your calendar.",
         "Answer (attending in person, remotely, declined or sending a delegate)"),
        ("Invitation : ",
         "Nous vous invitons à cette réunion. L'invitation ci-jointe l'ajoute à votre calendrier.",
         "Répondre (présence en personne, à distance, refus ou envoi d'un délégué)"),
    ),
    "meeting_changed": _meeting_email(
        ("Moved: ", "This meeting has moved. The attached invitation updates your calendar."),
        ("Changement de date : ", "Cette réunion a été déplacée. L'invitation ci-jointe met à jour votre calendrier."),
    ),
    "meeting_cancelled": _meeting_email(
        ("Cancelled: ", "This meeting is cancelled. The attached notice removes it from your calendar."),
        ("Réunion annulée : ", "Cette réunion est annulée. L'avis ci-joint la retire de votre calendrier."),
    ),
    "agenda_circulated": _meeting_email(
        ("Agenda circulated: ",
         "The agenda is circulated for your review. You can comment on its items until it is final.",
         "Review the agenda and its papers"),
        ("Ordre du jour diffusé : ",
         "L'ordre du jour est diffusé pour examen. Vous pouvez commenter ses points jusqu'à ce qu'il soit définitif.",
         "Examiner l'ordre du jour et ses documents"),
    ),
    "agenda_changed": _meeting_email(
        ("Agenda changed: ", "The circulated agenda has changed."),
        ("Ordre du jour modifié : ", "L'ordre du jour diffusé a été modifié."),
    ),
    "agenda_reordered": _meeting_email(
        ("Agenda reordered: ", "The circulated agenda has been reordered."),
        ("Ordre du jour réorganisé : ", "L'ordre du jour diffusé a été réorganisé."),
    ),
    "meeting_reminder": _meeting_email(
        ("Reminder: ", "A reminder of this coming meeting."),
        ("Rappel : ", "Rappel de cette réunion à venir."),
    ),
    "meeting_rsvp_reminder": _meeting_email(
        ("Please answer: ",
         "You have not answered this invitation yet. Please tell the secretariat whether you will attend."),
        ("Veuillez répondre : ",
         "Vous n'avez pas encore répondu à cette invitation. Veuillez indiquer au secrétariat si vous assisterez à "
         "la réunion."),
    ),
    "minutes_approved": _meeting_email(
        ("Minutes approved: ",
         "The minutes of this meeting are approved.", "Read the minutes, decisions and action items"),
        ("Procès-verbal approuvé : ",
         "Le procès-verbal de cette réunion est approuvé.", "Lire le procès-verbal, les décisions et les mesures de suivi"),
    ),
    "deadline": {  # a milestone's
        "en": Wording("Milestone is ", ("Open it in the portal", "\nOwner")),
        "fr": Wording("Jalon ", ("Ouvrir dans le portail", "\nResponsable")),
    },
    "action_item_due": {
        "en": Wording("Action item is ", ("Mark it done in the register", "\nFrom the meeting")),
        "fr": Wording("Mesure de suivi ", ("Marquer comme terminée dans le registre", "\nRéunion d'origine")),
    },
    "digest": {
        "en": Wording("Your task force digest for ", ("since your last digest:",)),
        "fr": Wording("Votre résumé quotidien du groupe de travail du ", ("depuis votre dernier résumé :",)),
    },
}


def user_of(recipient: User | mail.EmailMessage | str) -> User:
    """The person an email went to: given as the user, the email (sent to one person) or their address."""
    if isinstance(recipient, User):
        return recipient
    if isinstance(recipient, mail.EmailMessage):
        [recipient] = recipient.to
    return User.objects.get(email=recipient)


def reads_french(recipient: User | mail.EmailMessage | str) -> bool:
    """Whether a person reads their emails in French (their preferred language is French)."""
    return user_of(recipient).language == "fr"


def language_of(recipient: User | mail.EmailMessage | str) -> str:
    return "fr" if reads_french(recipient) else "en"


def subject_start(template: str, recipient: User | mail.EmailMessage | str) -> str:
    """How the subject of an email of this template starts in the recipient's language ("Rappel : ", "Reminder: ")."""
    return EMAILS[template][language_of(recipient)].subject


def emails_of(template: str, messages: list[mail.EmailMessage] | None = None) -> list[mail.EmailMessage]:
    """The emails of one template, each recognised by its subject in its own recipient's language: an email in
    the other language is not among them."""
    messages = outbox() if messages is None else messages
    return [message for message in messages if message.subject.startswith(subject_start(template, message))]


def assert_in_their_language(message: mail.EmailMessage, template: str) -> None:
    """An email of this template reads in its recipient's language throughout: the subject, the greeting by
    name, the template's sentences and the footer, with none of the other language's."""
    user = user_of(message)
    language = language_of(user)
    wording = EMAILS[template][language]
    who = f"{user.username} ({language})"
    assert message.subject.startswith(wording.subject), (who, message.subject)
    assert message.body.startswith(f"{GREETING[language]} {user.first_name or user.username},\n"), (who, message.body)
    for sentence in (*wording.sentences, FOOTER[language]):
        assert sentence in message.body, (who, sentence, message.body)
    for other, foreign in EMAILS[template].items():
        if other != language:
            assert not message.subject.startswith(foreign.subject), (who, message.subject)
            assert not message.body.startswith(GREETING[other]), (who, message.body)
            for sentence in (*foreign.sentences, FOOTER[other]):
                assert sentence not in message.body, (who, sentence, message.body)


def ics_of(message: mail.EmailMessage) -> tuple[str, str, Calendar]:
    """The calendar attached to an email: (raw text, content type, parsed)."""
    [(_name, content, mimetype)] = [a for a in message.attachments if a[2].startswith("text/calendar")]
    return content, mimetype, Calendar.from_ical(content)


def event_of(message: mail.EmailMessage):
    _raw, _type, calendar = ics_of(message)
    [event] = calendar.walk("VEVENT")
    return event


def notices_of(user: User, kind: str | None = None) -> list[Notification]:
    notices = Notification.objects.filter(user=user).order_by("created_at", "pk")
    return list(notices.filter(kind=kind) if kind else notices)


def reminders_of(topic: str, *, status: str | None = Reminder.Status.PENDING) -> dict[str, datetime.datetime]:
    """label -> due instant (UTC) of a topic's reminders in one status."""
    rows = Reminder.objects.filter(topic=topic)
    if status:
        rows = rows.filter(status=status)
    return {r.label: r.due_at.astimezone(datetime.UTC) for r in rows}


def deliveries(**filters) -> list[Delivery]:
    return list(Delivery.objects.filter(**filters).select_related("recipient").order_by("pk"))


class RefusingBackend(EmailBackend):
    """An SMTP server that answers "451 try later" to the next `refusals` messages, then accepts them (into
    Django's outbox)."""

    refusals = 0

    def send_messages(self, messages):
        if RefusingBackend.refusals:
            RefusingBackend.refusals -= 1
            raise smtplib.SMTPRecipientsRefused({m.to[0]: (451, b"4.3.0 try later") for m in messages})
        return super().send_messages(messages)


class BrokenReminder:
    """A handler whose recipients cannot be worked out (a bug, a row it cannot read)."""

    notification_kind = NotificationKind.DEADLINE

    def is_current(self, reminder):
        return True

    def is_too_late(self, reminder, now):
        return False

    def recipients(self, reminder):
        raise RuntimeError("cannot read the topic")
