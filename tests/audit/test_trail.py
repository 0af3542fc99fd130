"""The audit trail: every change (bulk updates included) with who, when, what and through which channel; security
events; who read restricted material; a table that refuses changes, sealed by a hash chain; the secretariat's page.

Changes are written by deferred database triggers when a transaction commits. A test never commits, so this module
makes them immediate (`SET CONSTRAINTS ALL IMMEDIATE`): each change is in the trail at the end of its statement.
"""

import csv
import datetime
import io

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from accounts import services as account_services
from accounts.feeds import body_feed_url, feed_url
from accounts.models import CalendarFeed
from audit import trail as audit_trail
from audit.models import AuditEntry
from meetings import services as meeting_services
from meetings.demo import tiny_pdf
from meetings.models import Paper
from members.models import Agency, Classification
from mou.models import Agreement
from notifications import tasks as core_tasks
from notifications.models import Delivery, NotificationKind
from taskforce import permissions, services
from taskforce.demo import DEMO_PASSWORD
from taskforce.models import Body, Milestone
from tests.accounts.test_sign_in_security import (
    NOW,
    app_code,
    change_password,
    enrol,
    fail_to_sign_in,
    sign_in,
    wrong_code,
)
from tests.support.factories import AgencyFactory, AgencyRoleFactory, BodyFactory, MembershipFactory, UserFactory
from tests.support.scenario import mou_review, page, text_of

NOT_SECRETARIAT = ("cbsa", "atf", "rcmp", "hsi", "cbp", "dea")


@pytest.fixture(autouse=True)
def changes_recorded_at_once(db):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture
def since(db) -> int:
    """Entries after this id are the test's own."""
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def new_entries(since: int, **filters) -> list[AuditEntry]:
    """The test's own entries: written after `since`, in the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        [txid] = cursor.fetchone()
    return list(AuditEntry.objects.filter(id__gt=since, txid=txid, **filters).order_by("id"))


def the_mou() -> Agreement:
    return Agreement.objects.get(body__acronym="CBFTF", short_name="CBSA–ATF MOU")


def the_tor() -> Agreement:
    return Agreement.objects.get(body__acronym="CBFTF", short_name="CBFTF ToR")


def token_client(text: str, address: str = "198.51.100.7") -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {text}", REMOTE_ADDR=address)


# Changes -------------------------------------------------------------------------------------------------


def test_a_bulk_update_that_bypasses_save_is_recorded_with_before_and_after(demo, since):
    milestone = mou_review()

    Milestone.objects.filter(pk=milestone.pk).update(status=Milestone.Status.DONE)

    [entry] = new_entries(since, object_type="taskforce.milestone")
    assert (entry.kind, entry.action, entry.object_id) == ("change", "update", milestone.pk)
    assert entry.old_values == {"status": "planned"} and entry.new_values == {"status": "done"}
    assert entry.body_id == demo.bodies["CBFTF"].pk
    assert entry.channel == "database"  # outside any request, command or task


def test_a_delete_keeps_the_values_the_row_had(demo, since, cbsa):
    Delivery.objects.create(recipient=cbsa, key="audit-delete", kind=NotificationKind.MEETING, subject="Gone",
                            body_text="Text")

    Delivery.objects.filter(key="audit-delete").delete()

    created, deleted = new_entries(since, object_type="notifications.delivery")
    assert (created.action, deleted.action) == ("create", "delete")
    assert deleted.old_values["subject"] == "Gone" and deleted.new_values is None


def test_an_update_that_changes_nothing_is_not_recorded(demo, since):
    milestone = mou_review()

    Milestone.objects.filter(pk=milestone.pk).update(status=milestone.status)

    assert new_entries(since) == []


def test_a_version_belongs_to_its_agreement_and_carries_its_body_and_marking(demo, since, atf):
    from mou import services as mou_services

    mou = the_mou()
    latest = mou.versions.order_by("-number").first()

    version = mou_services.version_create(actor=atf, agreement=mou, base_number=latest.number, text="New text")

    [entry] = new_entries(since, object_type="mou.agreementversion")
    assert (entry.parent_type, entry.parent_id, entry.object_id) == ("mou.agreement", mou.pk, version.pk)
    assert entry.body_id == demo.bodies["CBFTF"].pk
    assert entry.classification == max(mou.classification, version.classification) > 0


def test_passwords_and_token_digests_never_reach_the_trail(demo, since, cbsa):
    cbsa.set_password("another-long-password-2022")
    cbsa.save()
    _token, text = account_services.api_token_create(actor=cbsa, name="Script")

    [user] = new_entries(since, object_type="members.user")
    [token] = new_entries(since, object_type="accounts.apitoken")
    assert user.old_values["password"] == user.new_values["password"] == "[redacted]"
    assert token.new_values["digest"] == "[redacted]"
    assert "another-long-password-2022" not in str(user.new_values) and text not in str(token.new_values)


# The table itself ----------------------------------------------------------------------------------------


def some_entry(demo) -> AuditEntry:
    return AuditEntry.objects.order_by("id").first()


@pytest.mark.parametrize("statement", [
    "UPDATE taskforce_auditentry SET object_label = 'forged' WHERE id = %s",
    "DELETE FROM taskforce_auditentry WHERE id = %s",
])
def test_the_database_refuses_to_change_or_remove_an_entry(demo, statement):
    entry = some_entry(demo)

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [entry.pk])

    assert AuditEntry.objects.get(pk=entry.pk).object_label == entry.object_label


def test_the_database_refuses_to_empty_the_trail(demo):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE taskforce_auditentry")

    assert AuditEntry.objects.exists()


def test_check_audit_passes_on_an_intact_chain(demo, capsys):
    Milestone.objects.filter(pk=mou_review().pk).update(status=Milestone.Status.DONE)

    call_command("check_audit")

    assert "The audit trail is intact" in capsys.readouterr().out


def tampered(statement: str, entry_id: int) -> None:
    """What someone with the table owner's rights could do: turn the guard off, change the table, turn it on."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE taskforce_auditentry DISABLE TRIGGER taskforce_auditentry_append_only")
        cursor.execute(statement, [entry_id])
        cursor.execute("ALTER TABLE taskforce_auditentry ENABLE TRIGGER taskforce_auditentry_append_only")


