"""Reminder sweeps as Celery beat has them run, from a process of their own, for the delivery tests:

    python -m tests.support.sweeper --once
    python -m tests.support.sweeper --for 120 --every 1
    python -m tests.support.sweeper --once --ahead 660

Each sweep is `notifications.engine.sweep()`, the code beat's task and `send_due_reminders` run; what it queues
goes to the queue named by NOTIFY_TEST_QUEUE. `--ahead` sweeps as if that many seconds later: a claim left by a
killed worker is taken again only once it is ten minutes old.
"""

import argparse
import datetime
import json
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--once", action="store_true")
    parser.add_argument("--for", dest="seconds", type=float, default=60.0)
    parser.add_argument("--every", type=float, default=1.0)
    parser.add_argument("--ahead", type=float, default=0.0)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskforce.settings.test")
    import django

    django.setup()
    from django.db import close_old_connections
    from django.utils import timezone

    from notifications import engine as notifications
    from taskforce.celery import app

    if os.environ.get("NOTIFY_TEST_QUEUE"):
        app.conf.task_default_queue = os.environ["NOTIFY_TEST_QUEUE"]
    deadline = time.monotonic() + args.seconds
    while True:
        try:
            result = notifications.sweep(now=timezone.now() + datetime.timedelta(seconds=args.ahead))
            print(json.dumps(result.__dict__), flush=True)
        except Exception as exc:  # noqa: BLE001 - a fault the test injected; the next sweep carries on
            print(f"sweep failed: {exc!r}", flush=True)
            close_old_connections()
        if args.once or time.monotonic() > deadline:
            break
        time.sleep(args.every)


if __name__ == "__main__":
    main()
