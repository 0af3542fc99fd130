"""Meetings built through the portal's own services, on top of the demo scenario's personas."""

import datetime
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import AgendaItem, Meeting
from members.models import User
from taskforce.models import Body
from tests.support.factories import MembershipFactory, UserFactory

OTTAWA = "America/Toronto"
TORONTO = zoneinfo.ZoneInfo(OTTAWA)
# The agencies that take part in the CBFTF (DEA is in the parent forum only).
CBFTF_AGENCIES = ("CBSA", "RCMP", "ATF", "HSI", "CBP")


def local_time(days: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """`hour:minute` in Ottawa, `days` from today (negative for the past)."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TORONTO)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Papers uploaded by a test land in a directory of its own (and can be looked for there)."""
    root = tmp_path / "media"
    default = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**default, "OPTIONS": {**default.get("OPTIONS", {}), "location": str(root)}},
    }
    return root


@pytest.fixture
def cbftf(demo) -> Body:
    return demo.bodies["CBFTF"]


@pytest.fixture
def schedule(demo, secretariat) -> Callable[..., Meeting]:
    """`schedule(days=7, invite=("CBSA", ...), **fields)`: a two-hour CBFTF meeting scheduled by the secretariat,
    `days` from today at 10:00 in Ottawa, inviting the named agencies (every CBFTF agency by default)."""

    def schedule_meeting(*, days: int = 7, invite: tuple[str, ...] = CBFTF_AGENCIES, **fields) -> Meeting:
        start = local_time(days, 10)
        arguments = {
            "actor": secretariat,
            "body": demo.bodies["CBFTF"],
            "title_en": "CBFTF working meeting",
            "start": start,
            "end": start + datetime.timedelta(hours=2),
            "time_zone": OTTAWA,
            "invite_agencies": [demo.agencies[acronym] for acronym in invite],
            **fields,
        }
        return services.meeting_schedule(**arguments)

    return schedule_meeting


@pytest.fixture
def meeting(schedule) -> Meeting:
    """An upcoming meeting of the CBFTF, every agency of the body invited, its agenda still a draft."""
    return schedule(title_en="Upcoming CBFTF meeting")


@pytest.fixture
def past_meeting(schedule) -> Meeting:
    """A meeting of the whole CBFTF held three days ago."""
    return schedule(days=-3, title_en="Past CBFTF meeting")


@pytest.fixture
def add_item(secretariat) -> Callable[..., AgendaItem]:
    def add(meeting: Meeting, title_en: str, **fields) -> AgendaItem:
        return services.agenda_item_add(actor=secretariat, meeting=meeting, title_en=title_en, **fields)

    return add


@dataclass
class Agenda:
    meeting: Meeting
    roundtable: AgendaItem
    mou: AgendaItem


@pytest.fixture
def circulated(meeting, add_item, secretariat, demo) -> Agenda:
    """The upcoming meeting with a circulated agenda: a body-wide roundtable, then the MOU restricted to CBSA and
    ATF."""
    roundtable = add_item(meeting, "Roundtable")
    mou = add_item(meeting, "CBSA–ATF MOU: status", restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]])
    meeting = services.agenda_circulate(actor=secretariat, meeting=meeting)
    return Agenda(meeting=meeting, roundtable=roundtable, mou=mou)


@pytest.fixture
def other_cbsa_member(demo, cbftf) -> User:
    """A second CBSA officer, member of the CBFTF: someone `cbsa` can send as a delegate."""
    person = UserFactory(username="cbsa2", agency=demo.agencies["CBSA"])
    MembershipFactory(body=cbftf, user=person, role="member")
    return person
