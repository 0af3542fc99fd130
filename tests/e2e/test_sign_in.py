import pytest
from django.test import Client

from accounts import services as account_services

from .helpers import sign_in, sign_out, wait_for_components

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


@pytest.mark.parametrize(("tick", "answer"), [(False, 200), (True, 401)], ids=["box-unticked", "box-ticked"])
def test_signing_out_on_the_sign_out_page_revokes_the_api_tokens_only_when_the_box_is_ticked(
    page, live_server, demo, tick, answer
):
    _token, text = account_services.api_token_create(actor=demo.users["rcmp"], name="Schedule sync")
    sign_in(page, live_server.url, "rcmp")
    page.goto(f"{live_server.url}/en/accounts/logout/")
    wait_for_components(page)
    box = page.locator("gcds-checkboxes[name=revoke_tokens] input[type=checkbox]")
    assert not box.is_checked()

    if tick:
        page.click("gcds-checkboxes[name=revoke_tokens] >> text=Also revoke my API tokens")
        assert box.is_checked()
    page.click("main form.portal-form gcds-button[type=submit] >> button")
    page.wait_for_url("**/accounts/login/")

    assert Client(HTTP_AUTHORIZATION=f"Token {text}").get("/api/v1/milestones/").status_code == answer
