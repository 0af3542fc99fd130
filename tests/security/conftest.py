"""A circulated meeting built through the services, and a media folder of each test's own."""

import datetime
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import AgendaItem, Meeting

OTTAWA = zoneinfo.ZoneInfo("America/Toronto")
CBFTF_AGENCIES = ("CBSA", "RCMP", "ATF", "HSI", "CBP")


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """Papers uploaded by a test land in a folder of its own, where the test can look for them."""
    root = tmp_path / "media"
    default = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**default, "OPTIONS": {**default.get("OPTIONS", {}), "location": str(root)}},
    }
    return root


@dataclass
class Agenda:
    meeting: Meeting
    roundtable: AgendaItem
    mou: AgendaItem


@pytest.fixture
def circulated(demo, secretariat) -> Agenda:
    """A CBFTF meeting next week, every CBFTF agency invited, its agenda circulated: a body-wide roundtable,
    then an item restricted to CBSA and ATF."""
    start = datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=7), datetime.time(10), OTTAWA)
    meeting = services.meeting_schedule(
        actor=secretariat, body=demo.bodies["CBFTF"], title_en="Security review meeting", start=start,
        end=start + datetime.timedelta(hours=2), time_zone="America/Toronto",
        invite_agencies=[demo.agencies[acronym] for acronym in CBFTF_AGENCIES],
    )
    roundtable = services.agenda_item_add(actor=secretariat, meeting=meeting, title_en="Roundtable")
    mou = services.agenda_item_add(
        actor=secretariat, meeting=meeting, title_en="CBSA–ATF MOU: status",
        restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]],
    )
    meeting = services.agenda_circulate(actor=secretariat, meeting=meeting)
    return Agenda(meeting=meeting, roundtable=roundtable, mou=mou)
