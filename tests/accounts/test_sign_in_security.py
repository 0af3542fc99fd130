"""Accounts and sessions: sign-in lockouts, throttled API tokens, two-step verification, session lifetimes, signing
out and deactivation, password rules, and sign-in messages that say nothing about which accounts exist.

Addresses are from the documentation ranges (RFC 5737); they only label requests made in this process.
"""

import datetime
import json
import os
import re
import subprocess
import sys
import time
from base64 import b32decode
from binascii import unhexlify
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services as account_services
from accounts.feeds import feed_url
from accounts.middleware import OPEN_BEFORE_SECOND_FACTOR
from accounts.models import ApiToken
from audit.models import AuditEntry
from members import services as member_services
from taskforce.demo import DEMO_PASSWORD
from taskforce.models import Membership
from tests.support import qr
from tests.support.factories import MembershipFactory
from tests.support.scenario import page, text_of
from tests.support.visibility_matrix import MATRIX

LOGIN = "/en/accounts/login/"
HOME = "/en/"
ENROL = "/en/accounts/two-factor/enrol/"
VERIFY = "/en/accounts/two-factor/verify/"
MILESTONES_API = "/api/v1/milestones/"
LOCKED = "Signing in is paused"
NOT_MATCHED = "The username and password did not match an active account."
NOW = datetime.datetime(2026, 3, 2, 14, 0, tzinfo=datetime.UTC)


