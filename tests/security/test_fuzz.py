"""Hostile values in every parameter: no page or API operation answers a 5xx.

Generated, not listed: the pages are those of the visibility matrix (tests/support/visibility_matrix.py, which
tests/test_url_coverage.py keeps complete), their query parameters those their own forms and links use (found in
the pages as served) plus those read without a form (EXTRA_QUERY); the API's operations, parameters and body fields
are those of the OpenAPI schema it serves. Each parameter gets each hostile value in turn, the others as the matrix
has them, as a member and as the secretariat. Every request runs in a savepoint rolled back after it, so each sees
the same scenario, and the run is the same every time. Every 5xx is collected and reported in one message.
"""

import base64
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import Resolver404, resolve

from tests.conftest import pass_second_factor
from tests.support.scenario import project_apps
from tests.support.visibility_matrix import MATRIX, Route

JUNK_CURSOR = base64.urlsafe_b64encode(b"\xff\xfejunk\x00").decode()
# Query parameters: numbers, days and cursors that only look right, NUL, line breaks.
HOSTILE = (
    "²",  # a digit to str.isdigit, not to int()
    "١٢",  # Arabic-Indic digits
    "x\x00y",
    "99999999999999999999999",  # past bigint
    "-1",
    "0001-01-01",
    "9999-12-31",
    "cD0lMDA=",  # a cursor whose position is a NUL
    "WzFd",  # [1]
    "W1sxXV0=",  # [[1]]
    JUNK_CURSOR,
    "line\r\nbreak",
    "",
)
# Path arguments: what stands where an id, a number or an acronym goes.
HOSTILE_IN_PATH = ("²", "١٢", "x\x00y", "99999999999999999999999", "-1", "0", "line\nbreak", "%")
# Body fields: text that only looks right, NUL, line breaks, and what JSON holds besides text.
HOSTILE_IN_BODY = (
    "²", "x\x00y", "99999999999999999999999", "9999-12-31", "line\r\nbreak", 10**23, -1, None, [], {},
    ["x\x00y"], ["²"],
)
DEEP_JSON = '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}"
LARGE_JSON = json.dumps({"text": "x" * 3_000_000})
WRITES = ("post", "put", "patch")
API = "/api/v1/"

# Query parameters a page reads without offering them in a form or a link of its own.
EXTRA_QUERY = {
    "home": ("days",),
    "login": ("next",),
    "action-item-status": ("next",),
    "calendar": ("body", "kind", "view", "month"),
    "meeting-create": ("body",),
    "series-create": ("body",),
    "search": ("q", "kind", "page"),
    "audit-log": ("before",),
    "register-export": ("body",),
    "version-compare": ("from", "to"),
    "sharing-matrix": ("category",),
}
# Names the project's views read from request.GET, found in the source of every app of the project (tests/support/scenario.py,
# project_apps): each must be fuzzed somewhere.
READS = re.compile(r"""request\.GET(?:\.get|\.getlist)?[(\[]\s*["'](\w+)["']|["'](\w+)["']\s+in\s+request\.GET""")


@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    body: str | None = None
    content_type: str = "application/json"

    def __str__(self) -> str:
        shown = self.url if len(self.url) < 160 else self.url[:160] + "…"
        body = "" if self.body is None else f" body={self.body[:60]!r}{'…' if len(self.body) > 60 else ''}"
        return f"{self.method.upper()} {shown}{body}"


# Pages: their addresses from the matrix, their query parameters from what they serve. -------------------------


