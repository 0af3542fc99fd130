"""Security headers: every page and endpoint answers with the Content Security Policy and the other headers that
keep it from being framed, sniffed or leaking its addresses; production adds HSTS and cookies sent only over HTTPS.

The routes come from the visibility matrix, so a new page is checked here as soon as it is listed there.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.visibility_matrix import MATRIX, PERSONAS

BASE_DIR = Path(__file__).resolve().parent.parent.parent
GET_ROUTES = sorted(name for name, route in MATRIX.items() if route.method == "get")
# What the policy must say on every response, directive by directive.
REQUIRED_DIRECTIVES = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
NEVER_ALLOWED = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"}


def policy_of(response) -> dict[str, set[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    return {name: set(sources) for name, *sources in directives}


def assert_secure_headers(response) -> None:
    policy = policy_of(response)
    for directive, sources in REQUIRED_DIRECTIVES.items():
        assert policy.get(directive) == sources, (directive, response["Content-Security-Policy"])
    # 'unsafe-inline' for styles is refused too: the design system's one inserted style carries the nonce.
    for directive in ("script-src", "style-src", "default-src"):
        assert not policy.get(directive, set()) & NEVER_ALLOWED, (directive, policy.get(directive))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in {"same-origin", "strict-origin-when-cross-origin"}
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def expected(status: int | frozenset[int]) -> frozenset[int]:
    return status if isinstance(status, frozenset) else frozenset({status})


def a_persona_let_in(name: str) -> str:
    """The least privileged persona the matrix lets read the route (or, for a route that only redirects, follow it;
    or one it answers with a state of what they may see)."""
    statuses = MATRIX[name].statuses
    let_in = [persona for persona in PERSONAS if 200 in expected(statuses[persona])]
    redirected = [persona for persona in PERSONAS[1:] if 302 in expected(statuses[persona])]
    # A route that answers a state rather than a page in the probe (a package not prepared yet: 409).
    answered = [persona for persona in PERSONAS[1:] if expected(statuses[persona]) - {401, 403, 404}]
    return (let_in or redirected or answered)[0]


@pytest.mark.parametrize("name", GET_ROUTES)
def test_every_page_and_endpoint_answers_with_the_security_headers(demo, personas, client_for, name):
    route = MATRIX[name]
    persona = a_persona_let_in(name)

    response = client_for(personas[persona]).get(route.url(demo))

    assert response.status_code in expected(route.statuses[persona]), (name, persona, response.status_code)
    assert_secure_headers(response)


def test_not_found_and_redirect_answers_carry_them_too(demo, client_for):
    assert_secure_headers(client_for(demo.users["rcmp"]).get("/en/agencies/DEA/"))
    assert_secure_headers(client_for(None).get("/en/"))


def test_pages_sign_the_design_systems_style_with_the_nonce_of_the_policy(demo, client_for):
    response = client_for(demo.users["rcmp"]).get("/en/")

    nonce = next(source for source in policy_of(response)["style-src"] if source.startswith("'nonce-"))
    assert f'<meta name="csp-nonce" content="{nonce[7:-1]}">' in response.content.decode()
    assert policy_of(client_for(demo.users["rcmp"]).get("/en/"))["style-src"] != policy_of(response)["style-src"]


def test_the_api_docs_load_their_script_from_the_portal_not_inline(demo, client_for):
    client = client_for(demo.users["rcmp"])

    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    assert_secure_headers(page)
    assert '<script src="/api/docs/?script="></script>' in page.content.decode()
    assert "<script>" not in page.content.decode() and "<style>" not in page.content.decode()
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def production_environment() -> dict[str, str]:
    # The deployment's environment: none of the test run's own switches (the browser tests allow async-unsafe calls).
    environment = {
        name: value for name, value in os.environ.items()
        if not name.endswith("_FILE") and name not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}
    }
    return environment | {
        "DJANGO_SETTINGS_MODULE": "taskforce.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "postgres://portal@127.0.0.1/portal",
        "ALLOWED_HOSTS": "portal.example.org",
    }


PRINT_PRODUCTION_SETTINGS = """
import json
from django.conf import settings
names = [
    "DEBUG", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE", "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "X_FRAME_OPTIONS", "SECURE_PROXY_SSL_HEADER",
]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def test_production_sends_hsts_and_keeps_cookies_to_https():
    result = subprocess.run(
        [sys.executable, "-c", PRINT_PRODUCTION_SETTINGS], cwd=BASE_DIR, env=production_environment(),
        capture_output=True, text=True, check=True,
    )

    production = json.loads(result.stdout)
    assert production["DEBUG"] is False
    assert production["SECURE_HSTS_SECONDS"] >= 31536000 and production["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert production["SECURE_SSL_REDIRECT"] and production["SECURE_PROXY_SSL_HEADER"] == [
        "HTTP_X_FORWARDED_PROTO", "https",
    ]
    assert production["SESSION_COOKIE_SECURE"] and production["SESSION_COOKIE_HTTPONLY"]
    assert production["CSRF_COOKIE_SECURE"] and production["LANGUAGE_COOKIE_SECURE"]
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert production["SECURE_REFERRER_POLICY"] == "same-origin"
    assert production["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert production["X_FRAME_OPTIONS"] == "DENY"


def test_the_deployment_checks_pass_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=BASE_DIR,
        env=production_environment(), capture_output=True, text=True,
    )

    assert result.returncode == 0, result.stderr
