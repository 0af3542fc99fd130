"""The production build of the static files: `collectstatic` with production settings (as the Dockerfile runs it)
succeeds, and gunicorn with those settings serves the sign-in page and every file it and its stylesheets name."""

import json
import os
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import pytest

from tests.support.live import database_url_of_this_test, free_port, wait_until

BASE_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
pytestmark = pytest.mark.django_db
STATIC_REFERENCE = re.compile(r'(?:href|src)="(/static/[^"]+)"')
CSS_URL = re.compile(r"url\(\s*['\"]?(?!data:|#)([^'\")]+)['\"]?\s*\)")


# `manage.py` as the Dockerfile runs it, but for brotli's quality: WhiteNoise compresses every file at brotli's highest
# (its default), which for the bundled API documentation alone takes most of a minute of both cores. Every file still
# goes through the same compression, at a quality that takes a twentieth of the time for a file a tenth larger.
COLLECTSTATIC = (
    "import functools, runpy, sys, brotli; brotli.compress = functools.partial(brotli.compress, quality=9); "
    "sys.argv[0] = 'manage.py'; runpy.run_path('manage.py', run_name='__main__')"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("var")
    environment = {
        name: value for name, value in os.environ.items()
        if not name.endswith("_FILE") and name not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}
    } | {
        "DJANGO_SETTINGS_MODULE": "taskforce.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "VAR_DIR": str(var_dir),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_FORMAT": "text",
    }
    build = subprocess.run(
        [sys.executable, "-c", COLLECTSTATIC, "collectstatic", "--noinput", "-v1"], cwd=BASE_DIR,
        env=environment | {"DATABASE_URL": "postgres://build@localhost/build"}, capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    return var_dir, environment


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")


def test_collectstatic_with_production_settings_hashes_every_file_the_pages_use(built):
    var_dir, _ = built
    manifest = (var_dir / "staticfiles" / "staticfiles.json").read_text()

    for name in ("css/portal.css", "vendor/gcds/gcds.css", "vendor/fonts/icons/gcds-icons.css",
                 "vendor/fonts/icons/gcds-icons.woff", "vendor/htmx/htmx.min.js"):
        assert f'"{name}"' in manifest, name
    # Compressed beside itself, for the browsers that take brotli and those that take gzip.
    for name in ("css/portal.css", "vendor/gcds/gcds.css", "vendor/htmx/htmx.min.js"):
        hashed = var_dir / "staticfiles" / json.loads(manifest)["paths"][name]
        assert hashed.with_name(hashed.name + ".br").is_file() and hashed.with_name(hashed.name + ".gz").is_file(), name
    for css in (var_dir / "staticfiles" / "vendor").rglob("*.css"):
        urls = CSS_URL.findall(css.read_text())
        assert not [url for url in urls if "path-to-file" in url or "path/to/file" in url], css


def test_gunicorn_with_production_settings_serves_the_sign_in_page_and_its_files(built):
    var_dir, environment = built
    port = free_port()
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "taskforce.wsgi", "--config", "python:taskforce.gunicorn"], cwd=BASE_DIR,
        env=environment | {"DATABASE_URL": database_url_of_this_test(), "GUNICORN_BIND": f"127.0.0.1:{port}",
                           "WEB_CONCURRENCY": "1", "DATABASE_POOL": "false"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: server.poll() is not None or (_listening(port) and fetch(f"{base}/healthz")[0] == 200),
                   seconds=60, what="gunicorn to answer")
        assert server.poll() is None, "gunicorn stopped"

        status, body, _ = fetch(f"{base}/en/accounts/login/")
        assert status == 200, body[-2000:]
        page = body.decode()
        files = set(STATIC_REFERENCE.findall(page))
        assert any(re.fullmatch(r"/static/vendor/gcds/gcds\.[0-9a-f]{12}\.css", name) for name in files), files

        stylesheets = [name for name in files if name.endswith(".css")]
        for stylesheet in stylesheets:
            status, css, _ = fetch(base + stylesheet)
            assert status == 200, stylesheet
            files |= {urljoin(stylesheet, url.split("#")[0].split("?")[0]) for url in CSS_URL.findall(css.decode())}
        assert any("gcds-icons." in name and name.endswith(".woff") for name in files), files
        for name in sorted(files):
            status, _, _ = fetch(base + name)
            assert status == 200, (name, status)
    finally:
        os.killpg(server.pid, 15)
        output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output, output[-4000:]


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
