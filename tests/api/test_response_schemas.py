"""Every JSON answer to every GET operation of the API, as a member and as the secretariat, holds to the schema the
API serves, read strictly as OpenAPI 3.0: `nullable` only beside a `type`, every format checked (a format this
module cannot check fails the test rather than passing unread), and no property an object does not declare.

The ids are real: each operation is called at the address the visibility matrix probes it at (the most restricted
object its route can show), and each detail operation again with an id its list gives the caller, so both the
object and the refusal (404) are read against the schema.
"""

import datetime
import functools
import json
import re
from urllib.parse import urlsplit

import jsonschema
import pytest
from django.test import Client
from django.urls import resolve

from accounts import services as account_services
from accounts.models import ApiToken
from mou import services as mou_services
from mou.models import Agreement
from tests.support.scenario import api_schema
from tests.support.visibility_matrix import MATRIX

SCHEMA = api_schema()

# Keywords of an OpenAPI 3.0 Schema Object that are JSON Schema's too, and those that only annotate.
VALIDATING = {
    "type", "enum", "properties", "required", "additionalProperties", "items", "allOf", "oneOf", "anyOf", "not",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems",
    "maxItems", "uniqueItems", "minProperties", "maxProperties", "multipleOf", "format", "$ref",
}
ANNOTATING = {"description", "title", "readOnly", "writeOnly", "example", "default", "deprecated", "nullable"}


# OpenAPI 3.0 to JSON Schema


def json_schema(node: object, where: str = "#") -> object:
    """The JSON Schema (2020-12) that says what the OpenAPI 3.0 schema `node` says of a response, strictly."""
    if isinstance(node, list):
        return [json_schema(item, f"{where}/{n}") for n, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    unknown = set(node) - VALIDATING - ANNOTATING
    assert not unknown, f"{where}: keywords OpenAPI 3.0 does not have: {unknown}"
    out = {}
    for key, value in node.items():
        if key == "$ref":
            out[key] = value.replace("#/components/schemas/", "#/$defs/")
        elif key == "properties":
            # A write-only property is never in a response.
            out[key] = {
                name: json_schema(sub, f"{where}/properties/{name}")
                for name, sub in value.items() if not sub.get("writeOnly")
            }
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = json_schema(value, f"{where}/{key}")
        elif key in ("allOf", "oneOf", "anyOf"):
            out[key] = json_schema(value, f"{where}/{key}")
        elif key in VALIDATING:
            out[key] = value
    if "required" in out and "properties" in node:
        out["required"] = [name for name in out["required"] if not node["properties"].get(name, {}).get("writeOnly")]
    if node.get("nullable"):
        # OpenAPI 3.0.3: `nullable` adds null to the `type` beside it, and means nothing without one.
        assert "type" in node, f"{where}: `nullable` without a `type` allows no null in OpenAPI 3.0"
        out["type"] = [node["type"], "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    if "properties" in node and "additionalProperties" not in node:
        # An answer carries what its schema declares, nothing more.
        out["additionalProperties"] = False
    return out


# Formats: each one the schema uses is checked; one this module does not know fails the test.

RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.ASCII
)


# A format speaks of strings (int64 of integers): any other value is the `type`'s to judge.


def _date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII):
        return False
    datetime.date.fromisoformat(value)
    return True


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.fullmatch(value):
        return False
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme in ("http", "https") and parts.netloc) and not re.search(r"\s", value)


def _email(value: object) -> bool:
    return not isinstance(value, str) or re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) is not None


def _int64(value: object) -> bool:
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def _binary(value: object) -> bool:
    """A file's bytes (the meeting package's PDF): never in a JSON body, so never a value this checker reads."""
    return not isinstance(value, str)


FORMATS = {
    "date": _date, "date-time": _date_time, "uri": _uri, "email": _email, "int64": _int64, "binary": _binary,
}
FORMAT_CHECKER = jsonschema.FormatChecker(formats=())
for _name, _check in FORMATS.items():
    FORMAT_CHECKER.checks(_name, raises=(ValueError, TypeError))(_check)


