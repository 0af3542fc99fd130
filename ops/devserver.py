"""`make run`: prepare the database, load the demo, and serve the portal until Ctrl-C.

Without DATABASE_URL the embedded PostgreSQL server under var/ is started here and handed to every
child process as DATABASE_URL; when this process exits, the server stops with it.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")


def _manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


def _var_dir(env: dict[str, str]) -> Path:
    return Path(env.get("VAR_DIR", ROOT / "var"))


def _prepare_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "taskforce.settings.dev")
    if not env.get("DATABASE_URL") and not env.get("DATABASE_URL_FILE"):
        from ops.embedded_db import embedded_database_url

        env["DATABASE_URL"] = embedded_database_url(_var_dir(env))
        print(f"Embedded PostgreSQL running in {_var_dir(env) / 'postgres'}", flush=True)
    for folder in ("broker", "broker-processed", "mail"):
        (_var_dir(env) / folder).mkdir(parents=True, exist_ok=True)
    return env


def _run_step(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(_manage(*args), env=env, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(result.returncode)


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # Ctrl-C or a plain kill stops everything, even where the shell started us with SIGINT ignored.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    env = _prepare_environment()
    _run_step(env, "check_database")
    _run_step(env, "migrate", "--noinput", "-v", "0")
    _run_step(env, "load_demo")
    print(f"\nThe portal is at http://{ADDRESS}/ — sign in as `secretariat` or an agency user (see README).")
    print(f"Emails are written to {_var_dir(env) / 'mail'}.")
    receiver = env.get("MAIL_RECEIVER_ADDRESS", "127.0.0.1:2525")
    print(f"Calendar replies are received over SMTP on {receiver} (try: python manage.py calendar_reply_check rcmp).")
    print("Ctrl-C stops everything.\n", flush=True)
    children = [
        subprocess.Popen(_manage("runserver", ADDRESS), env=env, cwd=ROOT),
        # Reminders and emails: one worker with the beat scheduler inside it. Without REDIS_URL the
        # broker is a folder under var/; emails land as files in var/mail.
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "taskforce", "worker", "--beat", "--loglevel", "WARNING",
             "--concurrency", "1", "--schedule", str(_var_dir(env) / "celerybeat-schedule")],
            env=env, cwd=ROOT,
        ),
        # The mail receiver: calendar apps' answers to invitations (docs/calendar-replies.md).
        subprocess.Popen(_manage("receive_mail", "--address", receiver), env=env, cwd=ROOT),
    ]
    try:
        for child in children:
            child.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    main()
