#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskforce.settings.dev")
    from django.core.management import execute_from_command_line

    from taskforce.context import command_context

    # Changes made by any command (shell included) are recorded with the channel 'command' and its name.
    with command_context(sys.argv[1] if len(sys.argv) > 1 else "manage.py"):
        execute_from_command_line(sys.argv)
