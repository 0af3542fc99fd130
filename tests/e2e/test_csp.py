"""The Content Security Policy in Chromium: the main pages run under it without a single violation.

The policy refuses inline script and any style not from the portal (or carrying the request's nonce); a page
that still had an inline handler, or a component that injected an unsigned style, fails here with what was
refused and where.
"""

import pytest
from playwright.sync_api import Page

from meetings.models import AgendaItem, Meeting
from mou.models import Agreement
from tests.support.scenario import mou_review

from .helpers import sign_in, wait_for_components

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects every violation the page reports, from before the page's own scripts run.
LISTEN_FOR_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} refused ${event.blockedURI || "inline"} in ${event.documentURI}`);
});
"""

EVERY_COMPONENT_HYDRATED = """() => [...document.querySelectorAll("*")]
  .filter((element) => element.localName.startsWith("gcds-"))
  .every((element) => element.classList.contains("hydrated"))"""


class Violations:
    """What the browser refused on a page: its console's CSP messages and the violation events."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(LISTEN_FOR_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or message.text.startswith("Refused to"):
            self.console.append(f"{self.page.url}: {message.text}")

    def visit(self, url: str) -> list[str]:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, url
        assert "object-src 'none'" in response.headers["content-security-policy"]
        wait_for_components(self.page)
        # Every component on the page, not only the header, has loaded its code and styles and hydrated.
        self.page.wait_for_function(EVERY_COMPONENT_HYDRATED)
        return self.page.evaluate("window.__cspViolations")


def mou() -> Agreement:
    return Agreement.objects.get(body__acronym="CBFTF", short_name="CBSA–ATF MOU")


def december() -> Meeting:
    return Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF meeting")


def mou_item() -> AgendaItem:
    return AgendaItem.objects.get(title_en="CBSA–ATF MOU on direct information sharing: status")


def member_pages() -> list[str]:
    return [
        "/en/",
        "/en/agencies/",
        "/en/agencies/CBSA/",
        "/en/members/",
        "/en/members/cbsa/",
        "/en/bodies/CBFTF/",
        f"/en/milestones/{mou_review().pk}/",
        "/en/notifications/",
        "/en/notifications/preferences/",
        "/en/account/tokens/",
        "/en/account/calendar/",
        "/en/accounts/password/",
        "/en/accounts/two-factor/",
        "/en/accounts/two-factor/enrol/",
        "/en/meetings/",
        "/en/meetings/review/",
        "/en/meetings/register/",
        f"/en/meetings/{december().pk}/",
        f"/en/meetings/items/{mou_item().pk}/",
        "/en/agreements/",
        f"/en/agreements/{mou().pk}/",
        f"/en/agreements/{mou().pk}/versions/2/",
        f"/en/agreements/{mou().pk}/versions/compare/",
        f"/en/agreements/{mou().pk}/versions/new/",
        "/en/agreements/sharing/?source=CBSA&target=ATF&category=customs",
        "/en/agreements/sharing/matrix/",
        "/en/calendar/?month=2022-02",
        "/en/calendar/?month=2021-12&view=list",
        "/en/milestones/timeline/",
        "/fr/",
    ]


def secretariat_pages() -> list[str]:
    upcoming = Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF regular meeting")
    return [
        "/en/",
        "/en/notifications/deliveries/",
        "/en/audit/",
        "/en/meetings/new/?body=CBFTF",
        "/en/meetings/series/new/?body=CBFTF",
        f"/en/meetings/{upcoming.pk}/edit/",
        f"/en/meetings/{upcoming.pk}/cancel/",
        f"/en/meetings/{december().pk}/agenda/new/",
        f"/en/meetings/{december().pk}/attendance/",
        f"/en/meetings/{december().pk}/minutes/",
        f"/en/meetings/items/{mou_item().pk}/edit/",
        f"/en/meetings/items/{mou_item().pk}/papers/new/",
        f"/en/agreements/{mou().pk}/",
    ]


def test_the_sign_in_page_runs_under_the_policy(page, live_server, demo):
    violations = Violations(page)

    assert violations.visit(f"{live_server.url}/en/accounts/login/") == []
    assert violations.console == []


@pytest.mark.parametrize(("username", "pages"), [("cbsa", member_pages), ("secretariat", secretariat_pages)])
def test_the_main_pages_run_under_the_policy_with_their_components_hydrated(page, live_server, demo, username, pages):
    violations = Violations(page)
    sign_in(page, live_server.url, username)

    refused = {path: found for path in pages() if (found := violations.visit(f"{live_server.url}{path}"))}

    assert refused == {}
    assert violations.console == []
    assert page.locator("gcds-footer.hydrated").count() == 1


def test_htmx_answers_update_the_page_under_the_policy(page, live_server, demo):
    upcoming = Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF regular meeting")
    violations = Violations(page)
    sign_in(page, live_server.url, "rcmp")
    assert violations.visit(f"{live_server.url}/en/meetings/{upcoming.pk}/") == []

    page.click("gcds-radios[name=response] >> text=Attending remotely")
    page.click("#rsvp gcds-button[type=submit] >> button")
    page.wait_for_selector("#rsvp .portal-status--success")

    assert page.evaluate("window.__cspViolations") == []
    assert violations.console == []


def test_the_api_docs_run_under_their_policy(page, live_server, demo):
    violations = Violations(page)
    sign_in(page, live_server.url, "cbsa")

    response = page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock-tag")

    assert "object-src 'none'" in response.headers["content-security-policy"]
    assert page.evaluate("window.__cspViolations") == []
    assert violations.console == []
