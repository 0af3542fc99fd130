"""Schemathesis against the portal's own OpenAPI schema, in process, as a member and as the secretariat: no 5xx,
responses that conform to the schema (status codes, content types, bodies), and invalid input (null bytes,
`null` bodies, wrong types) refused with a 4xx."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from taskforce import services
from tests.scenario import api_schema

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]



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
    _token, text = services.api_token_create(actor=demo.users[request.param], name="schemathesis", access="write")
    return text


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_honours_its_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
