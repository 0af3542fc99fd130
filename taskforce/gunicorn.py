"""Gunicorn's settings in the image (`--config python:taskforce.gunicorn`): every replica listens on port 8000 behind
the proxy; its own log lines take the portal's format (JSON in production), and requests are logged by the portal
(taskforce/logs.py) with their request id rather than by gunicorn's access log."""

import os

from taskforce.logs import logging_config

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# A paper upload on a slow link, through the proxy.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
accesslog = None
logconfig_dict = logging_config(default_format="json")
