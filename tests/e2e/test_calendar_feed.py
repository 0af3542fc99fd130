"""The calendar feed page in the browser: the address is copied to the clipboard in one click, under the portal's
strict Content Security Policy (the script is the portal's own file)."""

import pytest
from playwright.sync_api import Browser

from .helpers import sign_in, wait_for_components

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language,copied", [("en", "Address copied."), ("fr", "Adresse copiée.")])
def test_a_member_creates_a_feed_and_copies_its_address(browser: Browser, live_server, demo, language, copied):
    context = browser.new_context(viewport={"width": 390, "height": 900}, locale="en-CA")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    sign_in(page, live_server.url, "rcmp")

    page.goto(f"{live_server.url}/{language}/account/calendar/")
    wait_for_components(page)
    page.click("gcds-button[type=submit] >> button")
    wait_for_components(page)
    address = page.input_value("#feed-url")
    subscribe = page.get_attribute("a.portal-subscribe", "href")
    page.click(".portal-copy gcds-button >> button")
    page.wait_for_function("() => document.querySelector('.portal-copy [role=status]').textContent !== ''")
    status = page.text_content(".portal-copy [role=status]")
    clipboard = page.evaluate("navigator.clipboard.readText()")
    notice = page.text_content(".portal-messages")
    context.close()

    assert address.startswith("http://") and subscribe == "webcal://" + address.split("://", 1)[1]
    assert clipboard == address and status == copied
    assert "no longer works" not in notice and "ne fonctionne plus" not in notice
    assert refused == []