def test_check_audit_fails_naming_the_entry_that_was_altered(demo):
    entry = AuditEntry.objects.filter(object_type="mou.agreement").order_by("id").first()
    tampered("UPDATE taskforce_auditentry SET object_label = 'Nothing to see' WHERE id = %s", entry.pk)

    with pytest.raises(CommandError, match=rf"broken at entry #{entry.pk}: its content was changed"):
        call_command("check_audit")


def test_check_audit_fails_naming_the_entry_after_one_that_was_removed(demo):
    first, second = AuditEntry.objects.order_by("id")[:2]
    tampered("DELETE FROM taskforce_auditentry WHERE id = %s", first.pk)

    with pytest.raises(CommandError, match=rf"broken at entry #{second.pk}: it does not follow"):
        call_command("check_audit")


def test_every_table_of_the_projects_models_has_the_audit_triggers(db):
    # Not the trail itself, nor the visibility index: it is derived from audited rows (grants, memberships...).
    assert {m._meta.db_table for m in audit_trail.UNAUDITED} == {
        "taskforce_auditentry", "taskforce_visibility", "taskforce_reader"
    }
    own_apps = {"members", "taskforce", "audit", "notifications", "accounts", "meetings", "mou"}
    # Named here, not worked out like the trail does: an app of the project with models must be added knowingly.
    with_models = {
        config.label for config in apps.get_app_configs()
        if config.path.startswith(str(settings.BASE_DIR)) and "site-packages" not in config.path
        and list(config.get_models())
    }
    assert with_models == own_apps
    models = audit_trail.audited_models()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
        )
        triggers = set(cursor.fetchall())

    assert own_apps - {"audit"} <= {model._meta.app_label for model in models}  # audit: only the trail itself
    for app in own_apps:
        expected = {
            model._meta.db_table for model in apps.get_app_config(app).get_models(include_auto_created=True)
            if model not in audit_trail.UNAUDITED
        }
        assert expected <= {model._meta.db_table for model in models}
    lacking = sorted(
        model._meta.db_table for model in models
        if not {(model._meta.db_table, "taskforce_audit"), (model._meta.db_table, "taskforce_audit_truncate")}
        <= triggers
    )
    assert lacking == [], f"No audit trigger on {lacking}: run migrate (post_migrate installs them)"
    assert {("taskforce_auditentry", "taskforce_auditentry_chain"),
            ("taskforce_auditentry", "taskforce_auditentry_append_only")} <= triggers


# Channels ------------------------------------------------------------------------------------------------


