import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from taskforce.demo import DEMO_PASSWORD

from .helpers import wait_for_components

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_secretariat_sets_up_an_authenticator_at_first_sign_in_as_the_readme_says(page, live_server, demo):
    base = live_server.url
    page.goto(f"{base}/en/accounts/login/")
    wait_for_components(page)
    page.fill("gcds-input[name=username] input", "secretariat")
    page.fill("gcds-input[name=password] input", DEMO_PASSWORD)
    page.click("gcds-button[type=submit] >> button")

    page.wait_for_url("**/en/accounts/two-factor/enrol/**")
    wait_for_components(page)
    assert page.locator("main h1").inner_text() == "Set up an authenticator app"
    qr_code = page.locator("main img")
    assert qr_code.evaluate("image => image.complete && image.naturalWidth > 0")
    # As a person would with an app: type the key shown under the QR code, read the six digits it shows.
    key = b32decode(re.sub(r"\s", "", page.locator("#authenticator-key").inner_text()))
    page.fill("gcds-input[name=code] input", f"{TOTP(key).token():06d}")
    page.click("form.portal-form gcds-button[type=submit] >> button")

    page.wait_for_selector("text=Two-step verification is on")
    assert page.locator(".portal-recovery-codes li").count() == 10
    page.click("text=I have saved my recovery codes: continue")
    page.wait_for_url(f"{base}/en/")
    assert "Welcome, Claire" in page.locator("main").inner_text()
