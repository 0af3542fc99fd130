"""The agreement pages in Chromium: quoting a passage by selecting it, answering a workflow step, and being taken to
what is wrong in a refused question."""

import pytest

from mou.models import Agreement

from .helpers import sign_in, wait_for_components

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SELECT_IN_VERSION_TEXT = """(words) => {
  const root = document.getElementById('version-text');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const start = node.data.indexOf(words);
    if (start >= 0) {
      const range = document.createRange();
      range.setStart(node, start);
      range.setEnd(node, start + words.length);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      return true;
    }
  }
  return false;
}"""


def the_mou() -> Agreement:
    return Agreement.objects.get(body__acronym="CBFTF", short_name="CBSA–ATF MOU")


def test_selecting_words_in_a_version_quotes_them_in_the_comment(page, live_server, demo):
    mou = the_mou()
    sign_in(page, live_server.url, "atf")
    page.goto(f"{live_server.url}/en/agreements/{mou.pk}/versions/2/")
    wait_for_components(page)
    page.wait_for_selector("gcds-textarea#comment-passage.hydrated")

    assert page.evaluate(SELECT_IN_VERSION_TEXT, "every two years")
    # A function, not an expression: Playwright polls an expression with eval, which the page's CSP refuses.
    page.wait_for_function("() => document.getElementById('comment-passage').value === 'every two years'")
    page.fill("gcds-textarea#comment-text textarea", "Every three years is enough.")
    page.click("form[action$='/comments/'] gcds-button >> button")
    page.wait_for_url("**/versions/2/#comment-*")
    wait_for_components(page)

    comment = page.locator(".mou-comments li", has_text="Every three years is enough.")
    assert comment.locator("blockquote").inner_text().endswith("every two years")


def test_the_owner_agency_approves_the_current_step_in_the_browser(page, live_server, demo):
    mou = the_mou()
    sign_in(page, live_server.url, "cbsa")
    page.goto(f"{live_server.url}/en/agreements/{mou.pk}/")
    wait_for_components(page)

    page.click("form.mou-act gcds-button[value=approved] >> button")
    # Asked first, with who sees the answer: CBSA and ATF only, on the restricted MOU.
    page.wait_for_selector("h1:has-text('Approve this step?')")
    wait_for_components(page)
    told = page.locator("section[aria-labelledby=told-heading]").inner_text()
    assert "Nobody will be notified" in told
    assert "(CBSA)" in told and "(RCMP)" not in told
    page.click("gcds-button:has-text('Approve the step') >> button")
    page.wait_for_url(f"**/agreements/{mou.pk}/#step-*")
    wait_for_components(page)

    step = page.locator(".mou-step", has_text="CBSA internal approval")
    assert "Complete" in step.inner_text()
    assert "Current step" in page.locator(".mou-step", has_text="Shared with ATF for review").inner_text()


def test_a_party_drafts_a_new_version_and_compares_it_with_the_last_one(page, live_server, demo):
    mou = the_mou()
    sign_in(page, live_server.url, "cbsa")
    page.goto(f"{live_server.url}/en/agreements/{mou.pk}/versions/new/")
    wait_for_components(page)
    page.wait_for_selector("gcds-textarea[name=text].hydrated")
    text = page.input_value("gcds-textarea[name=text] textarea")
    page.fill("gcds-textarea[name=text] textarea", text.replace("every two years", "every three years"))
    page.fill("gcds-input[name=note] input", "Review period agreed with ATF")
    page.click("form[action$='/versions/new/'] gcds-button >> button")
    page.wait_for_load_state("networkidle")

    latest = mou.versions.order_by("-number").first()
    assert (latest.number, latest.author.username) == (3, "cbsa")
    assert "every three years" in latest.text

    page.goto(f"{live_server.url}/en/agreements/{mou.pk}/versions/compare/?from=2&to=3")
    wait_for_components(page)
    redline = page.locator(".mou-redline")
    assert "three" in redline.locator("ins").all_inner_texts()[0]
    assert "two" in redline.locator("del").all_inner_texts()[0]
    assert "1 word inserted" in page.inner_text("main") and "1 word deleted" in page.inner_text("main")


def test_a_refused_sharing_question_takes_the_reader_to_its_error_and_from_there_to_the_field(page, live_server):
    sign_in(page, live_server.url, "cbsa")
    page.goto(f"{live_server.url}/en/agreements/sharing/?source=CBSA&target=CBSA&category=customs")
    wait_for_components(page)

    # The summary has the focus once the page is loaded: a screen reader reads the problem first.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'error-summary'")
    summary = page.locator("#error-summary")
    assert "Choose an agency other than the one sharing." in summary.inner_text()

    # Its link moves the focus into the field, inside the design system's control.
    page.click("#error-summary a[data-focus]")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'sharing-target'")