def test_a_change_made_on_a_page_records_the_person_the_page_and_the_address(client_for, cbsa, since):
    response = client_for(cbsa).post(page("notification-preferences"), {
        kind: "off" if kind == NotificationKind.DEADLINE else "immediately" for kind in NotificationKind.values
    })

    assert response.status_code == 302
    entry = new_entries(since, object_type="notifications.notificationpreference")[0]
    assert (entry.channel, entry.actor_id, entry.ip) == ("page", cbsa.pk, "127.0.0.1")
    assert entry.source == "POST notification-preferences" and len(entry.request_id) == 32


def test_a_change_made_through_the_api_with_a_token_records_the_tokens_owner(cbsa, since):
    _token, text = account_services.api_token_create(actor=cbsa, name="Script")

    response = token_client(text).get("/api/v1/milestones/")

    assert response.status_code == 200
    updates = new_entries(since, object_type="accounts.apitoken", action="update")
    assert {(entry.channel, entry.actor_id, entry.ip) for entry in updates} == {("api", cbsa.pk, "198.51.100.7")}
    assert {"last_used_at", "seen_addresses"} == {column for entry in updates for column in entry.new_values}


def test_a_change_made_in_the_admin_site_records_the_admin_channel(client_for, superuser, demo, since):
    rcmp = demo.agencies["RCMP"]

    response = client_for(superuser).post(f"/admin/members/agency/{rcmp.pk}/change/", {
        "acronym": "RCMP", "acronym_fr": rcmp.acronym_fr, "name_en": "Royal Canadian Mounted Police (renamed)",
        "name_fr": rcmp.name_fr, "country": rcmp.country, "parent": rcmp.parent_id or "",
    })

    assert response.status_code == 302
    [entry] = new_entries(since, object_type="members.agency")
    assert (entry.channel, entry.actor_id, entry.source) == ("admin", superuser.pk, "POST admin:members_agency_change")
    assert entry.new_values == {"name_en": "Royal Canadian Mounted Police (renamed)"}


def test_a_calendar_feed_fetch_is_recorded_as_its_owners_through_the_feed_channel(cbsa, since):
    feed = account_services.calendar_feed_regenerate(actor=cbsa)
    own = feed_url(feed).removeprefix("http://127.0.0.1:8000")
    body = body_feed_url(feed, Body.objects.get(acronym="CBFTF")).removeprefix("http://127.0.0.1:8000")

    assert Client(REMOTE_ADDR="198.51.100.30").get(own).status_code == 200
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=None)
    assert Client(REMOTE_ADDR="198.51.100.31").get(body).status_code == 200

    fetches = new_entries(since, object_type="accounts.calendarfeed", action="update")
    assert [(entry.actor_id, entry.channel, entry.ip) for entry in fetches] == [
        (cbsa.pk, "feed", "198.51.100.30"), (None, "database", ""), (cbsa.pk, "feed", "198.51.100.31")
    ]
    assert [entry.source for entry in fetches] == ["GET calendar-feed", "", "GET body-calendar-feed"]
    assert all(feed.key not in str(vars(entry)) for entry in fetches)  # the secret stays out of the trail


def test_a_change_made_by_a_command_records_the_command(cbsa, since):
    call_command("create_api_token", "cbsa", "--name", "Nightly export", stdout=io.StringIO())

    [entry] = new_entries(since, object_type="accounts.apitoken")
    assert entry.channel == "command" and entry.source.startswith("create_api_token")
    assert entry.new_values["name"] == "Nightly export"


def test_a_change_made_by_a_background_task_records_the_task(cbsa, since, mailoutbox):
    delivery = Delivery.objects.create(recipient=cbsa, key="audit-task", kind=NotificationKind.MEETING,
                                       subject="Sent by a task", body_text="Text")

    core_tasks.send_delivery.apply(args=[delivery.pk])

    updates = new_entries(since, object_type="notifications.delivery", action="update")
    assert updates and {entry.channel for entry in updates} == {"task"}
    assert {entry.source for entry in updates} == {"notifications.tasks.send_delivery"}
    assert updates[-1].new_values["status"] == "sent"


def test_the_demo_loader_records_its_changes_as_the_demo(demo):
    mou = the_mou()

    created = AuditEntry.objects.filter(object_type="mou.agreement", object_id=mou.pk, action="create").first()

    assert (created.channel, created.source) == ("demo", "taskforce.demo.load")
    assert created.body_id == mou.body_id and created.classification == mou.classification


# Security events -----------------------------------------------------------------------------------------