def sign_in(client: Client, username: str, password: str = DEMO_PASSWORD, address: str = "192.0.2.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_to_sign_in(username: str, *, times: int, addresses: list[str] | None = None) -> None:
    addresses = addresses or ["192.0.2.1"]
    for n in range(times):
        response = sign_in(Client(), username, "not-the-password", addresses[n % len(addresses)])
        assert response.status_code in (200, 429)


def app_code(key: bytes, at: float | None = None) -> str:
    """The six digits an authenticator app holding `key` shows at `at` (now by default)."""
    totp = TOTP(key, 30, 0, 6, 0)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def wrong_code(key: bytes) -> str:
    """Six digits the app shows neither now nor 30 seconds either side."""
    now = time.time()
    near = {app_code(key, now + shift) for shift in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


def key_on_the_page(response) -> bytes:
    """The key the enrolment page shows for typing into an app by hand."""
    secret = re.search(r'id="authenticator-key"[^>]*>([A-Z2-7 ]+)<', text_of(response)).group(1)
    return b32decode(secret.replace(" ", ""))


def enrol(client: Client) -> tuple[bytes, list[str]]:
    """Set up an authenticator through the pages, as a member does: returns the app's key and the recovery codes."""
    key = key_on_the_page(client.get(ENROL))
    response = client.post(ENROL, {"code": app_code(key)})
    assert response.status_code == 200, text_of(response)
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", text_of(response))
    return key, codes


def redirect_path(response) -> str:
    return urlsplit(response.url).path


# Sign-in lockouts


def test_rotating_addresses_do_not_get_round_the_lockout_of_a_username(demo):
    fail_to_sign_in("rcmp", times=5, addresses=[f"198.51.100.{n}" for n in range(1, 6)])

    # The right password, from an address never seen before.
    response = sign_in(Client(), "rcmp", address="203.0.113.77")

    assert response.status_code == 429
    assert LOCKED in text_of(response)
    assert "ask your task force secretariat to unlock your account" in text_of(response)
    assert 'name="username"' in text_of(response)  # the sign-in page itself, not a bare error page


def test_rotating_usernames_do_not_get_round_the_lockout_of_an_address(demo):
    for username in ("atf", "hsi", "nobody-here", "cbp", "dea"):
        fail_to_sign_in(username, times=1, addresses=["198.51.100.9"])

    from_there = sign_in(Client(), "cbsa", address="198.51.100.9")
    from_elsewhere = sign_in(Client(), "cbsa", address="203.0.113.5")

    assert from_there.status_code == 429 and LOCKED in text_of(from_there)
    assert from_elsewhere.status_code == 302 and from_elsewhere.url == "/fr/"  # cbsa reads French


def test_four_failures_do_not_lock_and_the_lockout_ends_after_its_cool_off(demo):
    with time_machine.travel(NOW, tick=False) as clock:
        fail_to_sign_in("rcmp", times=4)
        assert sign_in(Client(), "rcmp").status_code == 302
        fail_to_sign_in("rcmp", times=1)
        assert sign_in(Client(), "rcmp").status_code == 429

        clock.move_to(NOW + datetime.timedelta(minutes=31))

        assert sign_in(Client(), "rcmp").status_code == 302


def without_tokens(html: str) -> str:
    """The page without what changes on every request (CSRF token, CSP nonce) or echoes the typed username."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'content="[A-Za-z0-9+/=_-]{16,}"', "", html)
    return re.sub(r'nonce="[^"]*"', "", html).replace("nobody-here", "USER").replace("rcmp", "USER")


def test_the_lockout_reads_the_same_for_an_unknown_username_and_a_real_one(demo):
    fail_to_sign_in("rcmp", times=5, addresses=["198.51.100.1"])
    fail_to_sign_in("nobody-here", times=5, addresses=["198.51.100.2"])

    real = sign_in(Client(), "rcmp", address="203.0.113.1")
    unknown = sign_in(Client(), "nobody-here", address="203.0.113.2")

    assert real.status_code == unknown.status_code == 429
    assert without_tokens(text_of(real)) == without_tokens(text_of(unknown))


def test_the_secretariat_unlocks_a_person_of_their_body_and_the_address(client_for, secretariat, demo):
    fail_to_sign_in("rcmp", times=5, addresses=["198.51.100.3"])
    client = client_for(secretariat)

    listed = text_of(client.get(page("lockout-list")))
    assert ">rcmp<" in listed and "198.51.100.3" in listed

    assert client.post(page("lockout-list"), {"username": "rcmp"}).status_code == 302
    assert sign_in(Client(), "rcmp", address="203.0.113.3").status_code == 302
    # The address was locked by rcmp's failures too, which are now cleared.
    assert sign_in(Client(), "cbp", address="198.51.100.3").status_code == 302


def test_the_secretariat_unlocks_an_address_their_people_were_locked_out_from(client_for, secretariat, demo):
    for username in ("atf", "hsi", "cbp", "dea", "nobody-here"):
        fail_to_sign_in(username, times=1, addresses=["198.51.100.4"])
    client = client_for(secretariat)
    assert "198.51.100.4" in text_of(client.get(page("lockout-list")))

    assert client.post(page("lockout-list"), {"address": "198.51.100.4"}).status_code == 302

    assert sign_in(Client(), "cbsa", address="198.51.100.4").status_code == 302


def test_the_secretariat_sees_and_unlocks_only_the_people_of_their_bodies(client_for, secretariat, superuser, outsider):
    fail_to_sign_in("outsider", times=5, addresses=["198.51.100.5"])
    fail_to_sign_in("nobody-here", times=5, addresses=["198.51.100.6"])
    client = client_for(secretariat)

    listed = text_of(client.get(page("lockout-list")))

    assert "outsider" not in listed and "nobody-here" not in listed and "198.51.100.5" not in listed
    assert client.post(page("lockout-list"), {"username": "outsider"}).status_code == 404
    assert client.post(page("lockout-list"), {"address": "198.51.100.5"}).status_code == 404
    assert sign_in(Client(), "outsider", password="unused", address="203.0.113.9").status_code == 429
    # A superuser sees every lockout, unknown usernames included.
    everything = text_of(client_for(superuser).get(page("lockout-list")))
    assert ">outsider<" in everything and ">nobody-here<" in everything


@pytest.mark.parametrize("username", ["cbsa", "rcmp", "dea", "outsider"])
def test_anyone_but_the_secretariat_gets_404_from_the_lockout_page(client_for, personas, username):
    fail_to_sign_in("rcmp", times=5)
    client = client_for(personas[username])

    assert client.get(page("lockout-list")).status_code == 404
    assert client.post(page("lockout-list"), {"username": "rcmp"}).status_code == 404
    assert sign_in(Client(), "rcmp", address="203.0.113.4").status_code == 429


def test_the_lockout_page_runs_a_fixed_number_of_queries(client_for, secretariat, demo, django_assert_num_queries):
    client = client_for(secretariat)
    fail_to_sign_in("rcmp", times=5, addresses=["198.51.100.7"])
    # 1. the session; 2. the signed-in user; 3. the authenticator the session was confirmed with; 4. the bodies
    # whose secretariat the user is; 5. the locked usernames among their people; 6. the locked addresses those
    # people failed from; 7. the user's agency, for the header.
    with django_assert_num_queries(7):
        client.get(page("lockout-list"))
    fail_to_sign_in("cbp", times=5, addresses=["198.51.100.8"])
    fail_to_sign_in("atf", times=5, addresses=["198.51.100.8"])
    with django_assert_num_queries(7):
        listed = text_of(client.get(page("lockout-list")))
    assert ">cbp<" in listed and ">atf<" in listed


# API tokens: refused tokens are throttled per address


@pytest.fixture
def empty_throttle():
    cache.clear()
    yield
    cache.clear()


@override_settings(API_TOKEN_FAILURE_RATE="3/hour")
def test_repeated_bad_tokens_from_an_address_get_429_with_retry_after(cbsa, empty_throttle):
    _token, text = account_services.api_token_create(actor=cbsa, name="Script")
    guesser = Client(REMOTE_ADDR="198.51.100.20")

    refused = [guesser.get(MILESTONES_API, HTTP_AUTHORIZATION=f"Token tfp_guess{n}").status_code for n in range(3)]
    throttled = guesser.get(MILESTONES_API, HTTP_AUTHORIZATION=f"Token {text}")

    assert refused == [401, 401, 401]
    # Even a good token is held back from that address: guessing cannot learn which token is right.
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 3600
    assert throttled.json()["error"]["code"] == "throttled"
    # Another address is not held back, and calls without a token are not concerned.
    assert Client(REMOTE_ADDR="203.0.113.20").get(MILESTONES_API, HTTP_AUTHORIZATION=f"Token {text}").status_code == 200
    assert guesser.get(MILESTONES_API).status_code in (401, 403)


@override_settings(API_TOKEN_FAILURE_RATE="3/hour")
def test_good_tokens_are_not_counted_as_failures(cbsa, empty_throttle):
    _token, text = account_services.api_token_create(actor=cbsa, name="Script")
    client = Client(REMOTE_ADDR="198.51.100.21", HTTP_AUTHORIZATION=f"Token {text}")

    assert [client.get(MILESTONES_API).status_code for _ in range(5)] == [200] * 5


# Two-step verification


def password_only(user) -> Client:
    """A client past the password but not the second factor."""
    client = Client()
    client.force_login(user)
    return client


GATED = sorted(name for name in MATRIX if name not in OPEN_BEFORE_SECOND_FACTOR)


@pytest.mark.parametrize("name", GATED)
def test_the_secretariat_without_a_second_factor_gets_nothing_else(demo, secretariat, name):
    route = MATRIX[name]
    url = route.url(demo)

    response = getattr(password_only(secretariat), route.method)(url)

    if url.startswith("/api/"):
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "permission_denied"
    else:
        assert response.status_code == 302, url
        assert redirect_path(response) == ENROL, url


def test_the_secretariat_without_a_second_factor_is_sent_to_the_enrolment_page(demo, secretariat):
    client = password_only(secretariat)

    response = client.get(page("meeting-list"))

    assert redirect_path(response) == ENROL
    # Where they were going is kept for after the enrolment.
    assert parse_qs(urlsplit(response.url).query)["next"] == [page("meeting-list")]
    assert client.get(response.url).status_code == 200
    assert redirect_path(client.get("/admin/")) == ENROL
    assert len(GATED) > 60


def test_a_superuser_is_asked_for_a_second_factor_too(superuser):
    client = password_only(superuser)

    assert redirect_path(client.get(HOME)) == ENROL
    assert redirect_path(client.get("/admin/")) == ENROL


def test_the_secretariat_enrols_with_a_code_from_their_app_and_gets_recovery_codes(demo, secretariat):
    client = Client()
    assert sign_in(client, "secretariat").url == HOME
    assert redirect_path(client.get(HOME)) == ENROL

    page_ = client.get(ENROL)
    key = key_on_the_page(page_)
    assert "data:image/svg+xml;base64," in text_of(page_)  # the QR code
    assert "no-store" in page_["Cache-Control"]

    wrong = client.post(ENROL, {"code": wrong_code(key)})
    assert wrong.status_code == 200 and "This code does not match" in text_of(wrong)
    assert redirect_path(client.get(HOME)) == ENROL

    _key, codes = enrol(client)
    assert len(codes) == len(set(codes)) == 10
    assert client.get(HOME).status_code == 200
    assert client.get(page("api-token-list")).status_code == 200
    assert TOTPDevice.objects.get(user=secretariat, confirmed=True).bin_key == key


def address_in_the_qr_code(response) -> str:
    """What a phone reads from the QR code on the page."""
    image = re.search(r'<img src="(data:image/svg\+xml;base64,[^"]+)"[^>]*alt="QR code', text_of(response)).group(1)
    return qr.decode(qr.modules_of_data_address(image))


def test_the_qr_code_holds_the_otpauth_address_of_the_key_shown_and_an_app_that_scans_it_works(demo, cbsa):
    client = Client()
    sign_in(client, "cbsa")
    enrol_page = client.get(ENROL)

    scanned = urlsplit(address_in_the_qr_code(enrol_page))
    query = parse_qs(scanned.query, strict_parsing=True)

    # The Key Uri Format that authenticator apps read: otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER
    assert (scanned.scheme, scanned.netloc, unquote(scanned.path)) == ("otpauth", "totp", "/Task force portal:cbsa")
    assert query["issuer"] == ["Task force portal"]
    assert {name: query[name] for name in ("algorithm", "digits", "period") if name in query} == {
        name: [value] for name, value in (("algorithm", "SHA1"), ("digits", "6"), ("period", "30")) if name in query
    }
    [secret] = query["secret"]
    key = b32decode(secret + "=" * (-len(secret) % 8))
    assert key == key_on_the_page(enrol_page)
    # As a phone that scanned it: its code sets the authenticator up, with that key.
    assert client.post(ENROL, {"code": app_code(key)}).status_code == 200
    assert TOTPDevice.objects.get(user=cbsa, confirmed=True).bin_key == key


def test_after_enrolling_a_member_is_asked_for_a_code_at_each_sign_in(demo, cbsa):
    with time_machine.travel(NOW, tick=False) as clock:
        first = Client()
        sign_in(first, "cbsa")
        assert first.get(HOME).status_code == 200  # not required for a member
        key, _codes = enrol(first)

        clock.move_to(NOW + datetime.timedelta(minutes=1))
        second = Client()
        assert sign_in(second, "cbsa").url == HOME
        asked = second.get(HOME)
        assert redirect_path(asked) == VERIFY
        assert second.get(MILESTONES_API).status_code == 403

        wrong = second.post(VERIFY, {"code": wrong_code(key), "next": HOME})
        assert wrong.status_code == 200 and "This code is not valid" in text_of(wrong)
        clock.move_to(NOW + datetime.timedelta(minutes=1, seconds=5))  # after the pause that follows a wrong code
        right = second.post(VERIFY, {"code": app_code(key), "next": HOME})
        assert right.status_code == 302 and right.url == HOME
        assert second.get(HOME).status_code == 200


def test_an_app_code_works_once(demo, cbsa):
    with time_machine.travel(NOW, tick=False) as clock:
        client = Client()
        sign_in(client, "cbsa")
        key, _codes = enrol(client)
        clock.move_to(NOW + datetime.timedelta(minutes=1))
        first, second = Client(), Client()
        sign_in(first, "cbsa"), sign_in(second, "cbsa")
        code = app_code(key)

        assert first.post(VERIFY, {"code": code}).status_code == 302
        assert second.post(VERIFY, {"code": code}).status_code == 200


def test_a_recovery_code_works_once(demo, rcmp):
    with time_machine.travel(NOW, tick=False) as clock:
        client = Client()
        sign_in(client, "rcmp")
        _key, codes = enrol(client)
        first, second = Client(), Client()
        sign_in(first, "rcmp"), sign_in(second, "rcmp")

        used = first.post(VERIFY, {"code": codes[0].upper(), "next": HOME})
        clock.move_to(NOW + datetime.timedelta(seconds=10))
        again = second.post(VERIFY, {"code": codes[0], "next": HOME})

        assert used.status_code == 302 and used.url == HOME
        assert "9 codes are left" in text_of(first.get(HOME))
        assert again.status_code == 200 and "This code is not valid" in text_of(again)
        assert redirect_path(second.get(HOME)) == VERIFY


def test_new_recovery_codes_replace_the_old_ones(client_for, secretariat):
    client = client_for(secretariat)
    account_services.recovery_codes_renew(actor=secretariat)

    response = client.post(page("two-factor"))
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", text_of(response))

    assert len(codes) == 10 and "no-store" in response["Cache-Control"]
    assert "You have 10 unused recovery codes" in text_of(client.get(page("two-factor")))


def test_replacing_an_authenticator_needs_the_current_one(demo, cbsa):
    device = TOTPDevice.objects.create(user=cbsa, name="Phone", confirmed=True)
    client = Client()
    sign_in(client, "cbsa")

    response = client.get(ENROL)

    assert redirect_path(response) == VERIFY
    key = unhexlify(account_services.new_authenticator_key())
    with pytest.raises(PermissionDenied):
        account_services.authenticator_confirm(actor=cbsa, key=key.hex(), code=app_code(key), session_verified=False)
    assert list(TOTPDevice.objects.filter(user=cbsa)) == [device]


def test_a_member_made_secretariat_must_pass_a_second_factor_within_a_minute(demo, hsi):
    with time_machine.travel(NOW, tick=False) as clock:
        client = Client()
        sign_in(client, "hsi")
        assert client.get(HOME).status_code == 200

        Membership.objects.filter(user=hsi, body=demo.bodies["CBFTF"]).update(role=Membership.Role.SECRETARIAT)
        clock.move_to(NOW + datetime.timedelta(seconds=61))

        assert redirect_path(client.get(HOME)) == ENROL


def test_signing_out_a_session_without_its_second_factor_ends_it_and_leaves_the_others_and_the_tokens(
    demo, secretariat, client_for
):
    verified = client_for(secretariat)
    _token, script = account_services.api_token_create(actor=secretariat, name="Schedule sync")
    password_only = Client()
    sign_in(password_only, "secretariat")
    assert redirect_path(password_only.get(HOME)) == VERIFY  # signed in, short of the second factor

    password_only.post(page("logout"), {"revoke_tokens": "on"})

    assert redirect_path(password_only.get(HOME)) == LOGIN
    assert redirect_path(password_only.get(VERIFY)) == LOGIN
    assert verified.get(HOME).status_code == 200
    assert api_answers(script) == [200]


# Session lifetimes


def test_a_session_ends_after_30_minutes_without_activity(demo):
    with time_machine.travel(NOW, tick=False) as clock:
        client = Client()
        sign_in(client, "cbsa")
        clock.move_to(NOW + datetime.timedelta(minutes=29))
        assert client.get(HOME).status_code == 200
        clock.move_to(NOW + datetime.timedelta(minutes=58))
        assert client.get(HOME).status_code == 200

        clock.move_to(NOW + datetime.timedelta(minutes=89))
        ended = client.get(HOME)

        assert ended.status_code == 302 and redirect_path(ended) == LOGIN
        assert "signed out after 30 minutes without activity" in text_of(client.get(ended.url))
        assert client.get(HOME).status_code == 302


def test_a_session_ends_12_hours_after_signing_in_however_active(demo):
    with time_machine.travel(NOW, tick=False) as clock:
        client = Client()
        sign_in(client, "cbsa")
        for minutes in range(20, 12 * 60, 20):
            clock.move_to(NOW + datetime.timedelta(minutes=minutes))
            assert client.get(HOME).status_code == 200, minutes

        clock.move_to(NOW + datetime.timedelta(hours=12, minutes=1))
        ended = client.get(HOME)

        assert redirect_path(ended) == LOGIN
        assert "a session lasts at most 12 hours" in text_of(client.get(ended.url))


def test_a_session_that_ended_answers_the_api_as_signed_out(demo):
    with time_machine.travel(NOW, tick=False) as clock:
        client = Client()
        sign_in(client, "cbsa")
        assert client.get(MILESTONES_API).status_code == 200
        clock.move_to(NOW + datetime.timedelta(minutes=31))

        assert client.get(MILESTONES_API).status_code in (401, 403)


# Signing out and deactivation


def test_signing_out_ends_every_session_of_the_member(client_for, cbsa, rcmp):
    laptop, phone, colleague = client_for(cbsa), client_for(cbsa), client_for(rcmp)

    response = laptop.post(page("logout"))

    assert redirect_path(response) == LOGIN
    assert "signed out on every device" in text_of(laptop.get(response.url))
    assert phone.get(HOME).status_code == 302
    assert phone.get(MILESTONES_API).status_code in (401, 403)
    assert colleague.get(HOME).status_code == 200


def api_answers(*tokens: str) -> list[int]:
    """What the API answers a script that sends each token."""
    return [Client(HTTP_AUTHORIZATION=f"Token {text}").get(MILESTONES_API).status_code for text in tokens]


@pytest.fixture
def since_audit(db) -> int:
    """Audit entries after this id are the test's own."""
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_signing_out_keeps_the_api_tokens_when_the_box_is_not_ticked(
    client_for, cbsa, since_audit, django_capture_on_commit_callbacks
):
    _token, script = account_services.api_token_create(actor=cbsa, name="Calendar sync")
    _token, other = account_services.api_token_create(actor=cbsa, name="Report script", access=ApiToken.Access.WRITE)
    laptop, phone = client_for(cbsa), client_for(cbsa)

    with django_capture_on_commit_callbacks(execute=True):
        response = laptop.post(page("logout"), follow=True)

    assert "signed out on every device" in text_of(response) and "revoked" not in text_of(response)
    assert phone.get(HOME).status_code == 302
    assert api_answers(script, other) == [200, 200]
    assert not AuditEntry.objects.filter(id__gt=since_audit, action="token_revoked").exists()


def test_signing_out_with_the_box_ticked_revokes_every_api_token_of_the_member_and_records_each(
    client_for, cbsa, rcmp, django_capture_on_commit_callbacks
):
    _token, script = account_services.api_token_create(actor=cbsa, name="Calendar sync")
    _token, other = account_services.api_token_create(actor=cbsa, name="Report script", access=ApiToken.Access.WRITE)
    _token, colleague = account_services.api_token_create(actor=rcmp, name="RCMP sync")
    assert api_answers(script) == [200]

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cbsa).post(page("logout"), {"revoke_tokens": "on"}, follow=True)

    assert "2 API tokens were revoked" in text_of(response)
    assert api_answers(script, other, colleague) == [401, 401, 200]
    revoked = AuditEntry.objects.filter(kind="security", action="token_revoked", actor_id=cbsa.pk)
    assert sorted(entry.details["token"] for entry in revoked) == ["Calendar sync", "Report script"]


def checkbox_on(response, name: str) -> dict:
    """The one option of the design system's checkbox named `name`, as the page gives it to the component."""
    html = response.content.decode()
    options = re.search(rf'<gcds-checkboxes[^>]*name="{name}"[^>]*options="([^"]*)"', html).group(1)
    [option] = json.loads(unescape(options))
    return option


def test_the_sign_out_page_says_the_tokens_keep_working_and_offers_an_unticked_box(client_for, cbsa):
    account_services.api_token_create(actor=cbsa, name="Calendar sync")
    account_services.api_token_create(actor=cbsa, name="Report script")

    response = client_for(cbsa).get(page("logout"))

    assert response.status_code == 200
    assert "Your 2 API tokens are not sessions: they keep working" in text_of(response)
    box = checkbox_on(response, "revoke_tokens")
    assert (box["label"], box["value"], box["checked"]) == ("Also revoke my API tokens", "on", False)


def test_the_sign_out_page_offers_no_box_to_a_member_without_tokens(client_for, cbsa):
    assert "revoke_tokens" not in text_of(client_for(cbsa).get(page("logout")))


def test_signing_out_keeps_the_calendar_subscription_address(client_for, cbsa):
    feed = feed_url(account_services.calendar_feed_regenerate(actor=cbsa)).removeprefix("http://127.0.0.1:8000")

    client_for(cbsa).post(page("logout"))

    assert Client().get(feed).status_code == 200


def test_deactivation_ends_sessions_and_refuses_tokens_and_calendar_feeds(client_for, cbsa, superuser):
    session = client_for(cbsa)
    _token, text = account_services.api_token_create(actor=cbsa, name="Script")
    feed = feed_url(account_services.calendar_feed_regenerate(actor=cbsa)).removeprefix("http://127.0.0.1:8000")
    assert Client().get(feed).status_code == 200

    admin = client_for(superuser)
    response = admin.post("/admin/members/user/", {"action": "deactivate", "_selected_action": [cbsa.pk]})

    assert response.status_code == 302
    assert session.get(HOME).status_code == 302
    assert Client(HTTP_AUTHORIZATION=f"Token {text}").get(MILESTONES_API).status_code == 401
    assert Client().get(feed).status_code == 404
    assert sign_in(Client(), "cbsa").status_code == 200  # refused, with the usual message
    # Reactivated, the member signs in again; the old sessions stay ended.
    cbsa.refresh_from_db()
    cbsa.is_active = True
    cbsa.save(update_fields=["is_active"])
    assert session.get(HOME).status_code == 302


def test_deactivating_ends_every_session_for_good(client_for, cbsa):
    session = client_for(cbsa)
    phone = client_for(cbsa)
    member_services.member_deactivate(member=cbsa)
    cbsa.is_active = True
    cbsa.save(update_fields=["is_active"])

    assert session.get(HOME).status_code == 302 and phone.get(HOME).status_code == 302


NEW_PASSWORD = "Border-crossing-2026!"


def change_password(client: Client):
    return client.post(
        page("password-change"),
        {"old_password": DEMO_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )


def test_the_password_page_says_beforehand_that_tokens_and_other_sessions_end(client_for, cbsa):
    text = text_of(client_for(cbsa).get(page("password-change")))

    said = text.index("Changing your password ends your other sessions, on every device, and revokes all your API tokens")
    assert said < text.index('<form method="post" class="portal-form"')


def test_changing_the_password_ends_the_other_sessions_and_revokes_every_token(
    client_for, cbsa, rcmp, django_capture_on_commit_callbacks
):
    here, elsewhere, colleague = client_for(cbsa), client_for(cbsa), client_for(rcmp)
    _token, script = account_services.api_token_create(actor=cbsa, name="Schedule sync")
    _token, other = account_services.api_token_create(actor=cbsa, name="Report script", access=ApiToken.Access.WRITE)
    _token, colleagues = account_services.api_token_create(actor=rcmp, name="RCMP sync")

    with django_capture_on_commit_callbacks(execute=True):
        response = change_password(here)

    assert "Your password is changed" in text_of(response) and "2 API tokens were revoked" in text_of(response)
    assert here.get(HOME).status_code == 200 and here.get(MILESTONES_API).status_code == 200
    assert redirect_path(elsewhere.get(HOME)) == LOGIN
    assert elsewhere.get(MILESTONES_API).status_code in (401, 403)
    assert colleague.get(HOME).status_code == 200
    assert api_answers(script, other, colleagues) == [401, 401, 200]
    revoked = AuditEntry.objects.filter(kind="security", action="token_revoked", actor_id=cbsa.pk)
    assert sorted(entry.details["token"] for entry in revoked) == ["Report script", "Schedule sync"]
    cbsa.refresh_from_db()
    assert cbsa.check_password(NEW_PASSWORD)


def test_a_session_from_before_the_password_change_stays_ended_even_with_the_old_password_back(client_for, cbsa):
    """The sessions end through the session epoch as well as through the password: they stay ended even if the
    password hash came back (a superuser restoring the old one in the admin)."""
    old_hash = cbsa.password
    here, elsewhere = client_for(cbsa), client_for(cbsa)

    change_password(here)
    type(cbsa).objects.filter(pk=cbsa.pk).update(password=old_hash)

    assert redirect_path(elsewhere.get(HOME)) == LOGIN


# Passwords and what sign-in says


@pytest.mark.parametrize("password", ["taskforce", "short-1A", "123456789012", "password1234"])
def test_the_password_rules_refuse_weak_passwords(password, cbsa):
    with pytest.raises(ValidationError):
        validate_password(password, user=cbsa)


def test_the_password_page_holds_to_the_rules(client_for, cbsa):
    response = client_for(cbsa).post(
        page("password-change"),
        {"old_password": DEMO_PASSWORD, "new_password1": "taskforce", "new_password2": "taskforce"},
    )

    assert response.status_code == 200
    assert "This password is too short" in text_of(response)
    cbsa.refresh_from_db()
    assert cbsa.check_password(DEMO_PASSWORD)


def test_sign_in_says_the_same_for_an_unknown_user_a_wrong_password_and_an_inactive_account(demo, dea):
    dea.is_active = False
    dea.save(update_fields=["is_active"])

    answers = [
        sign_in(Client(), username, password, address)
        for username, password, address in [
            ("nobody-here", "not-the-password", "192.0.2.11"),
            ("rcmp", "not-the-password", "192.0.2.12"),
            ("dea", DEMO_PASSWORD, "192.0.2.13"),
        ]
    ]

    assert {answer.status_code for answer in answers} == {200}
    errors = [re.search(r'<div class="portal-error-summary".*?</div>', text_of(a), re.S).group(0) for a in answers]
    assert errors[0] == errors[1] == errors[2]
    assert NOT_MATCHED in errors[0]


def test_a_member_added_to_a_secretariat_by_the_factory_must_use_a_second_factor(demo):
    membership = MembershipFactory(body=demo.bodies["CBCF"], role=Membership.Role.SECRETARIAT)
    client = password_only(membership.user)

    assert redirect_path(client.get(HOME)) == ENROL


@pytest.mark.parametrize(
    "limits",
    [{"SESSION_IDLE_MINUTES": "0"}, {"SESSION_LIFETIME_MINUTES": "721"},
     {"SESSION_IDLE_MINUTES": "20", "SESSION_LIFETIME_MINUTES": "10"}],
    ids=["no-idle-time", "beyond-12-hours", "idle-beyond-lifetime"],
)
def test_session_limits_outside_the_policy_stop_the_portal_from_starting(limits):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "taskforce.settings.test", **limits}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=environment, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "SESSION_IDLE_MINUTES must be at least 1" in result.stderr


@override_settings(SESSION_IDLE_TIMEOUT=datetime.timedelta(minutes=1),
                   SESSION_ABSOLUTE_LIFETIME=datetime.timedelta(minutes=3))
def test_shortened_limits_keep_an_active_session_and_end_it_at_the_shorter_lifetime(demo):
    with time_machine.travel(NOW, tick=False) as clock:
        client = Client()
        sign_in(client, "cbsa")
        for seconds in range(30, 180, 30):
            clock.move_to(NOW + datetime.timedelta(seconds=seconds))
            assert client.get(HOME).status_code == 200, seconds

        clock.move_to(NOW + datetime.timedelta(minutes=3, seconds=1))
        ended = client.get(HOME)

        assert redirect_path(ended) == LOGIN
        assert "a session lasts at most 3 minutes" in text_of(client.get(ended.url))
