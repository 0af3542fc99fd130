"""`manage.py load_demo` and the demo accounts."""

import datetime
import re
import zoneinfo
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from meetings.models import ActionItem, Decision, Meeting
from members.models import User
from mou.models import Agreement, WorkflowStep
from notifications.models import Delivery
from taskforce import demo as demo_module
from taskforce import permissions, services
from taskforce.demo import DEMO_PASSWORD, USERS
from taskforce.models import Milestone
from tests.support.scenario import mou_review

# Every app whose rows the demo writes, including the features that add their own steps to it.
DEMO_APPS = {"members", "taskforce", "meetings", "mou", "guardian"}


def row_counts() -> dict[str, int]:
    counts = {model._meta.label: model._default_manager.count() for model in apps.get_models()
              if model._meta.app_label in DEMO_APPS}
    return counts | {"auth.Group": Group.objects.count()}


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_loading_the_demo_twice_changes_no_counts(demo):
    before = row_counts()
    assert before["members.Agency"] >= 10 and before["taskforce.Milestone"] >= 3

    load_demo("--force")
    once = row_counts()
    load_demo("--force")

    assert before == once == row_counts()


def test_loading_the_demo_again_restores_what_was_changed(demo, secretariat):
    services.milestone_share(actor=secretariat, milestone=mou_review(), agencies=[demo.agencies["RCMP"]])
    User.objects.filter(username="rcmp").update(is_active=False, title="Retired")

    load_demo("--force")

    assert set(permissions.granted_agencies(mou_review()).values_list("acronym", flat=True)) == {"CBSA", "ATF"}
    rcmp = User.objects.get(username="rcmp")
    assert rcmp.is_active
    assert rcmp.title == "Superintendent, Federal Policing Criminal Operations"


def test_load_demo_refuses_when_debug_is_off(demo, secretariat, settings):
    settings.DEBUG = False
    services.milestone_share(actor=secretariat, milestone=mou_review(), agencies=[])

    with pytest.raises(CommandError, match="DEBUG is off"):
        load_demo()

    assert not mou_review().restricted  # nothing was loaded


def test_load_demo_runs_without_force_when_debug_is_on(demo, settings):
    settings.DEBUG = True

    out = load_demo()

    assert "Demo loaded: 2 bodies" in out
    assert DEMO_PASSWORD in out


@pytest.mark.parametrize("username", [row[0] for row in USERS] + ["admin"])
def test_demo_users_sign_in_with_the_documented_password(demo, client, username):
    # The sign-in lockout checks every attempt against the request it came with.
    assert client.login(request=HttpRequest(), username=username, password=DEMO_PASSWORD)


def test_a_demo_user_signs_in_through_the_sign_in_page(demo, client):
    response = client.post("/en/accounts/login/", {"username": "atf", "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert response.url == "/en/"
    assert "Welcome, Dana" in client.get("/en/").content.decode()


# Where `load_demo` places the story: the briefing note's date (Friday, December 10, 2021) in the current week.

TORONTO = zoneinfo.ZoneInfo("America/Toronto")
HOLIDAYS = {(12, 25), (12, 26), (1, 1)}
# Tables the demo writes, emptied inside the test's transaction (rolled back after it) so the story loads afresh.
DEMO_TABLES = (
    "members", "taskforce", "meetings", "mou", "notifications", "guardian", "accounts", "otp_totp", "otp_static", "axes",
)


@pytest.fixture
def empty_portal(db):
    tables = [model._meta.db_table for model in apps.get_models(include_auto_created=True)
              if model._meta.app_label in DEMO_TABLES and model._meta.db_table != "taskforce_auditentry"
              and not model._meta.proxy]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE auth_group, " + ", ".join(f'"{t}"' for t in sorted(set(tables))) + " CASCADE")


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def local(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(TORONTO)


def story_meetings() -> dict[str, Meeting]:
    return {m.title_en: m for m in Meeting.objects.filter(body__acronym="CBFTF")}


def expected_day(moved: datetime.date) -> datetime.date:
    """A moved meeting day, or the working day before it in the same week when it is a holiday."""
    while (moved.month, moved.day) in HOLIDAYS:
        moved -= datetime.timedelta(days=1)
    return moved


# A Saturday (the day this was written), the Monday whose December meeting falls on Christmas Day, the Wednesday of
# Christmas week (the note's Friday is Christmas Day, the meeting New Year's Day), New Year's Eve, and mid-June.
TODAYS = [datetime.date(2026, 12, 5), datetime.date(2026, 12, 14), datetime.date(2026, 12, 23),
          datetime.date(2026, 12, 31), datetime.date(2027, 6, 15)]


@pytest.mark.parametrize("today", TODAYS, ids=str)
def test_load_demo_places_the_december_meeting_in_the_week_after_the_current_one(empty_portal, settings, today):
    settings.DEBUG = True
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(9), tzinfo=TORONTO)):
        out = load_demo()
        now = timezone.now()
    meetings = story_meetings()
    december, inaugural = meetings["CBFTF meeting"], meetings["CBFTF inaugural meeting"]
    regular = meetings["CBFTF regular meeting"]
    note = monday(today) + datetime.timedelta(days=4)  # the Friday of the current week

    assert f"The briefing note's date in this story: {note:%B} {note.day}, {note.year}." in out
    assert local(december.start).date() == expected_day(note + datetime.timedelta(weeks=1))
    assert monday(local(december.start).date()) == monday(today) + datetime.timedelta(weeks=1)
    assert local(december.start).time() == datetime.time(11)
    assert local(inaugural.start).date() == expected_day(note - datetime.timedelta(days=30))  # a Wednesday
    assert local(inaugural.start).time() == datetime.time(10)
    assert local(regular.start).date() == expected_day(note + datetime.timedelta(weeks=6))
    for meeting in meetings.values():
        day = local(meeting.start).date()
        assert day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS, meeting
    assert december.start > now and regular.start > now and inaugural.end < now
    # What was done is dated in the story, in the order it was done, and never after today.
    assert inaugural.created_at < inaugural.agenda_circulated_at < inaugural.start < inaugural.minutes_approved_at
    assert december.created_at < december.agenda_circulated_at <= now < december.start
    for model, name in demo_module._stamp_fields():
        latest = model._default_manager.aggregate(latest=Max(name))["latest"]
        assert latest is None or latest <= now, (model, name)
    # Nobody is emailed today about what happened weeks ago in the story.
    assert not Delivery.objects.filter(status=Delivery.Status.PENDING).exists()
    decision = Decision.objects.get(text__startswith="The Task Force will next meet")
    assert decision.text == f"The Task Force will next meet on {local(december.start):%B} {local(december.start).day}, " \
                            f"{local(december.start).year}."
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(9), tzinfo=TORONTO)):
        nothing_overdue(today)