def test_signing_in_and_out_is_recorded(cbsa, since):
    client = Client()

    client.post(page("login"), {"username": "cbsa", "password": DEMO_PASSWORD})
    client.post(page("logout"))

    signed_in, signed_out = new_entries(since, kind="security")
    assert (signed_in.action, signed_in.actor_id, signed_in.object_id) == ("sign_in", cbsa.pk, cbsa.pk)
    assert (signed_out.action, signed_out.actor_id, signed_out.object_type) == ("sign_out", cbsa.pk, "members.user")
    assert signed_in.channel == "page" and signed_in.ip == "127.0.0.1"


def test_a_failed_sign_in_is_recorded_without_the_password_tried(cbsa, since):
    Client().post(page("login"), {"username": "cbsa", "password": "a-wrong-password-tried"})
    Client().post(page("login"), {"username": "nobody-here", "password": "a-wrong-password-tried"})

    known, unknown = new_entries(since, kind="security")
    assert (known.action, known.object_id, known.details) == ("sign_in_failed", cbsa.pk, {"username": "cbsa"})
    assert (unknown.action, unknown.object_id, unknown.details) == ("sign_in_failed", None, {"username": "nobody-here"})
    everything = [str(vars(entry)) for entry in new_entries(since)]
    assert not any("a-wrong-password-tried" in text for text in everything)


def test_a_lockout_is_recorded(rcmp, since):
    for _attempt in range(5):
        Client(REMOTE_ADDR="198.51.100.20").post(page("login"), {"username": "rcmp", "password": "not-the-password"})

    [locked] = new_entries(since, action="locked_out")
    assert (locked.object_id, locked.details, locked.ip) == (rcmp.pk, {"username": "rcmp"}, "198.51.100.20")


def test_lifting_a_lockout_is_recorded_with_who_lifted_it(client_for, secretariat, rcmp, since,
                                                           django_capture_on_commit_callbacks):
    fail_to_sign_in("rcmp", times=5, addresses=["198.51.100.3"])
    for username in ("atf", "hsi", "cbp", "dea", "nobody-here"):
        fail_to_sign_in(username, times=1, addresses=["198.51.100.4"])
    client = client_for(secretariat)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(page("lockout-list"), {"username": "rcmp"}).status_code == 302
        assert client.post(page("lockout-list"), {"address": "198.51.100.4"}).status_code == 302

    person, address = new_entries(since, action="lockout_lifted")
    assert (person.actor_id, person.channel, person.object_id) == (secretariat.pk, "page", rcmp.pk)
    assert person.details == {"username": "rcmp"}
    # An address is nobody's: the entry is about the account of whoever unlocked it.
    assert (address.actor_id, address.channel, address.object_id) == (secretariat.pk, "page", secretariat.pk)
    assert address.details == {"address": "198.51.100.4"}


def test_setting_up_an_authenticator_and_confirming_sign_ins_with_it_is_recorded(
    demo, cbsa, since, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False) as clock:
        first = Client()
        sign_in(first, "cbsa")
        with django_capture_on_commit_callbacks(execute=True):
            key, codes = enrol(first)
        clock.move_to(NOW + datetime.timedelta(minutes=1))
        with_app, with_recovery_code = Client(), Client()
        sign_in(with_app, "cbsa"), sign_in(with_recovery_code, "cbsa")

        assert with_app.post(page("two-factor-verify"), {"code": app_code(key)}).status_code == 302
        assert with_recovery_code.post(page("two-factor-verify"), {"code": codes[0]}).status_code == 302

    enrolled, verified, recovered = new_entries(
        since, action__in=["second_factor_enrolled", "second_factor_verified", "recovery_code_used"]
    )
    assert [entry.action for entry in (enrolled, verified, recovered)] == [
        "second_factor_enrolled", "second_factor_verified", "recovery_code_used"
    ]
    for entry in (enrolled, verified, recovered):
        assert (entry.kind, entry.actor_id, entry.object_id, entry.channel) == ("security", cbsa.pk, cbsa.pk, "page")
    assert enrolled.details == {"replaced": False}
    assert recovered.details == {"codes_left": 9}


def test_a_wrong_code_confirms_nothing_in_the_trail(demo, cbsa, since):
    with time_machine.travel(NOW, tick=False) as clock:
        client = Client()
        sign_in(client, "cbsa")
        key, _codes = enrol(client)
        clock.move_to(NOW + datetime.timedelta(minutes=1))
        again = Client()
        sign_in(again, "cbsa")

        assert again.post(page("two-factor-verify"), {"code": wrong_code(key)}).status_code == 200

    assert new_entries(since, action__in=["second_factor_verified", "recovery_code_used"]) == []


