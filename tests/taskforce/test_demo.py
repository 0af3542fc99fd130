"""`manage.py load_demo`, the demo accounts, and the health probes."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.http import HttpRequest

from members.models import User
from taskforce import permissions, services
from taskforce.demo import DEMO_PASSWORD, USERS
from tests.scenario import mou_review

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


# Health probes: unauthenticated, uncached, revealing nothing but their own state.


def test_healthz_answers_without_signing_in(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_answers_ready_with_the_database_and_broker_up(db, client):
    # The suite runs with PostgreSQL migrated and the broker reachable: the probe must say so.
    response = client.get("/readyz")

    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "ok", "database": True, "broker": True}


def test_readyz_is_unavailable_when_the_broker_is_unreachable(db, client, monkeypatch):
    from taskforce.celery import app

    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": True, "broker": False}


def test_health_probes_answer_get_only(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