def nothing_overdue(today: datetime.date) -> None:
    """At the note's date the story has nothing overdue: the JBTA outline (due that day) is done, HSI's contacts are
    due at the December meeting, ATF's trace data in January, the MOU's steps in February and March, the JBTA in the
    spring."""
    assert [m.title_en for m in Milestone.objects.all() if m.is_overdue] == []
    assert not ActionItem.objects.filter(status=ActionItem.Status.OPEN, due_date__lt=today).exists()
    assert not WorkflowStep.objects.filter(completed_at__isnull=True, target_date__lt=today).exists()
    assert ActionItem.objects.filter(status=ActionItem.Status.OPEN).count() == 2


def test_the_moved_story_issues_the_threat_assessment_next_spring(empty_portal, settings):
    settings.DEBUG = True
    with time_machine.travel(datetime.datetime(2026, 12, 5, 9, tzinfo=TORONTO)):
        load_demo()

    jbta = Milestone.objects.get(title_en="Joint Border Threat Assessment issued")
    review = WorkflowStep.objects.get(title_en="Shared with ATF for review")
    assert jbta.due_label == "Spring 2027"
    assert (review.target_date, review.target_label) == (datetime.date(2027, 2, 9), "Before mid-February 2027")
    signed = Agreement.objects.get(short_name="CBFTF ToR")
    assert signed.signed_on == datetime.date(2026, 8, 6)
    assert {v.created_at.date() for v in signed.versions.all()} == {datetime.date(2026, 6, 29)}


def test_load_demo_as_recorded_keeps_the_note_s_own_dates(empty_portal, settings):
    settings.DEBUG = True
    with time_machine.travel(datetime.datetime(2026, 12, 5, 9, tzinfo=TORONTO)):
        out = load_demo("--as-recorded")

    assert "The briefing note's date in this story: December 10, 2021." in out
    meetings = story_meetings()
    assert local(meetings["CBFTF inaugural meeting"].start) == datetime.datetime(2021, 11, 10, 10, tzinfo=TORONTO)
    december = meetings["CBFTF meeting"]
    assert local(december.start) == datetime.datetime(2021, 12, 17, 11, tzinfo=TORONTO)
    assert local(december.agenda_circulated_at) == datetime.datetime(2021, 12, 3, 14, tzinfo=TORONTO)
    assert local(meetings["CBFTF regular meeting"].start).date() == datetime.date(2022, 1, 21)
    assert Agreement.objects.get(short_name="CBFTF ToR").signed_on == datetime.date(2021, 8, 12)
    assert WorkflowStep.objects.get(title_en="Shared with ATF for review").target_date == datetime.date(2022, 2, 15)


def test_a_story_already_loaded_keeps_its_dates(empty_portal, settings):
    settings.DEBUG = True
    with time_machine.travel(datetime.datetime(2026, 12, 5, 9, tzinfo=TORONTO)):
        load_demo()
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=TORONTO)):
        out = load_demo()

    assert "keeps the dates it was first loaded with" in out
    assert [local(m.start).date() for m in Meeting.objects.order_by("start")] == [
        datetime.date(2026, 11, 4), datetime.date(2026, 12, 11), datetime.date(2027, 1, 15)]


def test_the_startup_line_counts_the_users_the_readme_lists(demo, settings):
    settings.DEBUG = True
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    section = readme.split("## Demo users", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE)

    out = load_demo()

    counted = re.search(r" (\d+) users \(([^;]+);", out)
    assert int(counted[1]) == len(listed) == 8
    assert sorted(counted[2].split(", ")) == sorted(listed)
    assert User.objects.filter(username__in=listed, is_active=True).count() == len(listed)


def test_make_run_loads_the_story_in_the_current_week(monkeypatch):
    from ops import devserver

    steps = []
    monkeypatch.setattr(devserver, "_prepare_environment", lambda: {})
    monkeypatch.setattr(devserver, "_run_step", lambda env, *args: steps.append(args))
    monkeypatch.setattr(devserver.subprocess, "Popen", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))

    with pytest.raises(KeyboardInterrupt):
        devserver.main()

    assert ("load_demo",) in steps  # the default: moved to the current week, not --as-recorded
