"""Steps a person takes in the browser."""

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
    page.wait_for_url(f"{base_url}/en/")
    wait_for_components(page)


def sign_out(page: Page) -> None:
    page.click("form.portal-inline-form button")
    page.wait_for_url("**/accounts/login/")