def test_changing_the_password_is_recorded_with_each_token_it_revoked(client_for, cbsa, since,
                                                                      django_capture_on_commit_callbacks):
    account_services.api_token_create(actor=cbsa, name="Schedule sync")
    client = client_for(cbsa)

    with django_capture_on_commit_callbacks(execute=True):
        change_password(client)

    changed, revoked = new_entries(since, action__in=["password_changed", "token_revoked"])
    assert (changed.action, changed.actor_id, changed.object_id, changed.channel) == (
        "password_changed", cbsa.pk, cbsa.pk, "page"
    )
    assert (revoked.action, revoked.actor_id, revoked.details["token"]) == ("token_revoked", cbsa.pk, "Schedule sync")
    assert not any("Border-crossing" in str(vars(entry)) for entry in new_entries(since))


def test_creating_and_revoking_a_token_on_the_page_is_recorded(client_for, cbsa, since,
                                                              django_capture_on_commit_callbacks):
    client = client_for(cbsa)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(page("api-token-list"), {"name": "Reporting script", "access": "read", "expires_in_days": "90"})
    token = cbsa.api_tokens.get(name="Reporting script")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page("api-token-revoke", token.pk))

    created, revoked = new_entries(since, action__in=["token_created", "token_revoked"])
    assert (created.action, created.actor_id, created.object_id) == ("token_created", cbsa.pk, cbsa.pk)
    assert revoked.action == "token_revoked"
    assert created.details == revoked.details == {"token": "Reporting script", "prefix": token.prefix}


def test_a_token_used_from_a_new_address_is_recorded_once_per_address(cbsa, since):
    token, text = account_services.api_token_create(actor=cbsa, name="Script")

    for address in ("198.51.100.7", "198.51.100.7", "203.0.113.9", "198.51.100.7"):
        assert token_client(text, address).get("/api/v1/bodies/").status_code == 200

    events = new_entries(since, action="token_new_address")
    assert [event.details["address"] for event in events] == ["198.51.100.7", "203.0.113.9"]
    assert {(event.actor_id, event.object_id, event.channel) for event in events} == {(cbsa.pk, cbsa.pk, "api")}
    token.refresh_from_db()
    assert token.seen_addresses == ["198.51.100.7", "203.0.113.9"]


def test_asking_for_a_restricted_object_one_may_not_see_is_recorded(client_for, rcmp, demo, since):
    milestone = mou_review()

    assert client_for(rcmp).get(page("milestone-detail", milestone.pk)).status_code == 404
    assert client_for(rcmp).get(page("milestone-detail", 987654)).status_code == 404  # does not exist: nothing

    [refused] = new_entries(since, action="not_found")
    assert refused.actor_id == rcmp.pk
    assert (refused.object_type, refused.object_id, refused.body_id) == (
        "taskforce.milestone", milestone.pk, demo.bodies["CBFTF"].pk
    )


def test_asking_the_api_for_a_restricted_agreement_is_recorded(rcmp, since):
    _token, text = account_services.api_token_create(actor=rcmp, name="Script")
    mou = the_mou()

    assert token_client(text).get(f"/api/v1/agreements/{mou.pk}/").status_code == 404
    assert token_client(text).get(f"/api/v1/agreements/{mou.pk}/versions/1/").status_code == 404

    refusals = new_entries(since, action="not_found")
    assert [(entry.actor_id, entry.object_type, entry.object_id) for entry in refusals] == [
        (rcmp.pk, "mou.agreement", mou.pk), (rcmp.pk, "mou.agreement", mou.pk),  # the version's parent, once
    ]


def test_asking_the_api_for_a_version_above_ones_clearance_is_recorded(cbp, since):
    from mou import services as mou_services

    _token, text = account_services.api_token_create(actor=cbp, name="Script")
    tor = the_tor()
    latest = tor.versions.order_by("-number").first()
    marked = mou_services.version_create(
        actor=tor.body.memberships.get(role="secretariat").user, agreement=tor, base_number=latest.number,
        text="Protected B text", classification=Classification.PROTECTED_B,
    )

    assert token_client(text).get(f"/api/v1/agreements/{tor.pk}/versions/{marked.number}/").status_code == 404

    [refused] = new_entries(since, action="not_found")
    assert (refused.object_type, refused.object_id, refused.classification) == (
        "mou.agreementversion", marked.pk, Classification.PROTECTED_B
    )


