"""Fixtures of the notification tests: the demo's personas, meetings scheduled through the meetings services,
an engine at rest, Celery run in-process and frozen clocks.

Celery runs eagerly here, so what a service queues after commit is sent at once, through the configured email
backend (Django's in-memory outbox under pytest). A unit test that wants those sends runs its service or sweep
inside `sent_after_commit()` (the test's own transaction never commits). The tests that need a real worker and
a real SMTP server start them (test_integration.py, test_faults.py).
"""

import datetime
import zoneinfo
from collections.abc import Callable

import pytest
import time_machine

from meetings import services as meeting_services
from meetings.models import AgendaItem, Meeting
from members.models import User
from notifications.models import Delivery, Notification, Reminder
from taskforce.celery import app as celery_app
from taskforce.models import Body
from tests.support.emails import RefusingBackend
from tests.support.factories import MembershipFactory, UserFactory

TORONTO = zoneinfo.ZoneInfo("America/Toronto")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
UTC = datetime.UTC
CBFTF_AGENCIES = ("CBSA", "RCMP", "ATF", "HSI", "CBP")
# A winter Monday, 09:00 in Ottawa: no daylight-saving change in the weeks the tests look at.
MONDAY = datetime.datetime(2027, 1, 11, 14, 0, tzinfo=UTC)
# The meeting most tests schedule, two weeks later at 10:00 in Ottawa (15:00 UTC), and its default reminders.
MEETING_START = datetime.datetime(2027, 1, 25, 10, 0, tzinfo=TORONTO)
SEVEN_DAYS_BEFORE = datetime.datetime(2027, 1, 18, 15, 0, tzinfo=UTC)
RSVP_REMINDER = datetime.datetime(2027, 1, 22, 15, 0, tzinfo=UTC)
ONE_DAY_BEFORE = datetime.datetime(2027, 1, 24, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in the test's own process when queued."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def engine_at_rest(demo):
    """The demo's own pending reminders, its notices and its unsent emails are set aside, so a test counts only
    what it causes (the demo's overdue milestones would otherwise be reminded in any sweep a week ahead)."""
    Reminder.objects.filter(status=Reminder.Status.PENDING).update(status=Reminder.Status.DROPPED)
    Delivery.objects.all().delete()
    Notification.objects.all().delete()


@pytest.fixture
def clock():
    """The clock, stopped on MONDAY; `clock.move_to(instant)` moves it."""
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def cbftf(demo) -> Body:
    return demo.bodies["CBFTF"]


@pytest.fixture
def schedule_at(demo, secretariat) -> Callable[..., Meeting]:
    """`schedule_at(local_start, invite=("CBSA", ...), **fields)`: a two-hour CBFTF meeting scheduled by the
    secretariat at a wall time (an aware datetime; its zone is the meeting's), every CBFTF agency invited by
    default."""

    def schedule(start: datetime.datetime, *, invite: tuple[str, ...] = CBFTF_AGENCIES, **fields) -> Meeting:
        arguments = {
            "actor": secretariat,
            "body": demo.bodies["CBFTF"],
            "title_en": "CBFTF working meeting",
            "start": start,
            "end": start + datetime.timedelta(hours=2),
            "time_zone": str(start.tzinfo),
            "invite_agencies": [demo.agencies[acronym] for acronym in invite],
            **fields,
        }
        return meeting_services.meeting_schedule(**arguments)

    return schedule


@pytest.fixture
def add_item(secretariat) -> Callable[..., AgendaItem]:
    def add(meeting: Meeting, title_en: str, **fields) -> AgendaItem:
        return meeting_services.agenda_item_add(actor=secretariat, meeting=meeting, title_en=title_en, **fields)

    return add


@pytest.fixture
def vancouver(demo, cbftf) -> User:
    """An RCMP officer of the CBFTF in British Columbia, who reads English."""
    person = UserFactory(
        username="rcmp-bc", first_name="Avery", agency=demo.agencies["RCMP"], time_zone="America/Vancouver",
        language="en",
    )
    MembershipFactory(body=cbftf, user=person, role="member")
    return person


@pytest.fixture
def other_cbsa_member(demo, cbftf) -> User:
    """A second CBSA officer of the CBFTF: someone `cbsa` can send as a delegate."""
    person = UserFactory(username="cbsa2", agency=demo.agencies["CBSA"])
    MembershipFactory(body=cbftf, user=person, role="member")
    return person


@pytest.fixture
def refusing_server(settings):
    """`refusing_server(n)`: the mail server refuses the next n messages ("451 try later")."""
    settings.EMAIL_BACKEND = "tests.support.emails.RefusingBackend"

    def refuse(times: int) -> None:
        RefusingBackend.refusals = times

    yield refuse
    RefusingBackend.refusals = 0
