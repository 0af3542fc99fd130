"""Personal API tokens: the member's page, the command, and what the API does with a token."""

import datetime
import hashlib
import re

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone

from accounts import services as account_services
from accounts.models import ApiToken
from tests.support.scenario import GRANTED, NOT_GRANTED, leaked_titles, page, text_of

MILESTONES = "/api/v1/milestones/"


def sha256_hex(text: str) -> str:
    """What the database keeps of a token, by the definition in docs/features.md: the SHA-256 of the token, in hex."""
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def token_for(user, *, access=ApiToken.Access.READ, days: int | None = 90, name="Script") -> tuple[ApiToken, str]:
    return account_services.api_token_create(actor=user, name=name, access=access, expires_in_days=days)


def api(text: str, *, keyword="Token") -> Client:
    """A client that is signed in to nothing and sends only the token, as a script does."""
    return Client(HTTP_AUTHORIZATION=f"{keyword} {text}")


def create_on_the_page(client, **fields):
    return client.post(page("api-token-list"), {"name": "Reporting script", "access": "read",
                                                 "expires_in_days": "90", **fields})


# The member's page


def test_a_new_token_is_shown_once_then_never_again(client_for, cbsa):
    client = client_for(cbsa)

    created = create_on_the_page(client, name="Nightly export", access="write", expires_in_days="30")

    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    token = ApiToken.objects.get(user=cbsa, name="Nightly export")
    (text,) = set(re.findall(rf"{token.prefix}[\w-]+", text_of(created)))
    assert token.digest == sha256_hex(text)
    assert token.access == ApiToken.Access.WRITE
    assert token.expires_at - timezone.now() > datetime.timedelta(days=29, hours=23)
    # Never kept anywhere it could be read again: not in the session, not in the list.
    assert text not in str(dict(client.session))
    listed = client.get(page("api-token-list"))
    assert "Nightly export" in text_of(listed)
    assert f"{token.prefix}…" in text_of(listed)
    assert text not in text_of(listed)
    assert api(text).get(MILESTONES).status_code == 200


def test_the_list_shows_each_tokens_state_and_only_the_members_own(client_for, cbsa, rcmp):
    token_for(cbsa, name="Active one")
    revoked, _text = token_for(cbsa, name="Revoked one")
    account_services.api_token_revoke(actor=cbsa, token=revoked)
    expired, _text = token_for(cbsa, name="Expired one")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    token_for(cbsa, name="Never expires", days=None)
    token_for(rcmp, name="Somebody else's")

    text = text_of(client_for(cbsa).get(page("api-token-list")))

    rows = {name: text.split(name, 1)[1].split("</tr>", 1)[0] for name in
            ("Active one", "Revoked one", "Expired one", "Never expires")}
    assert "Active" in rows["Active one"] and "Revoke" in rows["Active one"]
    assert "Revoked" in rows["Revoked one"] and "<gcds-button" not in rows["Revoked one"]
    assert "Expired" in rows["Expired one"]
    assert "Never" in rows["Never expires"]
    assert "Somebody else's" not in text


def test_a_token_needs_a_name_and_a_known_lifetime(client_for, cbsa):
    client = client_for(cbsa)

    unnamed = create_on_the_page(client, name="  ")
    forever_and_a_day = create_on_the_page(client, expires_in_days="400")

    assert unnamed.status_code == forever_and_a_day.status_code == 200
    assert 'error-message="' in unnamed.content.decode()
    assert 'error-message="' in forever_and_a_day.content.decode()
    assert not ApiToken.objects.filter(user=cbsa).exists()


def test_a_member_revokes_their_token_and_it_stops_working(client_for, cbsa):
    token, text = token_for(cbsa)
    assert api(text).get(MILESTONES).status_code == 200

    response = client_for(cbsa).post(page("api-token-revoke", token.pk))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api(text).get(MILESTONES).status_code == 401


@pytest.mark.parametrize("username", ["rcmp", "atf", "secretariat"])
def test_another_members_token_is_not_found_and_keeps_working(demo, client_for, cbsa, username):
    token, text = token_for(cbsa)

    response = client_for(demo.users[username]).post(page("api-token-revoke", token.pk))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api(text).get(MILESTONES).status_code == 200


