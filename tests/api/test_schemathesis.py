"""Schemathesis against the portal's own OpenAPI schema, in process, with a member's token and the secretariat's,
with every check schemathesis has: no 5xx, answers that conform to the schema (status codes, content types,
headers, bodies), invalid input (null bytes, `null` bodies, wrong types, values outside the stated bounds) refused
with a 4xx, and every request the schema allows for a read accepted. Twelve examples per operation and persona:
about three minutes on two cores."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts import services as account_services
from tests.support.scenario import api_schema

# Every check schemathesis has (the command line's `--checks all`).
load_all_checks()
ALL_CHECKS = CHECKS.get_all()


schema = schemathesis.openapi.from_dict(api_schema())
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Requests run in process inside the test's transaction; the handler must not close its connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=["rcmp", "secretariat"])
def token(request, demo) -> str:
    _token, text = account_services.api_token_create(actor=demo.users[request.param], name="schemathesis", access="write")
    return text


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_honours_its_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=checks_for(case.method))


def checks_for(method: str) -> list:
    """Every check on reads. On writes, every check but `positive_data_acceptance`: a write's input is refused
    (400) for reasons no OpenAPI 3.0 schema states (a passage must quote the version, a meeting ends after it
    starts, an answer comes from an invitee)."""
    if method.upper() == "GET":
        return ALL_CHECKS
    return [check for check in ALL_CHECKS if check is not positive_data_acceptance]
