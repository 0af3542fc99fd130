"""`manage.py check_deployment`: what is wrong with this deployment, in plain words.

Each check returns what it found; a problem says what to do about it. The checks connect for real (the database,
the broker, the mail server) with short timeouts, and change nothing.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


@dataclass
class Finding:
    check: str
    ok: bool
    message: str


def _problem(check: str, message: str) -> Finding:
    return Finding(check, False, message)


def check_settings() -> list[Finding]:
    """Django's own deployment checks (`check --deploy`), and settings that make a production site misbehave."""
    findings = [
        _problem("settings", f"{message.id}: {message.msg}" + (f" ({message.hint})" if message.hint else ""))
        for message in checks.run_checks(include_deployment_checks=True)
        if message.level >= checks.WARNING and not message.is_silenced()
    ]
    if not settings.ALLOWED_HOSTS:
        findings.append(_problem("settings", "ALLOWED_HOSTS is empty: every request is refused. Set ALLOWED_HOSTS."))
    if settings.PORTAL_URL.startswith(("http://127.0.0.1", "http://localhost")) and not settings.DEBUG:
        findings.append(_problem(
            "settings", f"PORTAL_URL is {settings.PORTAL_URL}: links in emails and calendars will not work for "
            "members. Set PORTAL_URL to the portal's public address."
        ))
    return findings or [Finding("settings", True, "Django's deployment checks pass.")]


def check_database() -> list[Finding]:
    connection = connections[DEFAULT_DB_ALIAS]
    where = f"{connection.settings_dict.get('NAME')} on {connection.settings_dict.get('HOST') or 'localhost'}"
    try:
        connection.ensure_connection()
    except Exception as exc:  # noqa: BLE001 - every failure to connect is reported the same way
        return [_problem("database", f"Cannot reach the database {where}: {_first_line(exc)}. Check DATABASE_URL "
                                     "and that PostgreSQL is running.")]
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _backwards in pending[:5])
        names += f" and {len(pending) - 5} more" if len(pending) > 5 else ""
        return [_problem("migrations", f"{len(pending)} migrations are not applied ({names}). Run "
                                       "`python manage.py migrate`, then restart web, worker and beat.")]
    return [Finding("database", True, f"The database {where} is reachable and every migration is applied.")]


def check_broker() -> list[Finding]:
    from taskforce.celery import app

    connection = app.connection_for_write()
    # Scheme, host and port only: the URL may hold a password.
    where = f"{connection.transport_cls}://{connection.hostname or ''}:{connection.port or ''}"
    try:
        with connection:
            connection.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # noqa: BLE001
        return [_problem("broker", f"Cannot reach the broker ({where}): "
                                   f"{_first_line(exc)}. Check REDIS_URL and that Redis is running; until then no "
                                   "email or reminder goes out.")]
    return [Finding("broker", True, "The broker is reachable.")]


def check_email() -> list[Finding]:
    if not settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        return [_problem("email", f"Emails are not sent but kept by {settings.EMAIL_BACKEND}. Set EMAIL_URL to the "
                                  "mail server.")]
    where = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    smtp_class = smtplib.SMTP_SSL if settings.EMAIL_USE_SSL else smtplib.SMTP
    try:
        with smtp_class(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=10) as server:
            server.ehlo()
            if settings.EMAIL_USE_TLS:
                server.starttls()
                server.ehlo()
            if settings.EMAIL_HOST_USER:
                server.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
            server.noop()
    except smtplib.SMTPAuthenticationError:
        return [_problem("email", f"The mail server {where} refuses the user name and password. Check EMAIL_URL "
                                  "and EMAIL_HOST_PASSWORD.")]
    except (OSError, smtplib.SMTPException) as exc:
        return [_problem("email", f"Cannot talk to the mail server {where}: {_first_line(exc)}. Check EMAIL_URL "
                                  "and that the server accepts connections from here.")]
    return [Finding("email", True, f"The mail server {where} answers.")]


def check_audit_trail() -> list[Finding]:
    from audit import trail as audit_trail

    try:
        verdict = audit_trail.verify()
    except Exception as exc:  # noqa: BLE001 - no database: already reported
        return [_problem("audit trail", f"Could not read the audit trail: {_first_line(exc)}.")]
    if not verdict.intact:
        return [_problem("audit trail", f"The audit trail is broken at entry #{verdict.broken_at}: {verdict.problem}. "
                                        "Keep the database as it is and run `python manage.py check_audit`.")]
    return [Finding("audit trail", True, f"The audit trail is intact ({verdict.checked} entries).")]


def check_visibility() -> list[Finding]:
    from taskforce import permissions

    try:
        differences = permissions.check()
    except Exception as exc:  # noqa: BLE001 - no database: already reported
        return [_problem("visibility", f"Could not compare the visibility index with the rules: {_first_line(exc)}.")]
    if differences:
        return [_problem("visibility", f"The visibility index differs from the rules in {len(differences)} row(s), "
                                       f"first: {differences[0]}. Run `python manage.py rebuild_visibility`.")]
    return [Finding("visibility", True, "The visibility index agrees with the rules.")]


CHECKS: dict[str, Callable[[], list[Finding]]] = {
    "settings": check_settings,
    "database": check_database,
    "broker": check_broker,
    "email": check_email,
    "audit": check_audit_trail,
    "visibility": check_visibility,
}


def run(skip: tuple[str, ...] = ()) -> list[Finding]:
    findings: list[Finding] = []
    for name, check in CHECKS.items():
        if name in skip:
            continue
        unreachable = any(f.check in ("database", "migrations") and not f.ok for f in findings)
        if name in ("audit", "visibility") and unreachable:
            continue
        findings.extend(check())
    return findings


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


