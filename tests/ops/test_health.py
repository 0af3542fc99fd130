"""The health probes: unauthenticated, uncached, revealing nothing but their own state; and they answer an orchestrator
that calls them by the container's address, over plain HTTP."""

from django.db import connection


def test_probes_answer_on_an_address_outside_allowed_hosts_without_redirecting(db, client, settings):
    settings.ALLOWED_HOSTS = ["portal.example.org"]
    settings.SECURE_SSL_REDIRECT = True

    healthz = client.get("/healthz", HTTP_HOST="172.18.0.5:8000")
    readyz = client.get("/readyz", HTTP_HOST="172.18.0.5:8000")

    assert healthz.status_code == 200
    assert healthz.json() == {"status": "ok"}
    assert readyz.status_code == 200
    assert readyz.json() == {"status": "ok", "database": True, "broker": True}


def test_other_addresses_still_refuse_a_host_outside_allowed_hosts(db, client, settings):
    settings.ALLOWED_HOSTS = ["portal.example.org"]

    assert client.get("/en/accounts/login/", HTTP_HOST="172.18.0.5:8000").status_code == 400


def test_readyz_is_unavailable_while_a_migration_is_pending(db, client):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations WHERE app = 'taskforce')"
        )

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["database"] is False


def test_probes_set_no_session_or_language_cookie(db, client):
    response = client.get("/readyz")

    assert not response.cookies
    assert "Set-Cookie" not in response


def test_readyz_costs_one_query_for_the_migrations(db, client, django_assert_num_queries):
    client.get("/readyz")  # the migration files are read once per process

    with django_assert_num_queries(1):
        # The applied migrations (django_migrations); the broker is not the database.
        response = client.get("/readyz")

    assert response.json()["database"] is True


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
