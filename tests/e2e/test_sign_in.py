import pytest

from .helpers import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_demo_member_signs_in_and_sees_only_what_their_agency_may_see(page, live_server, demo):
    sign_in(page, live_server.url, "rcmp")
    main = page.locator("main")
    assert "Joint Border Threat Assessment issued" in main.inner_text()
    assert "CBSA–ATF MOU" not in page.content()
    sign_out(page)
    sign_in(page, live_server.url, "atf")
    assert "CBSA–ATF MOU shared with ATF for review" in page.locator("main").inner_text()


def test_the_language_switch_shows_the_page_in_french(page, live_server, demo):
    sign_in(page, live_server.url, "cbsa")
    page.click("gcds-lang-toggle >> a")
    page.wait_for_url(f"{live_server.url}/fr/")
    assert page.locator("html").get_attribute("lang") == "fr"
