"""Steps a person takes in the browser."""

import re

from playwright.sync_api import Page

from taskforce.demo import DEMO_PASSWORD


def wait_for_components(page: Page) -> None:
    page.wait_for_selector("gcds-header.hydrated")


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/en/accounts/login/")
    wait_for_components(page)
    page.fill("gcds-input[name=username] input", username)
    page.fill("gcds-input[name=password] input", DEMO_PASSWORD)
    page.click("gcds-button[type=submit] >> button")
    # Sign-in lands in the member's preferred language; the browser tests read the English pages, so a
    # French-speaking member switches to English (which becomes their preference for the rest of the test).
    page.wait_for_url(re.compile(rf"^{re.escape(base_url)}/(en|fr)/$"))
    if not page.url.endswith("/en/"):
        page.goto(f"{base_url}/en/")
    wait_for_components(page)


def sign_out(page: Page) -> None:
    page.click("form.portal-inline-form button")
    page.wait_for_url("**/accounts/login/")