def test_revoking_is_a_post(client_for, cbsa):
    token, _text = token_for(cbsa)

    assert client_for(cbsa).get(page("api-token-revoke", token.pk)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_anonymous_visitors_are_sent_to_sign_in(client, cbsa):
    token, _text = token_for(cbsa)

    listing = client.get(page("api-token-list"))
    creating = create_on_the_page(client)
    revoking = client.post(page("api-token-revoke", token.pk))

    for response in (listing, creating, revoking):
        assert response.status_code == 302
        assert "/accounts/login/" in response.url
    assert ApiToken.objects.filter(user=cbsa).count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_token_list_runs_a_fixed_number_of_queries(client_for, atf, django_assert_num_queries):
    # ATF's member prefers English, the language of these pages: no preference to save.
    client = client_for(atf)
    token_for(atf)
    with django_assert_num_queries(4):
        # The session, the member, their agency (in the header), their tokens.
        client.get(page("api-token-list"))
    for n in range(10):
        token_for(atf, name=f"Token {n}")
    with django_assert_num_queries(4):
        client.get(page("api-token-list"))


def test_the_account_pages_are_linked_from_the_header_and_the_members_own_page(client_for, cbsa, rcmp):
    own = text_of(client_for(cbsa).get(page("member-detail", "cbsa")))
    someone_else = text_of(client_for(cbsa).get(page("member-detail", "rcmp")))

    assert page("api-token-list") in own and page("calendar-feed-settings") in own
    assert own.count(page("api-token-list")) == 2  # the header and the member's own page
    assert someone_else.count(page("api-token-list")) == 1  # the header only


# The command


def test_the_command_prints_a_working_token_on_its_last_line(capsys, cbsa):
    call_command("create_api_token", "cbsa", "--name", "Dashboard")

    text = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(user=cbsa, name="Dashboard")
    assert token.digest == sha256_hex(text)
    assert token.access == ApiToken.Access.READ
    assert datetime.timedelta(days=89) < token.expires_at - timezone.now() <= datetime.timedelta(days=90)
    assert api(text).get(MILESTONES).status_code == 200


def test_the_command_makes_write_tokens_and_tokens_that_never_expire(capsys, cbsa):
    call_command("create_api_token", "cbsa", "--access", "write", "--no-expiry")
    call_command("create_api_token", "cbsa", "--expires-days", "7")

    never, week = ApiToken.objects.filter(user=cbsa).order_by("created_at", "pk")
    assert never.access == ApiToken.Access.WRITE and never.expires_at is None
    assert week.access == ApiToken.Access.READ
    assert datetime.timedelta(days=6) < week.expires_at - timezone.now() <= datetime.timedelta(days=7)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nobody"], "No active member"),
        (["cbsa", "--access", "admin"], "invalid choice"),
        (["cbsa", "--expires-days", "0"], "between 1 and 366"),
        (["cbsa", "--expires-days", "soon"], "invalid int"),
        (["cbsa", "--expires-days", "30", "--no-expiry"], "not allowed with"),
        (["cbsa", "--name", " "], "Give the token a name"),
    ],
)
def test_the_command_refuses_unknown_members_and_bad_values(cbsa, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", *arguments)

    assert not ApiToken.objects.exists()


def test_the_command_refuses_a_deactivated_member(cbsa):
    cbsa.is_active = False
    cbsa.save(update_fields=["is_active"])

    with pytest.raises(CommandError, match="No active member"):
        call_command("create_api_token", "cbsa")


# The API with a token


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "token", "bearer"])
def test_the_api_accepts_a_token_in_either_form(cbsa, keyword):
    _token, text = token_for(cbsa)

    response = api(text, keyword=keyword).get(MILESTONES)

    assert response.status_code == 200
    assert leaked_titles(response)


@pytest.mark.parametrize("username", NOT_GRANTED)
def test_a_token_sees_what_its_owner_sees_and_no_more(demo, username):
    _token, text = token_for(demo.users[username])

    response = api(text).get(MILESTONES)

    assert response.status_code == 200
    assert leaked_titles(response) == []


@pytest.mark.parametrize("username", GRANTED)
def test_a_token_of_an_agency_the_mou_is_shared_with_reads_it(demo, username):
    _token, text = token_for(demo.users[username])

    assert leaked_titles(api(text).get(MILESTONES))


def test_a_read_only_token_cannot_write(cbsa):
    _read, read_only = token_for(cbsa, access=ApiToken.Access.READ)
    _write, read_write = token_for(cbsa, access=ApiToken.Access.WRITE)

    refused = api(read_only).post(MILESTONES, {}, content_type="application/json")
    # Past the token's access, the write meets the endpoint itself, which takes no writes.
    passed = api(read_write).post(MILESTONES, {}, content_type="application/json")

    assert refused.status_code == 403
    assert "read-only" in refused.json()["error"]["message"]
    assert passed.status_code == 405


def test_an_expired_token_is_refused(cbsa):
    token, text = token_for(cbsa)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = api(text).get(MILESTONES)

    assert response.status_code == 401
    assert leaked_titles(response) == []


def test_a_revoked_token_is_refused(cbsa):
    token, text = token_for(cbsa)
    account_services.api_token_revoke(actor=cbsa, token=token)

    assert api(text).get(MILESTONES).status_code == 401


def test_the_token_of_a_deactivated_member_is_refused(cbsa):
    _token, text = token_for(cbsa)
    cbsa.is_active = False
    cbsa.save(update_fields=["is_active"])

    assert api(text).get(MILESTONES).status_code == 401


@pytest.mark.parametrize("header", ["Token tfp_not-a-real-token", "Bearer", "Token one two"])
def test_an_unknown_or_malformed_token_is_refused(db, header):
    response = Client(HTTP_AUTHORIZATION=header).get(MILESTONES)

    assert response.status_code == 401


def test_using_a_token_records_when_it_was_last_used(cbsa):
    token, text = token_for(cbsa)
    assert token.last_used_at is None

    before = timezone.now()
    api(text).get(MILESTONES)

    token.refresh_from_db()
    assert token.last_used_at >= before


# Throttling


@pytest.fixture
def empty_throttle():
    cache.clear()
    yield
    cache.clear()


@override_settings(API_THROTTLE_RATE="3/minute")
def test_the_fourth_request_in_a_minute_is_throttled_with_retry_after(cbsa, rcmp, empty_throttle):
    _token, text = token_for(cbsa)
    _other, other_text = token_for(rcmp)
    client = api(text)

    statuses = [client.get(MILESTONES).status_code for _ in range(3)]
    throttled = client.get(MILESTONES)

    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    # Counted per token: another caller is not held back.
    assert api(other_text).get(MILESTONES).status_code == 200

