"""Accessibility, checked by axe-core in Chromium on every page of the portal: signed in as the secretariat and as a
member, in English and in French, no WCAG 2.1 A or AA violation; and every page reflows on a 360 px wide screen
(no sideways scrolling of the page itself; a wide table scrolls inside its own region).

The pages are those of the visibility matrix (tests/support/visibility_matrix.py), so a new page is checked as soon as
it is listed there."""

import pytest
from django.conf import settings
from playwright.sync_api import Browser

from tests.support.visibility_matrix import MATRIX

from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = settings.BASE_DIR / "var" / "axe" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Not pages: the API, calendar feeds, probes, downloads (files, CSV) and actions (POST).
# The innermost elements sticking out past the right edge of the screen, to name the culprit in a failure.
TOO_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1
               && ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 1))
  .slice(0, 4).map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().width)}px`)"""
# Only the violations: axe skips gathering what passes, a third of its time on a page.
AXE_VIOLATIONS = """async (tags) => (await axe.run(document, {runOnly: tags, resultTypes: ['violations']})).violations
  .map(v => [v.id, v.help, v.nodes.map(n => n.target.join(' ')).slice(0, 3)])"""
# How far the page scrolls sideways, measured after the next two frames (once the new width has been laid out).
OVERFLOW_ONCE_LAID_OUT = """() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(
  () => resolve(document.documentElement.scrollWidth - window.innerWidth))))"""
NOT_PAGES = (
    "api", "healthz", "readyz", "calendar-feed", "body-calendar-feed", "paper-download", "logout", "audit-log-export",
    "report-pdf", "register-export",
)


def pages(demo, persona: str) -> list[str]:
    urls = []
    for name, route in MATRIX.items():
        if route.method != "get" or name.split(":")[0] in NOT_PAGES or name.startswith("api"):
            continue
        expected = route.statuses.get(persona)
        if expected == 200:
            urls.append(route.url(demo))
    return sorted(set(urls))


def in_language(url: str, language: str) -> str:
    return f"/{language}/{url[4:]}" if url.startswith("/en/") else url


# Every page, in two halves (every other page of the sorted list): two shorter tests the two test workers share.
@pytest.mark.parametrize("half", [0, 1])
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("persona", ["secretariat", "cbsa"])
def test_every_page_passes_axe_and_reflows_at_360_px(browser: Browser, live_server, demo, persona, language, half):
    # The checker is injected into each page, which the portal's own Content Security Policy would refuse.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, live_server.url, persona)
    problems: dict[str, list] = {}
    checked = 0
    for url in pages(demo, persona)[half::2]:
        address = live_server.url + in_language(url, language)
        page.set_viewport_size({"width": 1280, "height": 900})
        response = page.goto(address)
        assert response is not None and response.status == 200, address
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        page.wait_for_selector("gcds-header.hydrated")
        assert page.evaluate("document.documentElement.lang") == language, address
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(AXE_VIOLATIONS, WCAG_21_AA)
        if violations:
            problems[f"{url} (1280px)"] = violations
        checked += 1
        # The same page on a phone: the layout follows the narrower window as it would have loaded in it.
        page.set_viewport_size({"width": 360, "height": 900})
        overflow = page.evaluate(OVERFLOW_ONCE_LAID_OUT)
        if overflow > 1:
            problems[f"{url} (360px)"] = [f"the page scrolls sideways by {overflow}px", page.evaluate(TOO_WIDE)]
    context.close()
    assert checked >= 8, f"only {checked} pages were checked"
    assert problems == {}, problems


@pytest.mark.parametrize("width", [1280, 360])
def test_the_api_documentation_passes_axe(browser: Browser, live_server, demo, width):
    """/api/docs/ (Swagger UI, from drf-spectacular's sidecar): the page as it loads, then with an operation opened,
    as a member reads it; it has a language, and reflows on a narrow screen."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, live_server.url, "cbsa")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock-summary")
    page.add_script_tag(path=str(AXE))
    run_axe = AXE_VIOLATIONS

    as_loaded = page.evaluate(run_axe, WCAG_21_AA)
    page.locator(".swagger-ui .opblock-summary-control").first.click()
    page.wait_for_selector(".swagger-ui .opblock-body")
    opened = page.evaluate(run_axe, WCAG_21_AA)
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    too_wide = page.evaluate(TOO_WIDE) if overflow > 1 else []
    language = page.evaluate("document.documentElement.lang")
    context.close()

    assert {"lang": language, "as loaded": as_loaded, "opened": opened, "too wide": too_wide} == {
        "lang": "en", "as loaded": [], "opened": [], "too wide": []
    }
