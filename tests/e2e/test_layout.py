"""The main pages as a person sees them, at 1280 px (a laptop) and 390 px (a phone), in English and in French, as a
member and as the secretariat: the page never scrolls sideways (a wide table scrolls inside its own labelled
region), the header's menu labels take at most two lines, and the "signed in as" bar is wholly on screen.

Each page is also saved as a screenshot under var/screenshots/ to be looked at."""

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page

from tests.support.visibility_matrix import MATRIX

from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
# The home page at 1280 px is an overview, its parts side by side, not one long column (the secretariat's was 5,400 px
# in English, 5,600 in French; about 3,900 and 4,100 now).
HOME_HEIGHT = 4300
# How many parts of the home page's overview share a row with another.
SIDE_BY_SIDE = """() => {
  const tops = [...document.querySelectorAll('.portal-overview > *')].map(part => Math.round(part.getBoundingClientRect().top));
  return tops.filter(top => tops.filter(other => other === top).length > 1).length;
}"""
PAGES = ("home", "meeting-detail", "agenda-item-detail", "agreement-detail", "sharing-map")
# How many lines each label of the header's menu takes: its height over its line height (inside the design system's
# component, whose link lives in a shadow root).
NAV_LINES = """() => [...document.querySelectorAll('gcds-top-nav > gcds-nav-link')].map(link => {
  const a = link.shadowRoot.querySelector('a');
  const style = getComputedStyle(a);
  const inner = a.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
                - parseFloat(style.borderTopWidth) - parseFloat(style.borderBottomWidth);
  return [link.textContent.trim(), Math.round(inner / parseFloat(style.lineHeight))];
})"""
# The parts of the "signed in as" bar that stick out of the screen or are cut off by it.
ACCOUNT_BAR_CLIPPED = """() => {
  const bar = document.querySelector('.portal-account');
  const cut = bar.scrollWidth > bar.clientWidth + 1 ? ['the bar itself'] : [];
  return cut.concat([...bar.children].filter(part => {
    const box = part.getBoundingClientRect();
    return box.left < -1 || box.right > innerWidth + 1 || box.width === 0;
  }).map(part => part.textContent.trim()));
}"""
TOO_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1
               && ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 1))
  .slice(0, 4).map(e => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().width)}px`)"""
# A table wider than its column scrolls inside a region a keyboard can reach and a screen reader names.
UNLABELLED_SCROLLING_TABLES = """() => [...document.querySelectorAll('table')].filter(table => {
  const box = table.parentElement;
  if (table.getBoundingClientRect().width <= box.getBoundingClientRect().width + 1) return false;
  const named = box.getAttribute('aria-label') || document.getElementById(box.getAttribute('aria-labelledby'));
  return !(box.getAttribute('role') === 'region' && named && box.tabIndex === 0);
}).map(table => table.querySelector('caption')?.textContent.trim() || table.className)"""


# On a laptop, no table of the main pages needs scrolling sideways to reach its last column.
TABLES_SCROLLING = """() => [...document.querySelectorAll('table')].filter(table =>
  table.getBoundingClientRect().width > table.parentElement.getBoundingClientRect().width + 1
  || table.parentElement.scrollWidth > table.parentElement.clientWidth + 1
).map(table => table.querySelector('caption')?.textContent.trim() || table.className)"""


def open_page(page: Page, address: str) -> None:
    response = page.goto(address)
    assert response is not None and response.status == 200, address
    page.wait_for_selector("gcds-header.hydrated")
    page.wait_for_function("() => [...document.querySelectorAll('gcds-nav-link')].every(l => l.shadowRoot?.querySelector('a'))")


def layout_problems(page: Page, width: int) -> dict[str, object]:
    problems: dict[str, object] = {}
    overflow = page.evaluate("document.scrollingElement.scrollWidth - innerWidth")
    if overflow > 0:
        problems["scrolls sideways by"] = (overflow, page.evaluate(TOO_WIDE))
    if clipped := page.evaluate(ACCOUNT_BAR_CLIPPED):
        problems["signed-in bar cut off"] = clipped
    if tables := page.evaluate(UNLABELLED_SCROLLING_TABLES):
        problems["wide tables outside a labelled region"] = tables
    if width >= 1024 and (tables := page.evaluate(TABLES_SCROLLING)):
        problems["tables scrolling sideways on a laptop"] = tables
    if width >= 1024 and page.url.rstrip("/").endswith(("/en", "/fr")):
        height = page.evaluate("document.scrollingElement.scrollHeight")
        if height > HOME_HEIGHT:
            problems["home page taller than"] = (HOME_HEIGHT, height)
        if page.evaluate(SIDE_BY_SIDE) < 5:
            problems["home page parts side by side"] = page.evaluate(SIDE_BY_SIDE)
    if width >= 1024 and (wrapped := [label for label, lines in page.evaluate(NAV_LINES) if lines > 2]):
        problems["menu labels on three lines or more"] = wrapped
    return problems


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("persona", ["cbsa", "secretariat"])
def test_the_main_pages_fit_a_laptop_and_a_phone(browser: Browser, live_server, demo, persona, language):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-CA")
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, live_server.url, persona)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for name in PAGES:
        url = MATRIX[name].url(demo)
        address = live_server.url + (f"/{language}/{url[4:]}" if url.startswith("/en/") else url)
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            open_page(page, address)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{persona}-{language}-{width}.png"), full_page=True)
            if found := layout_problems(page, width):
                problems[f"{name} at {width}px"] = found
    context.close()
    assert problems == {}
