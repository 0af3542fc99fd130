"""Steps a person takes in the browser."""

import re
import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page

from accounts.selectors import second_factor_required
from members.models import User
from taskforce.demo import DEMO_PASSWORD


def wait_for_components(page: Page) -> None:
    """Until every design-system component on the page is ready: a click on a button that is not yet hydrated does
    nothing (its inner button submits no form), so a step taken too early would wait for a request never sent."""
    page.wait_for_selector("gcds-header.hydrated")
    page.wait_for_function(
        "() => [...document.querySelectorAll('*')]"
        ".filter(el => el.localName.startsWith('gcds-'))"
        ".every(el => el.classList.contains('hydrated'))"
    )


def settled(page: Page) -> None:
    """After an in-place update: the request answered, htmx done swapping and settling, and every component it
    brought in ready again (one that never hydrates fails here, after the wait)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    wait_for_components(page)


def authenticator_code(device: TOTPDevice) -> str:
    """The code the member's authenticator app shows now, as their phone computes it from the shared key. A code
    is accepted once: a second sign-in within the same 30 seconds waits for the app's next code."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    while totp.t() <= device.last_t:
        time.sleep(1)
        totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def authenticator_of(username: str) -> TOTPDevice | None:
    """For those who must use a second factor (the secretariat), their authenticator app: one is set up for them
    here if they have none, as they would do at their first sign-in."""
    user = User.objects.get(username=username)
    if not second_factor_required(user=user):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )


def sign_in(page: Page, base_url: str, username: str) -> None:
    """Password, then, for those who must use one (the secretariat), a code from their authenticator app (one is
    set up for them here if they have none, as they would do at their first sign-in)."""
    device = authenticator_of(username)
    page.goto(f"{base_url}/en/accounts/login/")
    wait_for_components(page)
    page.fill("gcds-input[name=username] input", username)
    page.fill("gcds-input[name=password] input", DEMO_PASSWORD)
    page.click("gcds-button[type=submit] >> button")
    if device is not None:
        page.wait_for_url("**/accounts/two-factor/verify/**")
        wait_for_components(page)
        device.refresh_from_db()
        page.fill("gcds-input[name=code] input", authenticator_code(device))
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