def test_granting_and_withdrawing_access_is_recorded(demo, secretariat, since, django_capture_on_commit_callbacks):
    milestone = mou_review()
    cbp = demo.agencies["CBP"]

    with django_capture_on_commit_callbacks(execute=True):
        services.milestone_share(actor=secretariat, milestone=milestone, agencies=[*demo_mou_parties(demo), cbp])
    with django_capture_on_commit_callbacks(execute=True):
        services.milestone_share(actor=secretariat, milestone=milestone, agencies=demo_mou_parties(demo))

    events = new_entries(since, kind="security")
    assert [(event.action, event.details) for event in events] == [("granted", {"to": "CBP"}), ("revoked", {"to": "CBP"})]
    assert {event.object_id for event in events} == {milestone.pk}
    rows = new_entries(since, object_type="taskforce.milestonegroupobjectpermission")
    assert [row.action for row in rows] == ["create", "delete"]
    assert {row.parent_id for row in rows} == {milestone.pk}


def demo_mou_parties(demo) -> list[Agency]:
    return [demo.agencies["CBSA"], demo.agencies["ATF"]]


def test_a_refusal_to_act_is_recorded(client_for, cbsa, since):
    mou = the_mou()

    response = client_for(cbsa).post(page("agreement-transition", mou.pk), {"transition": "return_to_drafting"})

    assert response.status_code == 403
    [denied] = new_entries(since, action="denied")
    assert (denied.actor_id, denied.object_type, denied.object_id) == (cbsa.pk, "members.user", cbsa.pk)
    assert denied.details == {"arguments": {"pk": str(mou.pk)}} and denied.source == "POST agreement-transition"


# Who saw what --------------------------------------------------------------------------------------------


def test_reading_a_restricted_agreement_and_its_versions_is_recorded(client_for, cbsa, since):
    mou, tor = the_mou(), the_tor()
    client = client_for(cbsa)

    client.get(page("agreement-detail", mou.pk))
    client.get(page("version-detail", mou.pk, 1))
    client.get(page("agreement-detail", tor.pk))  # shared with the whole body and unmarked: not recorded

    agreement, version = new_entries(since, kind="access")
    assert (agreement.action, agreement.actor_id, agreement.object_type, agreement.object_id) == (
        "viewed", cbsa.pk, "mou.agreement", mou.pk
    )
    assert (version.object_type, version.parent_type, version.parent_id) == ("mou.agreementversion", "mou.agreement",
                                                                             mou.pk)


def attach(item, title: str, classification: int) -> Paper:
    upload = SimpleUploadedFile(f"{title}.pdf", tiny_pdf(title), content_type="application/pdf")
    return meeting_services.paper_upload(
        actor=item.meeting.body.memberships.get(role="secretariat").user, item=item, title=title, upload=upload,
        classification=classification,
    )


def test_downloading_a_restricted_paper_is_recorded(client_for, cbsa, since, circulated):
    restricted = attach(circulated.mou, "MOU annex", Classification.UNCLASSIFIED)  # of an item restricted to two
    marked = attach(circulated.roundtable, "Seizure figures", Classification.PROTECTED_A)
    open_to_all = attach(circulated.roundtable, "Roundtable notes", Classification.UNCLASSIFIED)
    client = client_for(cbsa)

    for paper_ in (restricted, marked, open_to_all):
        assert client.get(page("paper-download", paper_.pk)).status_code == 200

    downloads = new_entries(since, kind="access")
    assert [(entry.action, entry.actor_id, entry.object_id) for entry in downloads] == [
        ("downloaded", cbsa.pk, restricted.pk), ("downloaded", cbsa.pk, marked.pk),
    ]
    assert [entry.classification for entry in downloads] == [0, Classification.PROTECTED_A]


def test_reading_restricted_material_through_the_api_is_recorded(atf, since, circulated):
    _token, text = account_services.api_token_create(actor=atf, name="Script")
    mou, note = the_mou(), attach(circulated.mou, "MOU annex", Classification.UNCLASSIFIED)
    client = token_client(text)

    for url in (f"/api/v1/agreements/{mou.pk}/", f"/api/v1/agreements/{mou.pk}/versions/2/",
                f"/api/v1/papers/{note.pk}/", f"/api/v1/agreements/{the_tor().pk}/"):
        assert client.get(url).status_code == 200

    reads = new_entries(since, kind="access")
    assert [(entry.object_type, entry.channel) for entry in reads] == [
        ("mou.agreement", "api"), ("mou.agreementversion", "api"), ("meetings.paper", "api"),
    ]
    assert {entry.actor_id for entry in reads} == {atf.pk}


# The secretariat's page ------------------------------------------------------------------------------------


def audit_page(client: Client, **filters):
    return client.get(page("audit-log"), filters)


