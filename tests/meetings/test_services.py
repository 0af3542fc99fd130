"""The meeting cycle's writes (meetings/services.py) on PostgreSQL, checked through what users then see in the
selectors, and that a refused write leaves nothing behind."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from meetings import selectors, services
from meetings.demo import tiny_pdf
from meetings.models import (
    ActionItem,
    AgendaChange,
    AgendaItem,
    Attendance,
    Comment,
    Decision,
    Invitation,
    Meeting,
    MeetingGroupObjectPermission,
    MeetingSeries,
    MeetingUserObjectPermission,
    Paper,
    Rsvp,
)
from members.models import Classification, User
from taskforce.errors import ConflictError
from tests.support.factories import AgencyFactory, AgencyRoleFactory, MembershipFactory, UserFactory

from .conftest import OTTAWA, TORONTO, local_time


def visible_meeting_ids(user: User) -> set[int]:
    return set(selectors.meeting_list(actor=user).values_list("pk", flat=True))


def agenda_titles(user: User, meeting: Meeting) -> list[str]:
    return [item.title_en for item in selectors.agenda_items(actor=user, meeting=meeting)]


def pdf(name: str = "paper.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_pdf("A paper"))


def meeting_rows() -> tuple[int, int, int, int]:
    """Everything scheduling writes: meetings, invitations and the grants that share them."""
    return (
        Meeting.objects.count(),
        Invitation.objects.count(),
        MeetingGroupObjectPermission.objects.count(),
        MeetingUserObjectPermission.objects.count(),
    )


def stored(meeting: Meeting) -> Meeting:
    return Meeting.objects.get(pk=meeting.pk)


# Scheduling ------------------------------------------------------------------------------------


def test_the_secretariat_schedules_a_meeting_in_its_local_time(secretariat, cbftf, demo):
    start = local_time(10, 9, 30)

    meeting = services.meeting_schedule(
        actor=secretariat, body=cbftf, title_en="Planning", start=start, end=start + datetime.timedelta(hours=1),
        time_zone=OTTAWA, host_agency=demo.agencies["ATF"], place="U.S. Embassy, Ottawa",
        invite_agencies=[demo.agencies["CBSA"]],
    )

    shown = selectors.meeting_get(actor=secretariat, pk=meeting.pk)
    assert shown.start.astimezone(TORONTO).time() == datetime.time(9, 30)
    assert shown.duration_minutes == 60
    assert (shown.host_agency.acronym, shown.place) == ("ATF", "U.S. Embassy, Ottawa")
    assert shown.agenda_status == Meeting.AgendaStatus.DRAFT


@pytest.mark.parametrize("username", ["cbsa", "atf", "rcmp"])
def test_members_of_the_body_may_not_schedule_meetings(demo, cbftf, username):
    before = meeting_rows()
    start = local_time(10)

    with pytest.raises(PermissionDenied):
        services.meeting_schedule(
            actor=demo.users[username], body=cbftf, title_en="Side meeting", start=start,
            end=start + datetime.timedelta(hours=1), time_zone=OTTAWA,
        )

    assert meeting_rows() == before


def test_someone_with_no_role_in_the_body_is_told_it_does_not_exist(dea, outsider, cbftf):
    start = local_time(10)
    for person in (dea, outsider):
        with pytest.raises(Http404):
            services.meeting_schedule(
                actor=person, body=cbftf, title_en="Side meeting", start=start,
                end=start + datetime.timedelta(hours=1), time_zone=OTTAWA,
            )
    assert not Meeting.objects.filter(title_en="Side meeting").exists()


@pytest.mark.parametrize("length", [datetime.timedelta(hours=-1), datetime.timedelta(0)])
def test_it_refuses_a_meeting_that_does_not_end_after_it_starts(schedule, length):
    before = meeting_rows()
    start = local_time(10)

    with pytest.raises(ValidationError) as refused:
        schedule(start=start, end=start + length)

    assert refused.value.message_dict == {"end": ["The meeting must end after it starts."]}
    assert meeting_rows() == before


def test_it_refuses_times_without_a_time_zone(schedule):
    before = meeting_rows()
    naive = datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=10), datetime.time(10))

    with pytest.raises(ValidationError) as refused:
        schedule(start=naive, end=naive + datetime.timedelta(hours=1))

    assert refused.value.messages == ["Meeting times need a time zone."]
    assert meeting_rows() == before


def test_it_refuses_an_unknown_time_zone(schedule):
    before = meeting_rows()

    with pytest.raises(ValidationError) as refused:
        schedule(time_zone="America/Atlantis")

    assert "time_zone" in refused.value.message_dict
    assert meeting_rows() == before


def test_it_refuses_inviting_an_agency_that_takes_no_part_in_the_body(schedule):
    before = meeting_rows()

    with pytest.raises(ValidationError) as refused:
        schedule(invite=("CBSA", "DEA"))

    assert refused.value.message_dict == {"invite_agencies": ["These agencies take no part in CBFTF: DEA."]}
    assert meeting_rows() == before


@pytest.mark.parametrize("username", ["dea", "outsider"])
def test_it_refuses_inviting_a_person_who_is_not_a_member_of_the_body(schedule, demo, outsider, username):
    person = outsider if username == "outsider" else demo.users[username]
    before = meeting_rows()

    with pytest.raises(ValidationError) as refused:
        schedule(invite=("CBSA",), invite_people=[person])

    assert list(refused.value.message_dict) == ["invite_people"]
    assert meeting_rows() == before


def test_it_refuses_a_host_agency_that_takes_no_part_in_the_body(schedule, demo):
    before = meeting_rows()

    with pytest.raises(ValidationError) as refused:
        schedule(host_agency=demo.agencies["DEA"])

    assert list(refused.value.message_dict) == ["host_agency"]
    assert meeting_rows() == before


def test_invited_agencies_see_the_meeting_and_the_others_do_not(schedule, demo, outsider):
    meeting = schedule(invite=("CBSA", "ATF"))

    for username in ("secretariat", "cbsa", "atf"):
        assert meeting.pk in visible_meeting_ids(demo.users[username]), username
    for person in (demo.users["rcmp"], demo.users["hsi"], demo.users["cbp"], demo.users["dea"], outsider):
        assert meeting.pk not in visible_meeting_ids(person), person.username
        with pytest.raises(Http404):
            selectors.meeting_get(actor=person, pk=meeting.pk)


def test_a_person_invited_by_name_sees_the_meeting_though_their_agency_is_not_invited(schedule, rcmp, cbp):
    meeting = schedule(invite=("CBSA",), invite_people=[rcmp])

    assert meeting.pk in visible_meeting_ids(rcmp)
    assert selectors.meeting_get(actor=rcmp, pk=meeting.pk) == meeting
    assert meeting.pk not in visible_meeting_ids(cbp)


# Series ----------------------------------------------------------------------------------------


def test_a_monthly_series_keeps_the_local_wall_time_when_daylight_saving_ends(secretariat, cbftf, demo, cbsa):
    # Ottawa leaves daylight saving time on 2026-11-01: 10:00 is 14:00 UTC in October, 15:00 UTC after.
    series = services.meeting_series_schedule(
        actor=secretariat, body=cbftf, title_en="Monthly coordination call",
        first_start=datetime.datetime(2026, 10, 15, 10, 0, tzinfo=TORONTO), duration=datetime.timedelta(minutes=90),
        time_zone=OTTAWA, frequency=MeetingSeries.Frequency.MONTHLY, count=3,
        invite_agencies=[demo.agencies["CBSA"]],
    )

    meetings = list(selectors.meeting_list(actor=cbsa).filter(series=series))
    local_starts = [m.start.astimezone(TORONTO) for m in meetings]
    assert [s.replace(tzinfo=None) for s in local_starts] == [
        datetime.datetime(2026, 10, 15, 10, 0),
        datetime.datetime(2026, 11, 15, 10, 0),
        datetime.datetime(2026, 12, 15, 10, 0),
    ]
    assert [s.utcoffset() for s in local_starts] == [datetime.timedelta(hours=h) for h in (-4, -5, -5)]
    assert [m.start.astimezone(datetime.UTC).hour for m in meetings] == [14, 15, 15]
    assert [m.end.astimezone(TORONTO).time() for m in meetings] == [datetime.time(11, 30)] * 3
    assert {m.time_zone for m in meetings} == {OTTAWA}


def test_a_weekly_series_keeps_the_local_wall_time_when_daylight_saving_starts(secretariat, cbftf):
    # Ottawa moves its clocks forward on 2027-03-14.
    series = services.meeting_series_schedule(
        actor=secretariat, body=cbftf, title_en="Weekly check-in",
        first_start=datetime.datetime(2027, 3, 4, 9, 0, tzinfo=TORONTO), duration=datetime.timedelta(hours=1),
        time_zone=OTTAWA, frequency=MeetingSeries.Frequency.WEEKLY, count=3,
    )

    starts = [m.start.astimezone(TORONTO) for m in series.meetings.order_by("start")]
    assert [(s.day, s.hour, s.minute) for s in starts] == [(4, 9, 0), (11, 9, 0), (18, 9, 0)]
    assert [s.utcoffset() for s in starts] == [datetime.timedelta(hours=h) for h in (-5, -5, -4)]


@pytest.mark.parametrize("count", [0, 61])
def test_a_series_has_between_one_and_sixty_meetings(secretariat, cbftf, count):
    series_before, before = MeetingSeries.objects.count(), meeting_rows()

    with pytest.raises(ValidationError) as refused:
        services.meeting_series_schedule(
            actor=secretariat, body=cbftf, title_en="Too many", first_start=local_time(10),
            duration=datetime.timedelta(hours=1), time_zone=OTTAWA, frequency="weekly", count=count,
        )

    assert list(refused.value.message_dict) == ["count"]
    assert (MeetingSeries.objects.count(), meeting_rows()) == (series_before, before)


@pytest.mark.parametrize("count", [1, pytest.param(60, marks=pytest.mark.slow)])
def test_a_series_may_have_one_or_sixty_meetings(secretariat, cbftf, count):
    series = services.meeting_series_schedule(
        actor=secretariat, body=cbftf, title_en="Just enough", first_start=local_time(10),
        duration=datetime.timedelta(hours=1), time_zone=OTTAWA, frequency="weekly", count=count,
    )

    assert series.meetings.count() == count


def test_a_series_in_an_unknown_time_zone_is_refused_and_nothing_written(secretariat, cbftf):
    series_before, before = MeetingSeries.objects.count(), meeting_rows()

    with pytest.raises(ValidationError) as refused:
        services.meeting_series_schedule(
            actor=secretariat, body=cbftf, title_en="Nowhere", first_start=local_time(10),
            duration=datetime.timedelta(hours=1), time_zone="America/Atlantis", frequency="weekly", count=2,
        )

    assert "time_zone" in refused.value.message_dict
    assert (MeetingSeries.objects.count(), meeting_rows()) == (series_before, before)


def test_only_the_secretariat_schedules_a_series_and_outsiders_are_told_the_body_does_not_exist(cbsa, dea, cbftf):
    arguments = {
        "body": cbftf, "title_en": "Series", "first_start": local_time(10), "duration": datetime.timedelta(hours=1),
        "time_zone": OTTAWA, "frequency": "weekly", "count": 2,
    }
    with pytest.raises(PermissionDenied):
        services.meeting_series_schedule(actor=cbsa, **arguments)
    with pytest.raises(Http404):
        services.meeting_series_schedule(actor=dea, **arguments)
    assert not MeetingSeries.objects.filter(title_en="Series").exists()


# Moving, changing, cancelling ------------------------------------------------------------------


def test_moving_a_meeting_without_a_reason_is_refused_and_changes_nothing(secretariat, meeting):
    before = stored(meeting)

    with pytest.raises(ValidationError) as refused:
        services.meeting_update(
            actor=secretariat, meeting=meeting, reason="  ",
            start=meeting.start + datetime.timedelta(days=1), end=meeting.end + datetime.timedelta(days=1),
        )

    assert list(refused.value.message_dict) == ["reason"]
    after = stored(meeting)
    assert (after.start, after.end, after.sequence, after.change_reason) == (
        before.start, before.end, before.sequence, before.change_reason)


def test_a_moved_meeting_shows_the_reason_and_bumps_its_sequence(secretariat, meeting, cbsa):
    sequence = stored(meeting).sequence
    new_start = meeting.start + datetime.timedelta(days=2, hours=3)

    services.meeting_update(
        actor=secretariat, meeting=meeting, reason="The Embassy room is not available.",
        start=new_start, end=new_start + datetime.timedelta(hours=2),
    )

    seen = selectors.meeting_get(actor=cbsa, pk=meeting.pk)
    assert seen.start == new_start
    assert seen.change_reason == "The Embassy room is not available."
    assert seen.sequence == sequence + 1


def test_changing_the_place_needs_no_reason_but_still_bumps_the_sequence(secretariat, meeting):
    sequence = stored(meeting).sequence

    updated = services.meeting_update(actor=secretariat, meeting=meeting, place="Room 210")

    assert (updated.place, updated.sequence, updated.change_reason) == ("Room 210", sequence + 1, "")


def test_it_refuses_changing_what_is_not_the_meeting_s_own_detail(secretariat, meeting, demo):
    before = stored(meeting)

    for field, value in [
        ("status", Meeting.Status.CANCELLED),
        ("agenda_status", Meeting.AgendaStatus.FINAL),
        ("minutes_status", Meeting.MinutesStatus.APPROVED),
        ("body", demo.bodies["CBCF"]),
    ]:
        with pytest.raises(ValidationError):
            services.meeting_update(actor=secretariat, meeting=meeting, **{field: value})

    after = stored(meeting)
    assert (after.status, after.agenda_status, after.minutes_status, after.body_id, after.sequence) == (
        before.status, before.agenda_status, before.minutes_status, before.body_id, before.sequence)


def test_members_may_not_change_a_meeting(cbsa, meeting):
    with pytest.raises(PermissionDenied):
        services.meeting_update(actor=cbsa, meeting=meeting, place="Elsewhere")
    assert stored(meeting).place == ""


def test_removing_an_agency_from_the_invitees_hides_the_meeting_from_it(secretariat, meeting, demo, rcmp, cbsa):
    assert meeting.pk in visible_meeting_ids(rcmp)

    services.meeting_update(
        actor=secretariat, meeting=meeting, invite_agencies=[demo.agencies["CBSA"], demo.agencies["ATF"]],
    )

    assert meeting.pk not in visible_meeting_ids(rcmp)
    with pytest.raises(Http404):
        selectors.meeting_get(actor=rcmp, pk=meeting.pk)
    assert meeting.pk in visible_meeting_ids(cbsa)
    assert {str(i) for i in selectors.invitations(actor=secretariat, meeting=meeting)} == {"CBSA", "ATF"}


def test_removing_a_person_invited_by_name_hides_the_meeting_from_them(secretariat, schedule, rcmp, cbsa):
    meeting = schedule(invite=("CBSA",), invite_people=[rcmp])

    services.meeting_update(actor=secretariat, meeting=meeting, invite_people=[])

    assert meeting.pk not in visible_meeting_ids(rcmp)
    assert meeting.pk in visible_meeting_ids(cbsa)


def test_inviting_a_foreign_agency_on_update_is_refused_and_changes_nothing(secretariat, meeting, demo, rcmp):
    before = stored(meeting)

    with pytest.raises(ValidationError):
        services.meeting_update(
            actor=secretariat, meeting=meeting, place="Room 5", invite_agencies=[demo.agencies["DEA"]],
        )

    after = stored(meeting)
    assert (after.place, after.sequence) == (before.place, before.sequence)
    assert meeting.pk in visible_meeting_ids(rcmp)


def test_cancelling_keeps_the_reason_for_invitees(secretariat, meeting, cbsa):
    services.meeting_cancel(actor=secretariat, meeting=meeting, reason="Postponed to the new year.")

    seen = selectors.meeting_get(actor=cbsa, pk=meeting.pk)
    assert seen.is_cancelled
    assert seen.change_reason == "Postponed to the new year."
    assert meeting.pk not in set(
        selectors.meeting_list(actor=cbsa, include_cancelled=False).values_list("pk", flat=True))


def test_cancelling_needs_a_reason(secretariat, meeting):
    with pytest.raises(ValidationError) as refused:
        services.meeting_cancel(actor=secretariat, meeting=meeting, reason="")

    assert list(refused.value.message_dict) == ["reason"]
    assert stored(meeting).status == Meeting.Status.SCHEDULED


def test_a_cancelled_meeting_refuses_every_further_change(secretariat, circulated, cbsa):
    meeting = circulated.meeting
    services.meeting_cancel(actor=secretariat, meeting=meeting, reason="Postponed.")
    before = stored(meeting)

    refusals = [
        lambda: services.meeting_update(actor=secretariat, meeting=meeting, place="Room 5"),
        lambda: services.meeting_cancel(actor=secretariat, meeting=meeting, reason="Again."),
        lambda: services.agenda_item_add(actor=secretariat, meeting=meeting, title_en="Late item"),
        lambda: services.agenda_finalise(actor=secretariat, meeting=meeting),
        lambda: services.comment_add(actor=cbsa, item=circulated.roundtable, text="Still on?"),
        lambda: services.rsvp_set(actor=cbsa, meeting=meeting, response="in_person"),
    ]
    for refused in refusals:
        with pytest.raises(ValidationError):
            refused()

    after = stored(meeting)
    assert (after.status, after.change_reason, after.sequence, after.agenda_status) == (
        Meeting.Status.CANCELLED, "Postponed.", before.sequence, Meeting.AgendaStatus.CIRCULATED)
    assert agenda_titles(secretariat, meeting) == ["Roundtable", "CBSA–ATF MOU: status"]
    assert not Rsvp.objects.filter(meeting=meeting).exists()
    assert not Comment.objects.filter(item__meeting=meeting).exists()


# Agenda ----------------------------------------------------------------------------------------


def test_items_are_added_at_the_end_of_the_agenda(secretariat, meeting, add_item):
    for title in ("Opening", "Threat picture", "Next steps"):
        add_item(meeting, title)

    items = list(selectors.agenda_items(actor=secretariat, meeting=meeting))
    assert [(i.position, i.title_en) for i in items] == [(1, "Opening"), (2, "Threat picture"), (3, "Next steps")]


def test_only_the_secretariat_edits_the_agenda(cbsa, meeting, add_item):
    item = add_item(meeting, "Opening")

    with pytest.raises(PermissionDenied):
        services.agenda_item_add(actor=cbsa, meeting=meeting, title_en="Our own item")
    with pytest.raises(PermissionDenied):
        services.agenda_item_update(actor=cbsa, item=item, version=item.version, title_en="Changed")
    with pytest.raises(PermissionDenied):
        services.agenda_item_withdraw(actor=cbsa, item=item)

    assert list(AgendaItem.objects.filter(meeting=meeting).values_list("title_en", flat=True)) == ["Opening"]


def test_a_presenter_must_take_part_in_the_body(secretariat, meeting, dea, demo):
    with pytest.raises(ValidationError):
        services.agenda_item_add(actor=secretariat, meeting=meeting, title_en="Guest talk", presenter=dea)
    with pytest.raises(ValidationError):
        services.agenda_item_add(
            actor=secretariat, meeting=meeting, title_en="Guest talk", presenter_agency=demo.agencies["DEA"])
    assert not AgendaItem.objects.filter(meeting=meeting).exists()


def test_restricting_an_item_to_an_agency_outside_the_body_writes_nothing(secretariat, meeting, demo):
    with pytest.raises(ValidationError):
        services.agenda_item_add(
            actor=secretariat, meeting=meeting, title_en="Secret", restricted_to=[demo.agencies["DEA"]])
    assert not AgendaItem.objects.filter(meeting=meeting).exists()


def test_moving_an_item_reorders_the_agenda_and_closes_gaps(secretariat, meeting, add_item):
    opening, threat, mou, closing = (add_item(meeting, t) for t in ("Opening", "Threat", "MOU", "Closing"))
    services.agenda_item_withdraw(actor=secretariat, item=threat)  # a draft item is removed, leaving a gap

    services.agenda_item_move(actor=secretariat, item=closing, position=1)

    items = list(selectors.agenda_items(actor=secretariat, meeting=meeting))
    assert [(i.position, i.title_en) for i in items] == [(1, "Closing"), (2, "Opening"), (3, "MOU")]


def test_moving_an_item_past_the_end_puts_it_last(secretariat, meeting, add_item):
    first, second, third = (add_item(meeting, t) for t in ("First", "Second", "Third"))

    moved = services.agenda_item_move(actor=secretariat, item=first, position=99)

    assert moved.position == 3
    assert agenda_titles(secretariat, meeting) == ["Second", "Third", "First"]


def test_withdrawing_an_item_from_a_draft_agenda_deletes_it(secretariat, meeting, add_item):
    add_item(meeting, "Keep")
    drop = add_item(meeting, "Drop")

    services.agenda_item_withdraw(actor=secretariat, item=drop)

    assert agenda_titles(secretariat, meeting) == ["Keep"]
    assert not AgendaItem.objects.filter(pk=drop.pk).exists()
    assert not AgendaChange.objects.filter(item__meeting=meeting).exists()


def test_withdrawing_a_circulated_item_keeps_it_on_the_record_as_withdrawn(secretariat, circulated, rcmp):
    services.agenda_item_withdraw(actor=secretariat, item=circulated.roundtable)

    items = {i.title_en: i for i in selectors.agenda_items(actor=rcmp, meeting=circulated.meeting)}
    assert items["Roundtable"].withdrawn
    assert items["Roundtable"].changed_after_circulation
    changes = list(selectors.agenda_changes(actor=rcmp, meeting=circulated.meeting))
    assert [(c.item.title_en, c.kind, c.changed_by) for c in changes] == [
        ("Roundtable", AgendaChange.Kind.WITHDRAWN, secretariat)]


def test_a_withdrawn_item_can_no_longer_be_edited(secretariat, circulated):
    services.agenda_item_withdraw(actor=secretariat, item=circulated.roundtable)
    item = AgendaItem.objects.get(pk=circulated.roundtable.pk)

    with pytest.raises(ValidationError):
        services.agenda_item_update(actor=secretariat, item=item, version=item.version, title_en="Back")

    assert AgendaItem.objects.get(pk=item.pk).title_en == "Roundtable"


def test_changes_to_a_draft_agenda_are_not_recorded_as_changes(secretariat, meeting, add_item):
    first = add_item(meeting, "First")
    add_item(meeting, "Second")
    services.agenda_item_update(actor=secretariat, item=first, version=first.version, title_en="First, edited")
    services.agenda_item_move(actor=secretariat, item=first, position=2)
    services.paper_upload(actor=secretariat, item=first, title="Notes", upload=pdf())

    assert not AgendaChange.objects.filter(item__meeting=meeting).exists()
    assert not AgendaItem.objects.filter(meeting=meeting, changed_after_circulation=True).exists()


def test_changes_after_circulation_are_recorded_and_marked(secretariat, circulated, add_item, cbsa):
    meeting, roundtable = circulated.meeting, circulated.roundtable
    added = add_item(meeting, "Late item")
    services.agenda_item_update(
        actor=secretariat, item=roundtable, version=roundtable.version, title_en="Roundtable and other business")
    services.agenda_item_move(actor=secretariat, item=added, position=1)
    services.paper_upload(actor=secretariat, item=added, title="Late paper", upload=pdf())

    changes = list(selectors.agenda_changes(actor=cbsa, meeting=meeting))
    assert sorted((c.item_id, c.kind) for c in changes) == sorted([
        (added.pk, AgendaChange.Kind.ADDED),
        (roundtable.pk, AgendaChange.Kind.EDITED),
        (added.pk, AgendaChange.Kind.MOVED),
        (added.pk, AgendaChange.Kind.PAPER_ADDED),
    ])
    marked = {i.title_en for i in selectors.agenda_items(actor=cbsa, meeting=meeting) if i.changed_after_circulation}
    assert marked == {"Late item", "Roundtable and other business"}


def test_an_edit_that_changes_nothing_is_not_recorded_as_a_change(secretariat, circulated):
    item = circulated.roundtable

    services.agenda_item_update(actor=secretariat, item=item, version=item.version, title_en=item.title_en)

    assert not AgendaChange.objects.filter(item=item).exists()


def test_a_draft_agenda_is_hidden_from_members_until_it_is_circulated(secretariat, meeting, add_item, cbsa, rcmp):
    item = add_item(meeting, "Opening")

    for member in (cbsa, rcmp):
        assert agenda_titles(member, meeting) == []
        with pytest.raises(Http404):
            selectors.agenda_item_get(actor=member, pk=item.pk)
    assert agenda_titles(secretariat, meeting) == ["Opening"]

    circulated = services.agenda_circulate(actor=secretariat, meeting=meeting)

    assert circulated.agenda_status == Meeting.AgendaStatus.CIRCULATED
    assert circulated.agenda_circulated_by == secretariat
    assert circulated.agenda_circulated_at is not None
    for member in (cbsa, rcmp):
        assert agenda_titles(member, meeting) == ["Opening"]
        assert selectors.agenda_item_get(actor=member, pk=item.pk) == item
    assert [m.pk for m in selectors.agendas_to_review(actor=rcmp)].count(meeting.pk) == 1


def test_an_empty_agenda_cannot_be_circulated(secretariat, meeting):
    with pytest.raises(ValidationError) as refused:
        services.agenda_circulate(actor=secretariat, meeting=meeting)

    assert refused.value.messages == ["Add at least one item before circulating the agenda."]
    assert stored(meeting).agenda_status == Meeting.AgendaStatus.DRAFT


def test_only_a_draft_agenda_can_be_circulated(secretariat, circulated):
    first_circulation = stored(circulated.meeting).agenda_circulated_at

    with pytest.raises(ValidationError):
        services.agenda_circulate(actor=secretariat, meeting=circulated.meeting)
    services.agenda_finalise(actor=secretariat, meeting=circulated.meeting)
    with pytest.raises(ValidationError):
        services.agenda_circulate(actor=secretariat, meeting=circulated.meeting)

    after = stored(circulated.meeting)
    assert (after.agenda_status, after.agenda_circulated_at) == (Meeting.AgendaStatus.FINAL, first_circulation)


def test_members_may_not_circulate_or_finalise_the_agenda(cbsa, meeting, add_item, secretariat):
    add_item(meeting, "Opening")
    with pytest.raises(PermissionDenied):
        services.agenda_circulate(actor=cbsa, meeting=meeting)
    services.agenda_circulate(actor=secretariat, meeting=meeting)
    with pytest.raises(PermissionDenied):
        services.agenda_finalise(actor=cbsa, meeting=meeting)
    assert stored(meeting).agenda_status == Meeting.AgendaStatus.CIRCULATED


def test_only_a_circulated_agenda_can_be_made_final(secretariat, meeting, add_item):
    add_item(meeting, "Opening")

    with pytest.raises(ValidationError) as refused:
        services.agenda_finalise(actor=secretariat, meeting=meeting)
    assert refused.value.messages == ["Only a circulated agenda can be made final."]
    assert stored(meeting).agenda_status == Meeting.AgendaStatus.DRAFT

    services.agenda_circulate(actor=secretariat, meeting=meeting)
    final = services.agenda_finalise(actor=secretariat, meeting=meeting)
    assert final.agenda_status == Meeting.AgendaStatus.FINAL
    assert final.agenda_finalised_at is not None

    with pytest.raises(ValidationError):
        services.agenda_finalise(actor=secretariat, meeting=meeting)


def test_a_final_agenda_refuses_every_edit(secretariat, circulated):
    meeting, item = circulated.meeting, circulated.roundtable
    services.agenda_finalise(actor=secretariat, meeting=meeting)
    before = list(AgendaItem.objects.filter(meeting=meeting).values_list("title_en", "position", "withdrawn", "version"))

    refusals = [
        lambda: services.agenda_item_add(actor=secretariat, meeting=meeting, title_en="Late item"),
        lambda: services.agenda_item_update(actor=secretariat, item=item, version=item.version, title_en="Changed"),
        lambda: services.agenda_item_move(actor=secretariat, item=item, position=2),
        lambda: services.agenda_item_withdraw(actor=secretariat, item=item),
        lambda: services.paper_upload(actor=secretariat, item=item, title="Late paper", upload=pdf()),
    ]
    for refused in refusals:
        with pytest.raises(ValidationError) as error:
            refused()
        assert error.value.messages == ["The agenda is final and can no longer change."]

    after = list(AgendaItem.objects.filter(meeting=meeting).values_list("title_en", "position", "withdrawn", "version"))
    assert after == before
    assert not Paper.objects.filter(item__meeting=meeting).exists()
    assert not AgendaChange.objects.filter(item__meeting=meeting).exists()


# Optimistic lock -------------------------------------------------------------------------------


def test_a_save_from_a_stale_version_is_refused_and_the_first_save_is_kept(secretariat, meeting, add_item, cbsa):
    item = add_item(meeting, "Threat picture")
    opened_at = item.version

    services.agenda_item_update(actor=secretariat, item=item, version=opened_at, title_en="Threat picture: seizures")
    with pytest.raises(ConflictError) as refused:
        services.agenda_item_update(actor=secretariat, item=item, version=opened_at, title_en="Threat picture: trends")

    assert refused.value.code == "conflict"
    kept = AgendaItem.objects.get(pk=item.pk)
    assert (kept.title_en, kept.version) == ("Threat picture: seizures", opened_at + 1)


def test_each_save_moves_the_version_on(secretariat, meeting, add_item):
    item = add_item(meeting, "Opening")

    once = services.agenda_item_update(actor=secretariat, item=item, version=item.version, minutes_allotted=20)
    twice = services.agenda_item_update(actor=secretariat, item=once, version=once.version, description="Welcome")

    assert (twice.version, twice.minutes_allotted, twice.description) == (item.version + 2, 20, "Welcome")


@pytest.mark.parametrize(
    "field, value",
    [("position", 7), ("restricted", True), ("withdrawn", True), ("minutes", "Decided"), ("meeting_id", 1)],
)
def test_it_refuses_editing_fields_that_are_not_editable(secretariat, meeting, add_item, field, value):
    item = add_item(meeting, "Opening")
    before = AgendaItem.objects.filter(pk=item.pk).values().get()

    with pytest.raises(ValidationError) as refused:
        services.agenda_item_update(actor=secretariat, item=item, version=item.version, **{field: value})

    assert refused.value.messages == [f"These fields cannot be edited: {field}."]
    assert AgendaItem.objects.filter(pk=item.pk).values().get() == before


# Restricted items ------------------------------------------------------------------------------


def test_restricting_an_item_later_hides_it_and_lifting_the_restriction_shows_it(secretariat, circulated, demo, rcmp):
    item = circulated.roundtable

    updated = services.agenda_item_update(
        actor=secretariat, item=item, version=item.version, restricted_to=[demo.agencies["CBSA"]])
    assert "Roundtable" not in agenda_titles(rcmp, circulated.meeting)

    services.agenda_item_update(actor=secretariat, item=updated, version=updated.version, restricted_to=[])
    assert "Roundtable" in agenda_titles(rcmp, circulated.meeting)


def test_decisions_and_actions_from_a_restricted_item_follow_its_restriction(
    secretariat, schedule, add_item, demo, atf, rcmp, cbsa
):
    meeting = schedule(days=-3)
    mou = add_item(meeting, "MOU", restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]])
    services.agenda_circulate(actor=secretariat, meeting=meeting)
    decision = services.decision_record(actor=secretariat, meeting=meeting, item=mou, text="Send the MOU to ATF.")
    action = services.action_item_record(
        actor=secretariat, meeting=meeting, item=mou, owner=cbsa, owner_agency=demo.agencies["CBSA"],
        text="Share the draft MOU with ATF.",
    )
    services.minutes_approve(actor=secretariat, meeting=meeting)

    for granted in (cbsa, atf, secretariat):
        assert decision in selectors.decision_register(actor=granted)
        assert action in selectors.action_register(actor=granted)
    assert decision not in selectors.decision_register(actor=rcmp)
    assert action not in selectors.action_register(actor=rcmp)
    assert decision not in selectors.decisions(actor=rcmp, meeting=meeting)
    with pytest.raises(Http404):
        selectors.action_item_get(actor=rcmp, pk=action.pk)

    # They follow the item, not a copy of its restriction made when they were recorded.
    services.agenda_item_update(actor=secretariat, item=mou, version=AgendaItem.objects.get(pk=mou.pk).version,
                                restricted_to=[])
    assert decision in selectors.decision_register(actor=rcmp)
    assert action in selectors.action_register(actor=rcmp)


# Papers ----------------------------------------------------------------------------------------


def test_a_paper_is_stored_under_a_name_the_server_chose(secretariat, circulated, media_root, cbsa):
    paper = services.paper_upload(
        actor=secretariat, item=circulated.roundtable, title="Seizure statistics",
        upload=pdf("seizures-q3 FINAL (RCMP).pdf"),
    )

    assert paper.original_name == "seizures-q3 FINAL (RCMP).pdf"
    assert paper.content_type == "application/pdf"
    for part in ("seizures", "FINAL", "RCMP", ".pdf"):
        assert part not in paper.file.name
    assert paper.file.name.startswith(f"papers/{circulated.meeting.pk}/")
    assert (media_root / paper.file.name).read_bytes() == tiny_pdf("A paper")
    assert [p.title for p in selectors.item_papers(actor=cbsa, item=circulated.roundtable)] == ["Seizure statistics"]


def test_a_paper_without_a_title_is_called_by_its_file_name(secretariat, circulated):
    paper = services.paper_upload(actor=secretariat, item=circulated.roundtable, title=" ", upload=pdf("notes.pdf"))

    assert paper.title == "notes.pdf"


def test_nobody_marks_a_paper_above_their_own_clearance(secretariat, circulated, media_root):
    User.objects.filter(pk=secretariat.pk).update(clearance=Classification.PROTECTED_A)
    secretariat.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        services.paper_upload(
            actor=secretariat, item=circulated.roundtable, title="Threat assessment", upload=pdf(),
            classification=Classification.PROTECTED_B,
        )

    assert list(refused.value.message_dict) == ["classification"]
    assert not Paper.objects.filter(item=circulated.roundtable).exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_a_refused_file_type_leaves_nothing_behind(secretariat, circulated, media_root):
    with pytest.raises(ValidationError):
        services.paper_upload(
            actor=secretariat, item=circulated.roundtable, title="Tool",
            upload=SimpleUploadedFile("tool.pdf", b"MZ\x90\x00" + b"\x00" * 200),
        )

    assert not Paper.objects.filter(item=circulated.roundtable).exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))
    assert not AgendaChange.objects.filter(item=circulated.roundtable).exists()


def test_members_may_not_upload_papers(cbsa, circulated):
    with pytest.raises(PermissionDenied):
        services.paper_upload(actor=cbsa, item=circulated.roundtable, title="Ours", upload=pdf())
    assert not Paper.objects.filter(item=circulated.roundtable).exists()


# Comments --------------------------------------------------------------------------------------


def test_members_comment_on_a_circulated_agenda_and_others_read_it(circulated, cbsa, rcmp):
    services.comment_add(actor=cbsa, item=circulated.roundtable, text="  CBSA will report on Q3 seizures.  ")

    comments = list(selectors.item_comments(actor=rcmp, item=circulated.roundtable))
    assert [(c.author, c.text) for c in comments] == [(cbsa, "CBSA will report on Q3 seizures.")]


def test_a_draft_agenda_takes_no_comments(secretariat, meeting, add_item, rcmp):
    item = add_item(meeting, "Opening")

    with pytest.raises(Http404):  # members cannot see a draft item at all
        services.comment_add(actor=rcmp, item=item, text="Early thoughts")
    with pytest.raises(ValidationError) as refused:
        services.comment_add(actor=secretariat, item=item, text="Early thoughts")

    assert refused.value.messages == ["Comments are open only while the agenda is circulated."]
    assert not Comment.objects.filter(item=item).exists()


def test_a_final_agenda_takes_no_comments(secretariat, circulated, cbsa):
    services.agenda_finalise(actor=secretariat, meeting=circulated.meeting)

    with pytest.raises(ValidationError) as refused:
        services.comment_add(actor=cbsa, item=circulated.roundtable, text="Too late")

    assert refused.value.messages == ["Comments are open only while the agenda is circulated."]
    assert not Comment.objects.filter(item=circulated.roundtable).exists()


@pytest.mark.parametrize("username", ["rcmp", "hsi", "cbp", "dea"])
def test_only_those_who_see_a_restricted_item_may_comment_on_it(circulated, demo, username):
    with pytest.raises(Http404):
        services.comment_add(actor=demo.users[username], item=circulated.mou, text="Where is the MOU?")
    assert not Comment.objects.filter(item=circulated.mou).exists()


def test_an_empty_comment_is_refused(circulated, cbsa):
    with pytest.raises(ValidationError) as refused:
        services.comment_add(actor=cbsa, item=circulated.roundtable, text=" \n ")

    assert list(refused.value.message_dict) == ["text"]
    assert not Comment.objects.filter(item=circulated.roundtable).exists()


def test_a_withdrawn_item_takes_no_comments(secretariat, circulated, cbsa):
    services.agenda_item_withdraw(actor=secretariat, item=circulated.roundtable)

    with pytest.raises(ValidationError):
        services.comment_add(actor=cbsa, item=circulated.roundtable, text="Why?")
    assert not Comment.objects.filter(item=circulated.roundtable).exists()


# RSVP ------------------------------------------------------------------------------------------


def my_answer(user: User, meeting: Meeting) -> str | None:
    return selectors.meeting_get(actor=user, pk=meeting.pk).my_rsvp


def test_an_invitee_answers_and_sees_their_answer(meeting, cbsa, secretariat):
    services.rsvp_set(actor=cbsa, meeting=meeting, response="remote", note=" From Ottawa ")

    assert my_answer(cbsa, meeting) == "remote"
    assert [(r.user, r.response, r.note) for r in selectors.rsvps(actor=secretariat, meeting=meeting)] == [
        (cbsa, "remote", "From Ottawa")]


def test_someone_with_no_role_in_the_body_cannot_answer(meeting, dea, outsider):
    for person in (dea, outsider):
        with pytest.raises(Http404):
            services.rsvp_set(actor=person, meeting=meeting, response="in_person")
    assert not Rsvp.objects.filter(meeting=meeting).exists()


def test_a_member_whose_agency_is_not_invited_cannot_answer(schedule, rcmp):
    meeting = schedule(invite=("CBSA", "ATF"))

    with pytest.raises(Http404):
        services.rsvp_set(actor=rcmp, meeting=meeting, response="in_person")
    assert not Rsvp.objects.filter(meeting=meeting).exists()


def test_the_secretariat_answers_only_for_meetings_it_is_invited_to(schedule, secretariat):
    meeting = schedule(invite=("ATF",))

    with pytest.raises(PermissionDenied):
        services.rsvp_set(actor=secretariat, meeting=meeting, response="in_person")
    assert not Rsvp.objects.filter(meeting=meeting).exists()


def test_an_invitee_may_send_another_member_of_their_agency(meeting, cbsa, other_cbsa_member):
    rsvp = services.rsvp_set(actor=cbsa, meeting=meeting, response="delegate", delegate=other_cbsa_member)

    assert (rsvp.response, rsvp.delegate) == ("delegate", other_cbsa_member)
    assert my_answer(cbsa, meeting) == "delegate"


def test_a_delegate_from_another_agency_is_refused(meeting, cbsa, atf):
    with pytest.raises(ValidationError) as refused:
        services.rsvp_set(actor=cbsa, meeting=meeting, response="delegate", delegate=atf)

    assert refused.value.message_dict == {"delegate": ["The delegate must be another member of your agency."]}
    assert not Rsvp.objects.filter(meeting=meeting).exists()


def test_one_cannot_be_one_s_own_delegate(meeting, cbsa):
    with pytest.raises(ValidationError):
        services.rsvp_set(actor=cbsa, meeting=meeting, response="delegate", delegate=cbsa)
    assert not Rsvp.objects.filter(meeting=meeting).exists()


def test_sending_a_delegate_without_naming_one_is_refused(meeting, cbsa):
    with pytest.raises(ValidationError) as refused:
        services.rsvp_set(actor=cbsa, meeting=meeting, response="delegate")

    assert refused.value.message_dict == {"delegate": ["Name the delegate who will attend."]}
    assert not Rsvp.objects.filter(meeting=meeting).exists()


def test_an_unknown_answer_is_refused(meeting, cbsa):
    with pytest.raises(ValidationError):
        services.rsvp_set(actor=cbsa, meeting=meeting, response="maybe")
    assert not Rsvp.objects.filter(meeting=meeting).exists()


def test_nobody_answers_for_a_meeting_that_has_taken_place(past_meeting, cbsa):
    with pytest.raises(ValidationError) as refused:
        services.rsvp_set(actor=cbsa, meeting=past_meeting, response="in_person")

    assert refused.value.messages == ["This meeting has already taken place."]
    assert not Rsvp.objects.filter(meeting=past_meeting).exists()


def test_a_new_answer_replaces_the_previous_one(meeting, cbsa, other_cbsa_member, secretariat):
    services.rsvp_set(actor=cbsa, meeting=meeting, response="delegate", delegate=other_cbsa_member)
    services.rsvp_set(actor=cbsa, meeting=meeting, response="in_person", delegate=other_cbsa_member)

    answers = list(selectors.rsvps(actor=secretariat, meeting=meeting))
    assert [(r.user, r.response, r.delegate) for r in answers] == [(cbsa, "in_person", None)]
    assert my_answer(cbsa, meeting) == "in_person"


# Attendance and quorum -------------------------------------------------------------------------


def test_quorum_counts_the_agencies_present(secretariat, past_meeting, cbftf, cbsa, atf, rcmp):
    cbftf.quorum = 3
    cbftf.save(update_fields=["quorum"])

    services.attendance_record(
        actor=secretariat, meeting=past_meeting, present={secretariat: "in_person", cbsa: "in_person", atf: "remote"})
    meeting = selectors.meeting_get(actor=cbsa, pk=past_meeting.pk)
    assert selectors.quorum(actor=cbsa, meeting=meeting) == selectors.Quorum(agencies_present=2, required=3)
    assert selectors.quorum(actor=cbsa, meeting=meeting).met is False

    services.attendance_record(
        actor=secretariat, meeting=past_meeting,
        present={secretariat: "in_person", cbsa: "in_person", atf: "remote", rcmp: "in_person"},
    )
    assert selectors.quorum(actor=cbsa, meeting=meeting).met is True


def test_a_body_without_a_quorum_rule_neither_meets_nor_misses_it(secretariat, past_meeting, cbsa):
    services.attendance_record(actor=secretariat, meeting=past_meeting, present={cbsa: "in_person"})

    assert selectors.quorum(actor=cbsa, meeting=past_meeting).met is None


def test_recording_attendance_replaces_the_list(secretariat, past_meeting, cbsa, atf, rcmp):
    services.attendance_record(actor=secretariat, meeting=past_meeting, present={cbsa: "in_person", atf: "remote"})
    services.attendance_record(actor=secretariat, meeting=past_meeting, present={atf: "in_person", rcmp: "remote"})

    rows = selectors.attendance(actor=rcmp, meeting=past_meeting)
    assert sorted((r.user.username, r.agency.acronym, r.mode) for r in rows) == [
        ("atf", "ATF", "in_person"), ("rcmp", "RCMP", "remote")]


@pytest.mark.parametrize("username", ["dea", "outsider"])
def test_people_outside_the_body_cannot_be_recorded_as_present(secretariat, past_meeting, cbsa, demo, outsider,
                                                               username):
    person = outsider if username == "outsider" else demo.users[username]

    with pytest.raises(ValidationError):
        services.attendance_record(actor=secretariat, meeting=past_meeting, present={cbsa: "in_person", person: "remote"})

    assert not Attendance.objects.filter(meeting=past_meeting).exists()


def test_an_unknown_way_of_attending_is_refused(secretariat, past_meeting, cbsa):
    with pytest.raises(ValidationError):
        services.attendance_record(actor=secretariat, meeting=past_meeting, present={cbsa: "by carrier pigeon"})
    assert not Attendance.objects.filter(meeting=past_meeting).exists()


def test_members_may_not_record_attendance(cbsa, past_meeting):
    with pytest.raises(PermissionDenied):
        services.attendance_record(actor=cbsa, meeting=past_meeting, present={cbsa: "in_person"})
    assert not Attendance.objects.filter(meeting=past_meeting).exists()


# Minutes ---------------------------------------------------------------------------------------


@pytest.fixture
def held(secretariat, past_meeting, add_item):
    """A meeting held three days ago whose agenda was circulated and made final; minutes still a draft."""
    item = add_item(past_meeting, "Joint Border Threat Assessment")
    services.agenda_circulate(actor=secretariat, meeting=past_meeting)
    services.agenda_finalise(actor=secretariat, meeting=past_meeting)
    return item


def test_minutes_are_saved_then_approved(secretariat, past_meeting, held, cbsa):
    services.minutes_save(actor=secretariat, meeting=past_meeting, minutes={held.pk: "Members agreed on a scope."})
    approved = services.minutes_approve(actor=secretariat, meeting=past_meeting)

    assert approved.minutes_status == Meeting.MinutesStatus.APPROVED
    assert approved.minutes_approved_by == secretariat
    assert approved.minutes_approved_at is not None
    [item] = selectors.agenda_items(actor=cbsa, meeting=past_meeting)
    assert item.minutes == "Members agreed on a scope."


def test_minutes_cannot_name_an_item_of_another_meeting(secretariat, past_meeting, held, circulated):
    with pytest.raises(ValidationError):
        services.minutes_save(
            actor=secretariat, meeting=past_meeting, minutes={held.pk: "Ours", circulated.roundtable.pk: "Theirs"})

    assert AgendaItem.objects.get(pk=held.pk).minutes == ""
    assert AgendaItem.objects.get(pk=circulated.roundtable.pk).minutes == ""


def test_minutes_cannot_be_approved_before_the_meeting_starts(secretariat, circulated):
    with pytest.raises(ValidationError) as refused:
        services.minutes_approve(actor=secretariat, meeting=circulated.meeting)

    assert refused.value.messages == ["Minutes can be approved only after the meeting has started."]
    assert stored(circulated.meeting).minutes_status == Meeting.MinutesStatus.DRAFT


def test_members_may_not_approve_minutes(cbsa, past_meeting, held):
    with pytest.raises(PermissionDenied):
        services.minutes_approve(actor=cbsa, meeting=past_meeting)
    assert stored(past_meeting).minutes_status == Meeting.MinutesStatus.DRAFT


def test_approved_minutes_freeze_the_record(secretariat, past_meeting, held, demo, cbsa, atf):
    services.attendance_record(actor=secretariat, meeting=past_meeting, present={cbsa: "in_person"})
    services.minutes_save(actor=secretariat, meeting=past_meeting, minutes={held.pk: "Agreed."})
    services.minutes_approve(actor=secretariat, meeting=past_meeting)

    refusals = [
        lambda: services.minutes_save(actor=secretariat, meeting=past_meeting, minutes={held.pk: "Rewritten."}),
        lambda: services.attendance_record(actor=secretariat, meeting=past_meeting, present={atf: "remote"}),
        lambda: services.decision_record(actor=secretariat, meeting=past_meeting, text="An afterthought."),
        lambda: services.action_item_record(
            actor=secretariat, meeting=past_meeting, text="An afterthought.", owner_agency=demo.agencies["ATF"]),
        lambda: services.minutes_approve(actor=secretariat, meeting=past_meeting),
    ]
    for refused in refusals:
        with pytest.raises(ValidationError) as error:
            refused()
        assert error.value.messages == ["The minutes are approved; the record can no longer change."]

    assert AgendaItem.objects.get(pk=held.pk).minutes == "Agreed."
    assert [a.user for a in selectors.attendance(actor=cbsa, meeting=past_meeting)] == [cbsa]
    assert not Decision.objects.filter(meeting=past_meeting).exists()
    assert not ActionItem.objects.filter(meeting=past_meeting).exists()


def test_decisions_reach_members_only_with_the_approved_minutes(secretariat, past_meeting, held, cbsa):
    decision = services.decision_record(
        actor=secretariat, meeting=past_meeting, item=held, text="  Issue the assessment in Spring 2022.  ")

    assert decision.text == "Issue the assessment in Spring 2022."
    assert decision in selectors.decision_register(actor=secretariat)
    assert decision not in selectors.decision_register(actor=cbsa)
    assert list(selectors.decisions(actor=cbsa, meeting=past_meeting)) == []

    services.minutes_approve(actor=secretariat, meeting=past_meeting)

    assert decision in selectors.decision_register(actor=cbsa)
    assert list(selectors.decisions(actor=cbsa, meeting=past_meeting)) == [decision]


def test_a_decision_cannot_come_from_an_item_of_another_meeting(secretariat, past_meeting, circulated):
    with pytest.raises(ValidationError):
        services.decision_record(
            actor=secretariat, meeting=past_meeting, item=circulated.roundtable, text="Mixed up.")
    assert not Decision.objects.filter(meeting=past_meeting).exists()


# Action items ----------------------------------------------------------------------------------


@pytest.fixture
def cbsa_action(secretariat, past_meeting, held, demo, cbsa) -> ActionItem:
    return services.action_item_record(
        actor=secretariat, meeting=past_meeting, item=held, owner=cbsa, owner_agency=demo.agencies["CBSA"],
        due_date=timezone.localdate() + datetime.timedelta(days=14), text="Circulate a draft outline.",
    )


def test_action_items_reach_the_owner_as_soon_as_they_are_recorded(cbsa_action, cbsa, rcmp):
    assert cbsa_action in selectors.my_action_items(actor=cbsa)
    assert cbsa_action in selectors.action_register(actor=rcmp)


def test_an_owner_must_belong_to_the_owner_agency(secretariat, past_meeting, demo, atf):
    with pytest.raises(ValidationError) as refused:
        services.action_item_record(
            actor=secretariat, meeting=past_meeting, owner=atf, owner_agency=demo.agencies["CBSA"], text="Mismatch")

    assert refused.value.message_dict == {"owner": ["The owner must belong to the owner agency."]}
    assert not ActionItem.objects.filter(meeting=past_meeting).exists()


def test_an_owner_agency_must_take_part_in_the_body(secretariat, past_meeting, demo, dea):
    with pytest.raises(ValidationError):
        services.action_item_record(
            actor=secretariat, meeting=past_meeting, owner=dea, owner_agency=demo.agencies["DEA"], text="Outside")
    assert not ActionItem.objects.filter(meeting=past_meeting).exists()


def test_the_owner_marks_their_action_done(cbsa_action, cbsa):
    done = services.action_item_set_status(actor=cbsa, action=cbsa_action, status="done")

    assert done.status == ActionItem.Status.DONE
    assert done.completed_at is not None
    assert cbsa_action not in selectors.my_action_items(actor=cbsa)
    assert selectors.action_item_get(actor=cbsa, pk=cbsa_action.pk).completed_at == done.completed_at


def test_reopening_an_action_clears_its_completion(cbsa_action, cbsa):
    services.action_item_set_status(actor=cbsa, action=cbsa_action, status="done")
    reopened = services.action_item_set_status(actor=cbsa, action=cbsa_action, status="in_progress")

    assert (reopened.status, reopened.completed_at) == (ActionItem.Status.IN_PROGRESS, None)


@pytest.mark.parametrize("username", ["atf", "rcmp", "other_cbsa"])
def test_another_member_may_not_update_someone_else_s_action(cbsa_action, demo, other_cbsa_member, username):
    actor = other_cbsa_member if username == "other_cbsa" else demo.users[username]

    with pytest.raises(PermissionDenied):
        services.action_item_set_status(actor=actor, action=cbsa_action, status="done")

    assert ActionItem.objects.get(pk=cbsa_action.pk).status == ActionItem.Status.OPEN


def test_anyone_of_the_owner_agency_updates_an_action_with_no_named_owner(
    secretariat, past_meeting, demo, other_cbsa_member, atf
):
    action = services.action_item_record(
        actor=secretariat, meeting=past_meeting, owner_agency=demo.agencies["CBSA"], text="Someone at CBSA")

    with pytest.raises(PermissionDenied):
        services.action_item_set_status(actor=atf, action=action, status="done")
    services.action_item_set_status(actor=other_cbsa_member, action=action, status="in_progress")

    assert ActionItem.objects.get(pk=action.pk).status == ActionItem.Status.IN_PROGRESS


def test_the_secretariat_updates_any_action(cbsa_action, secretariat):
    services.action_item_set_status(actor=secretariat, action=cbsa_action, status="done")

    assert ActionItem.objects.get(pk=cbsa_action.pk).status == ActionItem.Status.DONE


def test_only_the_secretariat_cancels_an_action(cbsa_action, cbsa, secretariat):
    with pytest.raises(PermissionDenied):
        services.action_item_set_status(actor=cbsa, action=cbsa_action, status="cancelled")
    assert ActionItem.objects.get(pk=cbsa_action.pk).status == ActionItem.Status.OPEN

    services.action_item_set_status(actor=secretariat, action=cbsa_action, status="cancelled")
    assert ActionItem.objects.get(pk=cbsa_action.pk).status == ActionItem.Status.CANCELLED


def test_an_unknown_action_status_is_refused(cbsa_action, cbsa):
    with pytest.raises(ValidationError):
        services.action_item_set_status(actor=cbsa, action=cbsa_action, status="forgotten")
    assert ActionItem.objects.get(pk=cbsa_action.pk).status == ActionItem.Status.OPEN


def test_someone_who_cannot_see_an_action_is_told_it_does_not_exist(cbsa_action, dea, outsider):
    for person in (dea, outsider):
        with pytest.raises(Http404):
            services.action_item_set_status(actor=person, action=cbsa_action, status="done")
    assert ActionItem.objects.get(pk=cbsa_action.pk).status == ActionItem.Status.OPEN


# Bodies of their own ---------------------------------------------------------------------------


def test_the_secretariat_of_one_body_cannot_schedule_in_another(secretariat):
    other_agency = AgencyFactory()
    other_body = AgencyRoleFactory(agency=other_agency).body
    MembershipFactory(body=other_body, user=secretariat, role="member")
    colleague = UserFactory(agency=other_agency)
    MembershipFactory(body=other_body, user=colleague, role="secretariat")
    start = local_time(5)

    with pytest.raises(PermissionDenied):
        services.meeting_schedule(
            actor=secretariat, body=other_body, title_en="Not ours", start=start,
            end=start + datetime.timedelta(hours=1), time_zone=OTTAWA,
        )
    meeting = services.meeting_schedule(
        actor=colleague, body=other_body, title_en="Theirs", start=start, end=start + datetime.timedelta(hours=1),
        time_zone=OTTAWA, invite_agencies=[other_agency],
    )
    assert meeting.pk not in visible_meeting_ids(secretariat)
