"""The visibility index: kept in step with the rules by every write, checked and rebuilt by its commands."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from meetings import services as meeting_services
from meetings.models import AgendaItem, Decision, Meeting
from members.models import User
from taskforce import permissions
from taskforce.models import Membership, Reader, Visibility

from ..meetings.test_pages import december, mou_item
from ..support.factories import MembershipFactory


def test_the_demo_index_agrees_with_the_rules(demo):
    assert permissions.check() == []


def test_a_tampered_index_is_named_row_by_row_and_rebuilt(demo, rcmp, capsys):
    item = mou_item()
    with connection.cursor() as cursor:
        # rcmp's agency is given the restricted MOU item behind the rules' back, and a reader row goes missing.
        cursor.execute(
            "INSERT INTO taskforce_visibility (content_type_id, object_id, principal, level) SELECT content_type_id, object_id, %s, level FROM taskforce_visibility "
            "WHERE object_id = %s AND content_type_id = (SELECT content_type_id FROM taskforce_visibility "
            "WHERE object_id = %s LIMIT 1) LIMIT 1",
            [permissions.principal(permissions.AGENCY, item.meeting.body_id, rcmp.agency_id), item.pk, item.pk],
        )
    Reader.objects.filter(user=rcmp).delete()

    found = [str(d) for d in permissions.check()]
    assert any(line.startswith("extra index row") and f"agency {rcmp.agency_id} of body" in line for line in found)
    assert any(line.startswith("missing reader row") and f"person {rcmp.pk} holds" in line for line in found)
    with pytest.raises(CommandError, match="differs from the rules"):
        call_command("check_visibility")

    call_command("rebuild_visibility")
    assert permissions.check() == []
    call_command("check_visibility")
    assert "agrees with the rules" in capsys.readouterr().out


def test_restricting_an_item_restricts_the_decisions_recorded_on_it_before(demo, secretariat, rcmp, cbsa):
    meeting = december()
    roundtable = AgendaItem.objects.get(meeting=meeting, title_en="Roundtable")
    decision = Decision.objects.create(meeting=meeting, item=roundtable, text="Agreed before the restriction.")
    Meeting.objects.filter(pk=meeting.pk).update(minutes_status=Meeting.MinutesStatus.APPROVED)
    permissions.changed(Meeting, [meeting.pk])
    assert permissions.can_see(rcmp, decision)

    meeting_services.agenda_item_update(
        actor=secretariat, item=roundtable, version=roundtable.version,
        restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]],
    )

    assert not permissions.can_see(rcmp, decision)
    assert permissions.can_see(cbsa, decision)
    assert permissions.check() == []


def test_a_person_who_leaves_a_body_or_is_deactivated_loses_what_it_showed_them(demo, rcmp):
    meeting = december()
    assert permissions.can_see(rcmp, meeting)
    Membership.objects.filter(user=rcmp, body=meeting.body).delete()
    assert not permissions.scope(rcmp, Meeting.objects.filter(pk=meeting.pk)).exists()

    MembershipFactory(body=meeting.body, user=rcmp, role="member")
    assert permissions.can_see(rcmp, meeting)
    rcmp.is_active = False
    rcmp.save(update_fields=["is_active"])
    assert not Reader.objects.filter(user=rcmp).exists()
    assert permissions.check() == []


def test_a_person_moved_to_another_agency_sees_what_that_agency_is_given(demo, rcmp):
    item = mou_item()  # restricted to CBSA and ATF
    assert not permissions.can_see(rcmp, item)

    rcmp.agency = demo.agencies["CBSA"]
    rcmp.save()

    assert permissions.can_see(User.objects.get(pk=rcmp.pk), item)
    assert permissions.check() == []


def test_deleting_an_object_removes_its_rows_so_a_reused_id_inherits_nothing(demo, secretariat):
    item = mou_item()
    pk = item.pk
    item.delete()
    assert not Visibility.objects.filter(object_id=pk, content_type__model="agendaitem").exists()
    assert permissions.check() == []


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_leave_the_index_in_step(demo):
    """A meeting shared with one more agency while, on another connection, an item is added to it: the item's rows
    are worked out from the meeting's only once the sharing has committed, so the item is shared with the agency
    too (without the index's lock, the item kept the meeting's rows as they were before)."""
    import threading
    import time

    from django.db import connection as own_connection
    from django.db import transaction

    meeting = december()
    shared = threading.Event()
    failures: list[BaseException] = []

    def share() -> None:
        try:
            with transaction.atomic():
                permissions.grant(meeting, [demo.agencies["DEA"]])
                shared.set()
                time.sleep(1.5)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            shared.set()
            own_connection.close()

    def add_item() -> None:
        try:
            shared.wait(10)
            with transaction.atomic():
                AgendaItem.objects.create(meeting=meeting, position=90, title_en="Added meanwhile")
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            own_connection.close()

    threads = [threading.Thread(target=share), threading.Thread(target=add_item)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert failures == []
    item = AgendaItem.objects.get(title_en="Added meanwhile")
    dea = permissions.principal(permissions.AGENCY, meeting.body_id, demo.agencies["DEA"].pk)
    assert Visibility.objects.filter(object_id=item.pk, principal=dea, content_type__model="agendaitem").exists()
    assert permissions.check() == []