class _Parameters(HTMLParser):
    """The query parameters a page's GET forms and its links give, by the path they go to."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path, self.found, self._form = path, defaultdict(set), None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._form = (urlsplit(attrs.get("action") or "").path or self.path) if method == "get" else None
        elif tag in ("input", "select", "textarea", "button") and self._form and attrs.get("name"):
            self.found[self._form].add(attrs["name"])
        elif tag == "a" and attrs.get("href") and "?" in attrs["href"]:
            link = urlsplit(attrs["href"])
            self.found[link.path or self.path].update(name for name, _ in parse_qsl(link.query, keep_blank_values=True))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def _page_routes() -> dict[str, Route]:
    """Every route of the matrix but signing out (which would end the probe's session)."""
    return {name: route for name, route in MATRIX.items() if name != "logout"}


def _is_api(url: str) -> bool:
    """The API's operations are probed from its schema."""
    return url.startswith(API)


@contextmanager
def _address_of(route: Route, demo) -> Iterator[str]:
    """The route's address, with what the matrix makes for it (a record, a token) rolled back afterwards: each
    route is set up from the same scenario, as tests/test_url_coverage.py does."""
    with transaction.atomic():
        yield route.url(demo)
        transaction.set_rollback(True)


def _served_parameters(client: Client, demo) -> dict[str, set[str]]:
    """View name: the query parameter names every page's forms and links give it, as the secretariat is served."""
    found = defaultdict(set)
    for route in _page_routes().values():
        if route.method != "get":
            continue
        with _address_of(route, demo) as url:
            response = None if _is_api(url) else client.get(url)
        if response is None or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Parameters(urlsplit(url).path)
        parser.feed(response.content.decode("utf-8", "replace"))
        for path, names in parser.found.items():
            try:
                found[resolve(path).view_name] |= names
            except Resolver404:
                continue
    return found


def _replace_segment(path: str, value: str, hostile: str) -> str:
    """`path` with the part of a segment that holds a path argument's value replaced by `hostile`."""
    segments = path.split("/")
    for index in range(len(segments) - 1, -1, -1):
        if value and value in segments[index]:
            segments[index] = segments[index].replace(value, quote(hostile, safe=""), 1)
            return "/".join(segments)
    raise AssertionError(f"{value!r} is not in {path}")


def _variants(method: str, url: str, names: set[str]) -> Iterator[Probe]:
    """The address as the matrix has it, each path argument and each query parameter hostile in turn."""
    split = urlsplit(url)
    query = dict(parse_qsl(split.query, keep_blank_values=True))
    yield Probe(method, url)
    try:
        arguments = resolve(split.path).kwargs
    except Resolver404:
        arguments = {}
    for value in arguments.values():
        for hostile in HOSTILE_IN_PATH:
            path = _replace_segment(split.path, str(value), hostile)
            yield Probe(method, f"{path}?{split.query}" if split.query else path)
    for name in sorted(names | set(query)):
        for hostile in HOSTILE:
            yield Probe(method, f"{split.path}?{urlencode({**query, name: hostile})}")


# The API: every operation of its schema, on the matrix's objects. ---------------------------------------------


def _template_pattern(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")


def _resolve_ref(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _api_failures(client: Client, schema: dict, demo) -> tuple[list[str], int]:
    """Every operation of the schema probed on the first matrix address that fits its path (each route set up from
    the same scenario); an operation no address fits is a failure of its own."""
    operations = {
        (template, method): operation for template, methods in schema["paths"].items()
        for method, operation in methods.items() if method in ("get", "post", "put", "patch", "delete")
    }
    failures, count = [], 0
    for route in (route for name, route in MATRIX.items() if name.startswith("api")):
        with _address_of(route, demo) as url:
            address = urlsplit(url).path
            if not _is_api(address):
                continue
            for template, method in sorted(key for key in operations if _template_pattern(key[0]).match(address)):
                operation = operations.pop((template, method))
                probes = list(_operation_probes(method, template, address, operation))
                if method in WRITES and _reaches_the_body(client, method, address):
                    probes += _body_probes(schema, method, address, operation)
                failures += _failures(client, probes, api=True)
                count += len(probes)
    failures += [f"{method.upper()} {template}: no address in the visibility matrix fits it"
                 for template, method in sorted(operations)]
    return failures, count


def _operation_probes(method: str, template: str, concrete: str, operation: dict) -> Iterator[Probe]:
    """The operation on the matrix's object, each path argument and query parameter hostile in turn; a body nested
    too deep, too large, not JSON."""
    arguments = _template_pattern(template).match(concrete).groupdict()
    body = "{}" if method in WRITES else None
    yield Probe(method, concrete, body)
    for parameter in operation.get("parameters", []):
        name = parameter["name"]
        if parameter["in"] == "path":
            for hostile in HOSTILE_IN_PATH:
                yield Probe(method, template.format(**{**arguments, name: quote(hostile, safe="")}), body)
        elif parameter["in"] == "query":
            for hostile in HOSTILE:
                yield Probe(method, f"{concrete}?{urlencode({name: hostile})}", body)
    if method not in WRITES:
        return
    yield Probe(method, concrete, DEEP_JSON)
    yield Probe(method, concrete, LARGE_JSON)
    yield Probe(method, concrete, "[" * 50 + "]" * 50)
    yield Probe(method, concrete, "not json")


def _reaches_the_body(client: Client, method: str, address: str) -> bool:
    """Whether the caller's write gets as far as its body: an empty one is then refused as not valid (or taken),
    not answered 403 or 404 before it is read. Body fields are probed only where they are read."""
    with transaction.atomic():
        status = _send(client, Probe(method, address, "{}")).status_code
        transaction.set_rollback(True)
    return status not in (403, 404)


def _body_probes(schema: dict, method: str, address: str, operation: dict) -> Iterator[Probe]:
    """Each field of the operation's body hostile in turn."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    fields = _resolve_ref(schema, content.get("schema", {})).get("properties", {})
    for name in sorted(fields):
        for value in HOSTILE_IN_BODY:
            yield Probe(method, address, json.dumps({name: value}))


# Running the probes. ---------------------------------------------------------------------------------------


def _client(user) -> Client:
    # A 5xx is answered and collected, not raised, so one run reports every one.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    pass_second_factor(client, user)
    return client


def _send(client: Client, probe: Probe):
    call = getattr(client, probe.method)
    if probe.body is None:
        return call(probe.url)
    return call(probe.url, probe.body, content_type=probe.content_type)


def _failures(client: Client, probes: list[Probe], *, api: bool) -> list[str]:
    failures = []
    for probe in probes:
        try:
            with transaction.atomic():
                response = _send(client, probe)
                transaction.set_rollback(True)  # every probe sees the same scenario
        except DatabaseError as error:
            failures.append(f"{probe}: database error {error!r}"[:400])
            continue
        if response.status_code >= 500:
            raised = response.exc_info[1] if getattr(response, "exc_info", None) else None
            failures.append(f"{probe}: {response.status_code} {raised!r}"[:400])
        elif api and response.status_code >= 400 and "error" not in _json(response):
            failures.append(f"{probe}: {response.status_code} not in the API's error shape")
    return failures


def _json(response) -> dict:
    try:
        answer = json.loads(response.content)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _report(failures: list[str], probes: int) -> str:
    return f"{len(failures)} of {probes} probes failed:\n" + "\n".join(failures)


@pytest.mark.parametrize("persona", ["rcmp", "secretariat"])
def test_no_page_answers_a_hostile_parameter_with_a_server_error(demo, persona):
    served = _served_parameters(_client(demo.users["secretariat"]), demo)
    client = _client(demo.users[persona])
    failures, count = [], 0
    for name, route in _page_routes().items():
        with _address_of(route, demo) as url:
            if _is_api(url):
                continue
            names = served[resolve(urlsplit(url).path).view_name] | set(EXTRA_QUERY.get(name, ()))
            probes = list(_variants(route.method, url, names))
            failures += _failures(client, probes, api=False)
            count += len(probes)

    assert not failures, _report(failures, count)


@pytest.mark.parametrize("persona", ["rcmp", "secretariat"])
def test_no_api_operation_answers_a_hostile_parameter_or_body_with_a_server_error(demo, persona):
    client = _client(demo.users[persona])
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)

    failures, count = _api_failures(client, schema, demo)

    assert not failures, _report(failures, count)


def test_every_query_parameter_a_view_reads_is_probed(demo):
    read = {
        name for app in project_apps() for source in Path(app.path).rglob("*.py")
        for match in READS.finditer(source.read_text()) for name in match.groups() if name
    }
    served = _served_parameters(_client(demo.users["secretariat"]), demo)
    in_matrix = set()
    for route in _page_routes().values():
        with _address_of(route, demo) as url:
            in_matrix |= dict(parse_qsl(urlsplit(url).query)).keys()
    probed = set().union(*served.values(), *EXTRA_QUERY.values(), in_matrix)

    assert read - probed == set(), "Add these to the probes (a page's form or link, or EXTRA_QUERY)"
    assert set(EXTRA_QUERY) <= set(MATRIX)
