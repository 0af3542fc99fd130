"""`make run`'s web server (Django's runserver with the `dev` settings) answers a missing page and a failing one with
the portal's own 404 and 500 pages, never Django's debug pages (which list every route of the portal), while the
traceback of the failure still reaches the console; static files are still served, from the source folders."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.live import database_url_of_this_test, free_port, wait_until

from .test_static_build import _listening, fetch

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db

# The dev settings with one more route, a view that fails, as a bug in a view under development would.
FAILING_SETTINGS = """
from taskforce.settings.dev import *  # noqa: F403
ROOT_URLCONF = "dev_failing_urls"
"""
FAILING_URLS = """
from django.urls import path
from taskforce.urls import urlpatterns as portal


def broken(request):
    return 1 / 0


urlpatterns = [path("broken/", broken), *portal]
"""


@pytest.fixture
def dev_server(tmp_path):
    (tmp_path / "dev_failing_settings.py").write_text(textwrap.dedent(FAILING_SETTINGS))
    (tmp_path / "dev_failing_urls.py").write_text(textwrap.dedent(FAILING_URLS))
    port = free_port()
    environment = {
        name: value for name, value in os.environ.items()
        if not name.endswith("_FILE") and name not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "SECRET_KEY"}
    } | {
        "DJANGO_SETTINGS_MODULE": "dev_failing_settings", "PYTHONPATH": str(tmp_path),
        "DATABASE_URL": database_url_of_this_test(), "VAR_DIR": str(tmp_path / "var"), "LOG_FORMAT": "text",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=BASE_DIR, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    console: list[str] = []

    def stop() -> str:
        """Stop the server; what it printed in the console."""
        if not console:
            os.killpg(server.pid, 15)
            console.append(server.communicate(timeout=30)[0])
        return console[0]

    try:
        wait_until(lambda: server.poll() is not None or (_listening(port) and fetch(f"{base}/healthz")[0] == 200),
                   seconds=60, what="runserver to answer")
        assert server.poll() is None, "runserver stopped"
        yield base, stop
    finally:
        stop()


def test_a_missing_page_is_the_portals_404_page_not_the_list_of_routes(dev_server):
    base, _ = dev_server

    status, body, content_type = fetch(f"{base}/en/no-such-page/")

    page = body.decode()
    assert status == 404 and content_type.startswith("text/html")
    assert "We couldn't find that page" in page or "We couldn&#x27;t find that page" in page
    assert "URLconf" not in page and "api/v1/" not in page and "DEBUG = True" not in page


def test_a_failing_page_is_the_portals_500_page_and_its_traceback_is_in_the_console(dev_server):
    base, stop = dev_server

    status, body, _ = fetch(f"{base}/broken/")
    console = stop()

    page = body.decode()
    assert status == 500
    assert "Something went wrong / Une erreur s'est produite" in page
    assert "ZeroDivisionError" not in page and "Traceback" not in page and "SECRET_KEY" not in page
    assert "Traceback" in console and "ZeroDivisionError: division by zero" in console


def test_static_files_are_served_from_the_source_folders(dev_server):
    base, _ = dev_server

    status, body, content_type = fetch(f"{base}/static/css/portal.css")

    assert status == 200 and content_type.startswith("text/css")
    assert body == (BASE_DIR / "static" / "css" / "portal.css").read_bytes()


def test_the_demo_with_its_known_passwords_loads_without_force_only_on_the_local_portal(settings):
    from django.core.management import CommandError, call_command

    from taskforce.settings import dev

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert dev.DEMO_ON_LOCAL_PORTAL is True and dev.DEBUG is False
