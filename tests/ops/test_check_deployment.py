"""`manage.py check_deployment` on the test database, a real Redis and a real SMTP server on loopback: silent and
successful on a sound deployment, and a plain-words problem with exit status 1 for each thing that is wrong."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from taskforce.celery import app as celery_app
from tests.support.live import REDIS_URL, SmtpSink, free_port, require_redis


@pytest.fixture
def sound(settings, db, monkeypatch):
    """A production-like configuration: HTTPS settings, a public address, email through an SMTP server that answers,
    the broker reachable."""
    require_redis(REDIS_URL)
    # The browser tests allow Django's ORM beside Playwright's event loop for the whole test process; a deployment
    # does not (Django's deploy checks say so), and neither does this one.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.PORTAL_URL = "https://portal.example.org"
    settings.ALLOWED_HOSTS = ["portal.example.org"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with SmtpSink() as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        yield settings


def check_deployment() -> tuple[str, bool]:
    out = io.StringIO()
    try:
        call_command("check_deployment", stdout=out)
    except CommandError:
        return out.getvalue(), False
    return out.getvalue(), True


def test_a_sound_deployment_passes_every_check(sound):
    output, passed = check_deployment()

    assert passed, output
    assert "PROBLEM" not in output
    for check in ("settings", "database", "broker", "email", "audit trail"):
        assert f"ok      {check}:" in output


def test_an_unreachable_broker_is_a_problem(sound, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")

    output, passed = check_deployment()

    assert not passed
    assert "PROBLEM broker: Cannot reach the broker (redis://127.0.0.1:1)" in output
    assert "Check REDIS_URL" in output


def test_a_pending_migration_is_a_problem_naming_it(sound):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations WHERE app = 'taskforce')"
            " RETURNING name"
        )
        [name] = cursor.fetchone()

    output, passed = check_deployment()

    assert not passed
    assert f"PROBLEM migrations: 1 migrations are not applied (taskforce.{name})" in output
    assert "python manage.py migrate" in output


def test_an_unreachable_mail_server_is_a_problem(sound):
    sound.EMAIL_PORT = free_port()  # nothing listens there

    output, passed = check_deployment()

    assert not passed
    assert f"PROBLEM email: Cannot talk to the mail server 127.0.0.1:{sound.EMAIL_PORT}" in output


def test_insecure_settings_are_problems_in_plain_words(sound):
    sound.SESSION_COOKIE_SECURE = False
    sound.PORTAL_URL = "http://localhost:8000"

    output, passed = check_deployment()

    assert not passed
    assert "PROBLEM settings: security.W012: SESSION_COOKIE_SECURE is not set to True" in output
    assert "PROBLEM settings: PORTAL_URL is http://localhost:8000" in output


def test_emails_kept_in_files_are_a_problem(sound):
    sound.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"

    output, passed = check_deployment()

    assert not passed
    assert "PROBLEM email: Emails are not sent but kept by django.core.mail.backends.filebased.EmailBackend" in output