def entry_ids(response) -> list[int]:
    return [row.entry.pk for row in response.context["rows"]]


def test_the_secretariat_reads_the_trail_of_the_demo_mou_and_its_versions(client_for, secretariat, demo):
    mou = the_mou()

    response = audit_page(client_for(secretariat), object=f"mou.agreement:{mou.pk}")

    assert response.status_code == 200
    rows = response.context["rows"]
    assert {row.entry.object_type for row in rows} >= {"mou.agreement", "mou.agreementversion",
                                                       "mou.agreement_parties"}
    versions = [row for row in rows if row.entry.object_type == "mou.agreementversion" and row.entry.action == "create"]
    assert len(versions) == mou.versions.count()
    text = text_of(response)
    assert "CBSA–ATF MOU" in text and "agreement version" in text


def test_the_page_shows_who_did_what_with_the_values_before_and_after(client_for, secretariat, rcmp):
    milestone = mou_review()
    client_for(rcmp).get(page("milestone-detail", milestone.pk))
    Milestone.objects.filter(pk=milestone.pk).update(status=Milestone.Status.DONE)

    response = audit_page(client_for(secretariat), object=f"taskforce.milestone:{milestone.pk}")

    refused, changed = response.context["rows"][1], response.context["rows"][0]
    assert (refused.who, refused.agency, refused.entry.action) == ("Sophie Roy", "RCMP", "not_found")
    assert changed.changes == [("status", "planned", "done")]
    text = text_of(response)
    assert "Sophie Roy (RCMP)" in text and "Refused: not visible to them" in text and "Changed" in text


def test_the_secretariat_filters_by_person_agency_and_time(client_for, secretariat, rcmp, cbsa, since):
    client = client_for(secretariat)
    client_for(rcmp).get(page("milestone-detail", mou_review().pk))  # refused: an entry by the RCMP's member
    client_for(cbsa).get(page("agreement-detail", the_mou().pk))  # read: an entry by the CBSA's member
    today = timezone.localdate()

    by_person = entry_ids(audit_page(client, person="rcmp"))
    by_agency = entry_ids(audit_page(client, agency="CBSA"))
    this_week = entry_ids(audit_page(client, since=str(today - datetime.timedelta(days=7)), until=str(today)))
    tomorrow = entry_ids(audit_page(client, since=str(today + datetime.timedelta(days=1))))

    [refused] = new_entries(since, actor_id=rcmp.pk, action="not_found")
    [read] = new_entries(since, actor_id=cbsa.pk, kind="access")
    assert set(by_person) == {entry.pk for entry in new_entries(since, actor_id=rcmp.pk)} and refused.pk in by_person
    assert read.pk in by_agency and refused.pk not in by_agency
    assert {refused.pk, read.pk} <= set(this_week) and tomorrow == []


def test_a_filter_that_is_not_valid_says_why_and_shows_nothing(client_for, secretariat):
    response = audit_page(client_for(secretariat), object="the MOU")

    assert response.status_code == 400 and response.context["rows"] == []
    assert "like mou.agreement:12" in text_of(response)


def test_the_export_holds_the_same_entries_as_the_page(client_for, secretariat):
    client = client_for(secretariat)
    filters = {"object": f"mou.agreement:{the_mou().pk}", "kind": "change"}

    shown = entry_ids(audit_page(client, **filters))
    response = client.get(page("audit-log-export"), filters)

    assert 0 < len(shown) < 100  # all on the page's first page

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [int(row["id"]) for row in rows] == shown
    assert {row["kind"] for row in rows} == {"change"} and rows[0]["hash"]


@pytest.mark.parametrize("username", NOT_SECRETARIAT)
def test_members_who_are_not_the_secretariat_do_not_find_the_trail(client_for, demo, username):
    client = client_for(demo.users[username])

    assert audit_page(client).status_code == 404
    assert client.get(page("audit-log-export")).status_code == 404


def test_the_secretariat_of_another_body_reads_nothing_of_the_task_force(client_for, demo):
    body = BodyFactory(acronym="OTHER")
    agency = AgencyFactory(acronym="OTH")
    AgencyRoleFactory(body=body, agency=agency)
    clerk = UserFactory(username="clerk", agency=agency)
    MembershipFactory(body=body, user=clerk, role="secretariat")
    cbftf = demo.bodies["CBFTF"]

    response = audit_page(client_for(clerk))
    export = client_for(clerk).get(page("audit-log-export"))

    assert response.status_code == 200
    assert not [row for row in response.context["rows"] if row.entry.body_id == cbftf.pk]
    assert "CBSA–ATF MOU" not in text_of(response)
    assert "CBSA–ATF MOU" not in b"".join(export.streaming_content).decode()