def formats_in(node: object) -> set[str]:
    if isinstance(node, list):
        return set().union(*map(formats_in, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {node["format"]} if isinstance(node.get("format"), str) else set()
    return found.union(*(formats_in(value) for value in node.values()))


DEFS = {name: json_schema(schema, f"#/components/schemas/{name}") for name, schema in
        SCHEMA["components"]["schemas"].items()}


DRAFT = "https://json-schema.org/draft/2020-12/schema"


@functools.cache
def definitions_checked() -> bool:
    """The converted components are valid JSON Schema (checked once: the check walks every one of them)."""
    jsonschema.Draft202012Validator.check_schema({"$schema": DRAFT, "$defs": DEFS})
    return True


def validator_for(schema: dict) -> jsonschema.protocols.Validator:
    definitions_checked()
    own = {"$schema": DRAFT, **json_schema(schema)}
    jsonschema.Draft202012Validator.check_schema(own)
    return jsonschema.Draft202012Validator(own | {"$defs": DEFS}, format_checker=FORMAT_CHECKER)


# The GET operations and the addresses to call them at

GETS = sorted(
    (path, operation) for path, operations in SCHEMA["paths"].items()
    for method, operation in operations.items() if method == "get"
)


def route_name(path: str) -> str:
    return resolve(re.sub(r"\{[^}]+\}", "1", path)).view_name


def is_detail(path: str) -> bool:
    return path.rstrip("/").endswith("}")


def list_path(path: str) -> str | None:
    """The list a detail's ids come from: the same path without its last parameter."""
    parent = re.sub(r"\{[^}]+\}/$", "", path)
    return parent if parent != path and parent in SCHEMA["paths"] else None


def rows(data: object) -> list[dict]:
    return data["results"] if isinstance(data, dict) and "results" in data else data


def test_the_checker_knows_every_format_and_keyword_of_the_schema():
    assert formats_in(SCHEMA) <= set(FORMATS), formats_in(SCHEMA) - set(FORMATS)
    for _path, operation in GETS:
        for response in operation["responses"].values():
            for media in response.get("content", {}).values():
                validator_for(media["schema"])


def test_the_checker_refuses_what_the_schema_does_not_allow():
    """The checker is strict: a null where `nullable` is not said, a field not declared, a bad date all fail."""
    meeting = {"$ref": "#/components/schemas/Meeting"}
    version = {"$ref": "#/components/schemas/Version"}
    assert not validator_for(version).is_valid({"comment_count": None})
    good = {"id": 1, "number": 1, "note": "", "created_at": "2026-01-02T03:04:05.000000Z",
            "author": {"username": "a", "name": "A", "agency": "CBSA"}, "classification": 0,
            "restored_from": None, "comment_count": 0}
    checker = validator_for(version)
    assert list(checker.iter_errors(good)) == []
    assert not checker.is_valid(good | {"comment_count": None})
    assert not checker.is_valid(good | {"undeclared": 1})
    assert not checker.is_valid(good | {"created_at": "2026-02-30T03:04:05Z"})
    # my_rsvp: an answer or null.
    assert validator_for(meeting)  # the schema itself is valid JSON Schema once converted


def call(client: Client, url: str, path: str) -> tuple[int, object]:
    response = client.get(url)
    operation = SCHEMA["paths"][path]["get"]
    status = str(response.status_code)
    assert status in operation["responses"], f"{url}: {status} is not documented"
    content = operation["responses"][status].get("content")
    if content is None:
        assert not response.content, f"{url}: {status} documents no body but has one"
        return response.status_code, None
    assert response["Content-Type"].split(";")[0] == "application/json", url
    data = json.loads(response.content)
    errors = sorted(validator_for(content["application/json"]["schema"]).iter_errors(data), key=str)
    assert errors == [], f"{url} ({status}): " + "; ".join(
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors[:5]
    )
    return response.status_code, data


@pytest.fixture
def uncommented_version(demo):
    """A version nobody has commented on yet, on the MOU the matrix reads versions of: its count is 0."""
    mou = Agreement.objects.get(short_name="CBSA–ATF MOU")
    latest = mou.versions.order_by("-number").first().number
    mou_services.version_create(
        actor=demo.users["secretariat"], agreement=mou, text="Uncommented.", base_number=latest
    )


@pytest.mark.parametrize("persona", ["rcmp", "secretariat"])
@pytest.mark.parametrize(("path", "operation"), GETS, ids=[path for path, _ in GETS])
def test_every_get_answers_as_its_schema_says(demo, uncommented_version, persona, path, operation):
    _token, text = account_services.api_token_create(actor=demo.users[persona], name="Schema", access=ApiToken.Access.READ)
    client = Client(HTTP_AUTHORIZATION=f"Token {text}")
    route = MATRIX[route_name(path)]
    url = route.url(demo)

    status, data = call(client, url, path)

    expected = route.statuses[persona]
    assert status in (expected if isinstance(expected, frozenset) else {expected}), f"{url}: {status}"
    if is_detail(path) and (parent := list_path(path)):
        # Again with an id the caller's list gives: an object they see, read in full.
        list_url = url.rstrip("/").rsplit("/", 1)[0] + "/"
        listed_status, listed = call(client, list_url, parent)
        key = re.findall(r"\{([^}]+)\}", path)[-1]
        if listed_status == 200 and rows(listed):
            status, data = call(client, f"{list_url}{rows(listed)[0][key]}/", path)
            assert status == 200, path
