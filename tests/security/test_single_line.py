"""Titles, names and notes stay on one line: a line break in a meeting's title once made every email about it
fail. Refused in forms and the API alike, with a reason, nothing saved."""

import pytest
from django.apps import apps
from django.db import models

from meetings.models import AgendaItem, Meeting
from taskforce.validators import single_line

API = "/api/v1"
ONE_LINE = "Enter this on one line, without line breaks or control characters."


def test_the_meeting_form_refuses_a_title_on_two_lines(demo, client_for, secretariat):
    before = Meeting.objects.count()

    answer = client_for(secretariat).post("/en/meetings/new/?body=CBFTF", {
        "title_en": "Border firearms\nworkshop", "start": "2030-03-04T10:00", "end": "2030-03-04T11:30",
        "time_zone": "America/Vancouver", "invite_agencies": [demo.agencies["RCMP"].pk],
    })

    assert answer.status_code == 200
    assert ONE_LINE in answer.content.decode()
    assert Meeting.objects.count() == before


@pytest.mark.parametrize("title", ["Border firearms\nworkshop", "Border\r\nworkshop", "Border\tworkshop",
                                   "Border\u2028workshop", "Border\x1bworkshop"])
def test_the_api_refuses_a_meeting_title_with_a_line_break_or_control_character(client_for, secretariat, title):
    before = Meeting.objects.count()

    answer = client_for(secretariat).post(f"{API}/meetings/", {
        "body": "CBFTF", "title_en": title, "start": "2030-03-04T18:00:00Z", "end": "2030-03-04T19:30:00Z",
        "time_zone": "America/Vancouver",
    }, content_type="application/json")

    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["fields"] == {"title_en": [ONE_LINE]}
    assert Meeting.objects.count() == before


def test_the_api_refuses_an_agenda_item_title_on_two_lines(client_for, secretariat, circulated):
    before = AgendaItem.objects.count()

    answer = client_for(secretariat).post(
        f"{API}/meetings/{circulated.meeting.pk}/items/", {"title_en": "Round\ntable"}, content_type="application/json"
    )

    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["fields"] == {"title_en": [ONE_LINE]}
    assert AgendaItem.objects.count() == before


def test_a_title_on_one_line_with_accents_and_dashes_is_kept(client_for, secretariat, circulated):
    answer = client_for(secretariat).post(
        f"{API}/meetings/{circulated.meeting.pk}/items/", {"title_en": "Tour de table – « sécurité »"},
        content_type="application/json",
    )

    assert answer.status_code == 201, answer.content


def test_every_single_line_field_of_the_portals_models_refuses_line_breaks():
    portal = ("members", "taskforce", "meetings", "mou", "accounts")
    fields = [
        field for model in apps.get_models() if model._meta.app_label in portal
        for field in model._meta.get_fields() if isinstance(field, (models.CharField, models.TextField))
    ]

    unguarded = [str(f) for f in fields if isinstance(f, models.CharField) and single_line not in f.validators]
    guarded_text = [str(f) for f in fields if isinstance(f, models.TextField) and single_line in f.validators]
    assert unguarded == [] and guarded_text == []
    assert len(fields) > 50