def test_the_scope_keeps_entries_above_the_readers_clearance_out(demo, secretariat):
    secretariat.clearance = 0
    secretariat.save()

    visible = permissions.scope(secretariat, AuditEntry.objects.filter(object_type="mou.agreementversion"))

    assert not visible.filter(classification__gt=0).exists()
    assert AuditEntry.objects.filter(object_type="mou.agreementversion", classification__gt=0).exists()


def test_the_people_of_the_secretariats_bodies_have_their_sign_ins_in_the_trail(client_for, secretariat, cbsa, dea):
    Client().post(page("login"), {"username": "cbsa", "password": DEMO_PASSWORD})
    outsider = UserFactory(username="stranger", agency=AgencyFactory(acronym="STR"))
    Client().post(page("login"), {"username": "stranger", "password": "a-wrong-password-tried"})

    rows = audit_page(client_for(secretariat), kind="security").context["rows"]

    about = {(row.entry.action, row.entry.object_id) for row in rows}
    assert ("sign_in", cbsa.pk) in about and ("sign_in_failed", outsider.pk) not in about


def test_the_page_runs_a_fixed_number_of_queries(client_for, secretariat, django_assert_num_queries):
    client = client_for(secretariat)
    audit_page(client)

    # 1. the session; 2. the signed-in user; 3. the second factor's device; 4. the bodies the user is secretariat
    # of; 5. the people to filter by (agency joined); 6. the agencies to filter by; 7. the entries (who acted and
    # the body's acronym as subqueries); 8. the user's agency, for the header.
    with django_assert_num_queries(8):
        audit_page(client)
    for number in range(30):
        Milestone.objects.filter(pk=mou_review().pk).update(description=f"Revision {number}")
    with django_assert_num_queries(8):
        response = audit_page(client)
    assert "Revision 29" in text_of(response)


def test_an_entry_waiting_for_its_seal_cannot_be_sealed_by_hand(demo):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS taskforce_auditentry_seal DEFERRED")
        cursor.execute("INSERT INTO taskforce_auditentry (kind, action) VALUES ('security', 'sign_out') RETURNING id")
        [entry_id] = cursor.fetchone()

        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            cursor.execute("UPDATE taskforce_auditentry SET hash = repeat('0', 64) WHERE id = %s", [entry_id])


@pytest.mark.django_db(transaction=True)
def test_sealing_the_chain_never_deadlocks_with_a_writer_holding_a_row_lock(demo):
    """Writer B changes two rows, one of them now pointing at an agency that writer A has locked; A commits while B
    waits at its commit for that lock. The chain is sealed after every foreign-key check, so B never holds the
    chain's lock while it waits for A, and both commit."""
    import threading

    import psycopg

    settings = connection.settings_dict
    dsn = {"host": settings["HOST"], "port": settings["PORT"] or 5432, "user": settings["USER"],
           "dbname": settings["NAME"]}
    first, second, third = Milestone.objects.order_by("id").values_list("id", flat=True)[:3]
    agency = Agency.objects.get(acronym="RCMP").pk
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    a, b = psycopg.connect(**dsn), psycopg.connect(**dsn)
    outcome: dict[str, object] = {}
    try:
        a.execute("SELECT 1 FROM members_agency WHERE id = %s FOR UPDATE", [agency])
        a.execute("UPDATE taskforce_milestone SET title_fr = title_fr || ' ' WHERE id = %s", [third])
        b.execute("UPDATE taskforce_milestone SET title_fr = title_fr || ' ' WHERE id = %s", [first])
        b.execute("UPDATE taskforce_milestone SET owner_agency_id = %s WHERE id = %s", [agency, second])

        def commit_b() -> None:
            try:
                b.commit()
                outcome["b"] = "committed"
            except psycopg.Error as error:
                outcome["b"] = error

        waiting = threading.Thread(target=commit_b)
        waiting.start()
        waiting.join(timeout=1)
        assert waiting.is_alive(), "writer B should be waiting for the agency writer A holds"
        a.commit()
        waiting.join(timeout=30)
    finally:
        a.close()
        b.close()

    assert outcome == {"b": "committed"}
    assert audit_trail.verify().intact
    assert AuditEntry.objects.filter(object_type="taskforce.milestone", object_id__in=[first, second, third],
                                     action="update", id__gt=before).count() == 3
