"""The API's throttle counters and the calendar feeds' kept texts on Redis, as production keeps them (the test
settings use a cache in memory): Django's RedisCache on the Redis at REDIS_URL, under a key prefix of each test's
own, read back with a plain Redis client to show what is stored where.

Skipped when Redis cannot be reached, except in CI (the CI variable set), where that is a failure.
"""

import os
import pickle
import uuid
import zlib

import pytest
import redis
import time_machine
from django.core.cache import cache
from django.test import override_settings

from accounts import feeds
from meetings import services as meeting_services
from meetings.models import Rsvp
from tests.accounts.test_feeds import (
    DECEMBER_1_2021,
    RESTRICTED,
    body_feed_url,
    calendar_of,
    december_meeting,
    event,
    feed_url,
    fetch,
    readable,
)
from tests.accounts.test_tokens import MILESTONES, api, token_for
from tests.support.live import require_redis

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def december_2021():
    """The feeds read as of December 1, 2021, as tests/accounts/test_feeds.py reads them."""
    with time_machine.travel(DECEMBER_1_2021, tick=False) as clock:
        yield clock


@pytest.fixture
def on_redis():
    """The default cache on Redis under a prefix of this test's own; yields a plain client and the raw key of a
    cache key. The test's keys are removed afterwards (nobody else's)."""
    require_redis(REDIS_URL)
    prefix = f"test-cache-{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(REDIS_URL)
    caches = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": prefix,
    }}
    with override_settings(CACHES=caches):
        assert cache.make_key("x") == f"{prefix}:1:x"
        yield client, lambda key: cache.make_key(key).encode()
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


@override_settings(API_THROTTLE_RATE="3/minute")
def test_api_throttle_counters_live_in_redis_per_token(cbsa, rcmp, on_redis):
    client, raw = on_redis
    token, text = token_for(cbsa)
    _other, other_text = token_for(rcmp)
    caller = api(text)

    statuses = [caller.get(MILESTONES).status_code for _ in range(3)]
    throttled = caller.get(MILESTONES)

    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429 and 0 < int(throttled["Retry-After"]) <= 60
    # The three requests are counted in Redis, under the token, where every web process reads them.
    counted = pickle.loads(client.get(raw(f"throttle_api_token-{token.pk}")))
    assert len(counted) == 3
    assert 0 < client.ttl(raw(f"throttle_api_token-{token.pk}")) <= 60
    # Another token is counted apart.
    assert api(other_text).get(MILESTONES).status_code == 200
    # What holds the caller back is that count in Redis: gone, the caller gets through again.
    client.delete(raw(f"throttle_api_token-{token.pk}"))
    assert caller.get(MILESTONES).status_code == 200


@override_settings(API_TOKEN_FAILURE_RATE="2/minute")
def test_refused_tokens_are_counted_per_address_in_redis(cbsa, on_redis):
    client, raw = on_redis
    _token, text = token_for(cbsa)

    refused = [api(f"not-a-token-{n}").get(MILESTONES, REMOTE_ADDR="198.51.100.7").status_code for n in range(2)]
    blocked = api(text).get(MILESTONES, REMOTE_ADDR="198.51.100.7")
    elsewhere = api(text).get(MILESTONES, REMOTE_ADDR="203.0.113.8")

    assert refused == [401, 401]
    assert blocked.status_code == 429  # even a good token, from the address that tried others
    assert elsewhere.status_code == 200
    assert len(pickle.loads(client.get(raw("throttle_token-failure_198.51.100.7")))) == 2


def test_a_feed_is_kept_in_redis_under_its_etag_and_a_change_is_kept_under_a_new_one(december_2021, rcmp, on_redis):
    client, raw = on_redis
    url = feed_url(rcmp)
    first = fetch(url)
    key = raw(feeds.body_cache_key(first["ETag"]))

    assert zlib.decompress(pickle.loads(client.get(key))) == first.content
    assert 0 < client.ttl(key) <= feeds.KEEP_SECONDS
    # A second fetch is served from Redis: what is kept there is what is served.
    client.set(key, pickle.dumps(zlib.compress(b"what Redis keeps is what is served")), keepttl=True)
    assert fetch(url).content == b"what Redis keeps is what is served"

    # A change makes a new version: written anew, kept under its own key; the old text is never served for it.
    meeting_services.rsvp_set(actor=rcmp, meeting=december_meeting(), response=Rsvp.Response.DECLINED)
    answered = fetch(url)
    assert answered["ETag"] != first["ETag"]
    assert event(calendar_of(answered), "Réunion du GTTAF")["ATTENDEE"].params["PARTSTAT"] == "DECLINED"
    assert zlib.decompress(pickle.loads(client.get(raw(feeds.body_cache_key(answered["ETag"]))))) == answered.content


def test_each_reader_and_each_feed_has_its_own_key_in_redis(december_2021, rcmp, cbsa, on_redis):
    """Two members, or one member's own and body feeds, never share a kept text: each ETag covers the reader, their
    language and the address (a restricted item kept for one agency never reaches another)."""
    client, raw = on_redis
    own = fetch(feed_url(rcmp))
    other = fetch(feed_url(cbsa))
    body = fetch(body_feed_url(rcmp, "CBFTF"))

    assert len({own["ETag"], other["ETag"], body["ETag"]}) == 3
    assert len({own.content, other.content, body.content}) == 3
    # What only CBSA and ATF may see is in cbsa's feed, and in neither of rcmp's.
    assert any(title in readable(other) for title in RESTRICTED)
    assert not any(title in readable(response) for response in (own, body) for title in RESTRICTED)
    for response in (own, other, body):
        assert response.status_code == 200, response.content
        kept = client.get(raw(feeds.body_cache_key(response["ETag"])))
        assert zlib.decompress(pickle.loads(kept)) == response.content
