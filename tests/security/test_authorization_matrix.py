"""The authorization matrix: who gets what, on every API operation and every page, by every kind of caller.

This module is the evidence that no caller reaches what is not theirs. It is generated, not hand-listed: a new
API operation or URL pattern is covered the day it is added, and a case without a rule fails.

1. API operations, from the OpenAPI schema (drf-spectacular's generator, in process): every path x method.
   Each path's parameters are filled with the most restricted object its route can show, taken from the
   visibility matrix (tests/support/visibility_matrix.py): the CBSA–ATF MOU and its versions and steps, its milestone,
   the restricted agenda item on it with its paper, the decision and action item recorded from that item, the
   forum-only DEA. Every persona calls every operation:

   | persona                                   | expected                                                        |
   |-------------------------------------------|-----------------------------------------------------------------|
   | anonymous                                 | 401                                                             |
   | deactivated member, their session         | 401 (the session row and the token row are left in place)       |
   | deactivated member, their token           | 401                                                             |
   | secretariat, password but no second factor| 403 `permission_denied`                                         |
   | dea (the parent forum only), session      | what the matrix says for dea: 404 on anything of the task force |
   | rcmp (not party to the MOU), session      | what the matrix says for rcmp; 404 on anything hidden from RCMP |
   | read-and-write token of rcmp              | the same as rcmp                                                |
   | cbsa (party to the MOU), session          | what the matrix says for cbsa; never 404 on what CBSA sees      |
   | read-only token of cbsa                   | 403 on every unsafe method; otherwise the same as cbsa          |
   | secretariat, past the second factor       | what the matrix says; never 404                                 |

   "What the matrix says" is the exact status for the method the matrix probes; other methods on a visible
   object answer the exact status `NOT_PROBED` states for each persona (an empty body, an action for the
   secretariat only), never 404. A
   hidden object answers 404, never 403 and never 2xx, with the very body a missing one gets. Lists never name a
   hidden object (its id and its titles are absent), and nothing answers 5xx. Methods the schema does not list
   for a path answer 405 (401 to anonymous callers).

2. Every other URL pattern, from the resolver (the pages, the API root, schema and docs, the probes and
   feeds), x GET, HEAD, POST, PUT, PATCH, DELETE:

   | persona                                   | expected                                                        |
   |-------------------------------------------|-----------------------------------------------------------------|
   | anonymous                                 | sent to sign in (API: 401), or 405; open pages: anything but 5xx|
   | deactivated member, their session         | exactly what anonymous gets: signed out                         |
   | secretariat, password but no second factor| sent to the second-factor pages (API: 403), but on those pages  |
   | rcmp, cbsa, secretariat                   | as the matrix says for the method it probes; on a hidden object |
   |                                           | 404 (405 for a method the view never accepts); never 404 on a   |
   |                                           | visible one                                                     |
   | everyone                                  | PUT, PATCH and DELETE on a page: 405                            |

   Nobody the MOU is not shared with ever reads one of its titles, whatever the status.

3. django-guardian pitfalls: a global (model-level) permission, on the user or on their agency's group, never
   widens a scope, on pages or in the API; an object deleted and recreated with the same primary key inherits
   no grant (the direct foreign-key grant tables cascade), and a grant left in guardian's generic tables is
   never read.
"""

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import resolve
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from accounts import services as account_services
from accounts.middleware import OPEN_BEFORE_SECOND_FACTOR
from accounts.models import ApiToken
from meetings import services as meeting_services
from meetings.models import AgendaItem, Meeting
from members.models import User
from mou.models import Agreement
from taskforce import permissions
from taskforce.demo import Demo
from taskforce.models import Milestone
from tests.support.factories import MilestoneFactory
from tests.support.scenario import RESTRICTED_TITLES, api_schema, mou_review, page
from tests.support.visibility_matrix import MATRIX, REDIRECT_TO_SIGN_IN, REFUSED, Route, url_patterns

SIGN_IN = "/en/accounts/login/"
SECOND_FACTOR_PAGES = ("/en/accounts/two-factor/enrol/", "/en/accounts/two-factor/verify/")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# POST last: a write (signing out, answering a step) must not change what the other methods are asked about.
METHODS = ("GET", "HEAD", "PUT", "PATCH", "DELETE", "POST")

# What the CBSA–ATF MOU material is called, in both languages: none of it may reach RCMP.
MOU_ITEM = "CBSA–ATF MOU on direct information sharing: status"
MOU_ITEM_FR = "PE ASFC–ATF sur l'échange direct d'information : état d'avancement"
MOU_PAPER = "CBSA–ATF MOU status note"
MOU_TITLE = "Memorandum of Understanding between the CBSA and the ATF on direct information sharing"
MOU_TITLE_FR = "Protocole d'entente entre l'ASFC et l'ATF sur l'échange direct de renseignements"
MOU_NAME_FR = "PE ASFC–ATF"
RESTRICTED_MARKS = (*RESTRICTED_TITLES, MOU_ITEM, MOU_ITEM_FR, MOU_PAPER, MOU_TITLE, MOU_TITLE_FR, MOU_NAME_FR)


# Reading responses


def body_of(response: HttpResponse) -> str:
    """The response as text a caller could read, downloads included."""
    if response.streaming:
        # Read to the end, the test client closes the file itself (closing it here would close the connection).
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    text = content.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/json") and text:
        return json.dumps(json.loads(text), ensure_ascii=False)
    return text


def marks_in(text: str) -> list[str]:
    return [mark for mark in RESTRICTED_MARKS if mark in text]


def listed_ids(text: str) -> set[object] | None:
    """The ids of the rows of a JSON list, paginated or not (none in an error); None when the answer is not JSON."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    rows = data.get("results", []) if isinstance(data, dict) else data if isinstance(data, list) else []
    return {row.get("id") for row in rows if isinstance(row, dict)}


def location(response: HttpResponse) -> str:
    return urlsplit(response.get("Location", "")).path


# Personas


@dataclass(frozen=True)
class Persona:
    """A caller: how it signs in, and whose view of the portal it has once signed in (a matrix persona)."""

    name: str
    sign_in: Callable[[Demo, Callable], Client]
    reads_as: str | None = None
    read_only: bool = False


def token_client(user: User, access: str) -> Client:
    _token, text = account_services.api_token_create(actor=user, name="Authorization matrix", access=access)
    return Client(HTTP_AUTHORIZATION=f"Token {text}")


def deactivated(demo: Demo, client_for: Callable, *, by_token: bool) -> Client:
    """ATF, a party to the MOU, signed in (or holding a token) and then deactivated. The account is switched off
    directly rather than through the service that also ends sessions: the session and token rows stay, so the
    refusal shown here is the authentication's own."""
    atf = User.objects.get(username="atf")
    # Both deactivated personas are ATF: the second one signs in while the account is briefly active again.
    atf.is_active = True
    atf.save(update_fields=["is_active"])
    client = token_client(atf, ApiToken.Access.WRITE) if by_token else client_for(atf)
    atf.is_active = False
    atf.save(update_fields=["is_active"])
    return client


def password_only(demo: Demo, client_for: Callable) -> Client:
    client = Client()
    client.force_login(demo.users["secretariat"])
    return client


ANONYMOUS = Persona("anonymous", lambda demo, client_for: Client())
DEACTIVATED_SESSION = Persona(
    "deactivated session", lambda demo, client_for: deactivated(demo, client_for, by_token=False)
)
DEACTIVATED_TOKEN = Persona("deactivated token", lambda demo, client_for: deactivated(demo, client_for, by_token=True))
NO_SECOND_FACTOR = Persona("secretariat without second factor", password_only)
RCMP = Persona("rcmp", lambda demo, client_for: client_for(demo.users["rcmp"]), reads_as="rcmp")
RCMP_TOKEN = Persona(
    "rcmp read-write token",
    lambda demo, client_for: token_client(demo.users["rcmp"], ApiToken.Access.WRITE),
    reads_as="rcmp",
)
DEA = Persona("dea", lambda demo, client_for: client_for(demo.users["dea"]), reads_as="dea")
CBSA = Persona("cbsa", lambda demo, client_for: client_for(demo.users["cbsa"]), reads_as="cbsa")
CBSA_READ_ONLY_TOKEN = Persona(
    "cbsa read-only token",
    lambda demo, client_for: token_client(demo.users["cbsa"], ApiToken.Access.READ),
    reads_as="cbsa",
    read_only=True,
)
SECRETARIAT = Persona(
    "secretariat", lambda demo, client_for: client_for(demo.users["secretariat"]), reads_as="secretariat"
)

# Members the MOU is not shared with: none of its titles may reach them.
NOT_PARTIES = ("rcmp", "dea")

# The secretariat last: its writes succeed, and must not change what the others are asked about.
API_PERSONAS = (
    ANONYMOUS, DEACTIVATED_SESSION, DEACTIVATED_TOKEN, NO_SECOND_FACTOR,
    DEA, RCMP, RCMP_TOKEN, CBSA, CBSA_READ_ONLY_TOKEN, SECRETARIAT,
)
PAGE_PERSONAS = (ANONYMOUS, DEACTIVATED_SESSION, NO_SECOND_FACTOR, RCMP, CBSA, SECRETARIAT)


def signed_in(demo: Demo, client_for: Callable, personas: tuple[Persona, ...]) -> dict[Persona, Client]:
    return {persona: persona.sign_in(demo, client_for) for persona in personas}


# The cases, generated from the schema and the resolver



@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as the schema writes it: /api/v1/agreements/{id}/

    @property
    def route_name(self) -> str:
        """The URL name the operation resolves to, with any value in its path parameters."""
        return resolve(_sample(self.path)).view_name

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _sample(path: str) -> str:
    """The path with each parameter given a value, to find which route serves it."""
    parts = [part if not part.startswith("{") else "1" for part in path.split("/")]
    return "/".join(parts)


SCHEMA = api_schema()
OPERATIONS = [
    Operation(method.upper(), path)
    for path, methods in SCHEMA["paths"].items()
    for method in methods
    if method in {"get", "post", "put", "patch", "delete"}
]
# Per path, the methods the schema does not list for it.
NOT_IN_THE_SCHEMA = {
    path: [method for method in ("GET", "POST", "PUT", "PATCH", "DELETE") if method.lower() not in methods]
    for path, methods in SCHEMA["paths"].items()
}
SCHEMA_ROUTES = {operation.route_name for operation in OPERATIONS}
OTHER_ROUTES = sorted({name for name, _route in url_patterns() if name} - SCHEMA_ROUTES)


def route_for(name: str) -> Route:
    assert name in MATRIX, f"{name} has no rule: add it to tests/support/visibility_matrix.py"
    return MATRIX[name]


def expected_matrix_status(route: Route, persona: str) -> frozenset[int]:
    status = route.statuses[persona]
    return status if isinstance(status, frozenset) else frozenset({status})


def hidden_from(route: Route, persona: str) -> bool:
    return expected_matrix_status(route, persona) == {404}


def probed(route: Route, method: str) -> bool:
    """Is this the method the matrix states statuses for (HEAD answers as GET)?"""
    return method.lower() == route.method or (method == "HEAD" and route.method == "get")


def hidden_in_list(name: str, demo: Demo) -> tuple[int, Route] | None:
    """For a list, the id of the restricted object its detail route probes (the MOU item for the item list), with
    that route: whoever the matrix hides it from must not find it in the list either."""
    detail = name.removesuffix("-list") + "-detail"
    if not name.endswith("-list") or detail not in MATRIX:
        return None
    return int(urlsplit(MATRIX[detail].url(demo)).path.rstrip("/").rsplit("/", 1)[1]), MATRIX[detail]


# 1. API operations


def api_problems(
    persona: Persona, operation: Operation, route: Route, response: HttpResponse, text: str,
    in_list: tuple[int, Route] | None,
) -> list[str]:
    status, method = response.status_code, operation.method
    if status >= 500:
        return [f"{status}, a server error"]
    if persona in (ANONYMOUS, DEACTIVATED_SESSION, DEACTIVATED_TOKEN):
        return [] if status == 401 else [f"{status}, expected 401"]
    if persona is NO_SECOND_FACTOR:
        if status == 403 and json.loads(text)["error"]["code"] == "permission_denied":
            return []
        return [f"{status}, expected 403 until the second factor is passed"]
    if persona.read_only and method in UNSAFE:
        return [] if status == 403 else [f"{status}, expected 403 for a read-only token"]
    problems = []
    if hidden_from(route, persona.reads_as):
        if status != 404:
            problems.append(f"{status} on an object hidden from {persona.reads_as}, expected 404")
    elif probed(route, method):
        if status not in expected_matrix_status(route, persona.reads_as):
            problems.append(f"{status}, the matrix says {route.statuses[persona.reads_as]}")
    else:
        expected = NOT_PROBED.get((method, operation.path), {}).get(persona.reads_as)
        if status != expected:
            problems.append(f"{status} on an object {persona.reads_as} sees, expected {expected}")
    if persona.reads_as in NOT_PARTIES and (leaked := marks_in(text)):
        problems.append(f"reads {leaked}")
    if in_list and hidden_from(in_list[1], persona.reads_as):
        ids = listed_ids(text)
        if ids is None:
            problems.append(f"{status} with an answer that is not JSON: {text[:200]!r}")
        elif in_list[0] in ids:
            problems.append(f"lists the object {in_list[0]}, hidden from {persona.reads_as}")
    return problems


# The exact answer, per persona, of each operation on a visible object by a method its route's rule does not probe
# (the matrix states one method per route). Sent `{}`: an empty body.
NOT_PROBED: dict[tuple[str, str], dict[str, int]] = {
    # Scheduling: refused before the input is read to whoever is of no body's secretariat; for a secretariat the body
    # named in the input decides, and with none named the input is refused.
    ("POST", "/api/v1/meetings/"): {"dea": 403, "rcmp": 403, "cbsa": 403, "secretariat": 400},
    # Editing a meeting is the secretariat's; an empty edit changes nothing.
    ("PATCH", "/api/v1/meetings/{id}/"): {"rcmp": 403, "cbsa": 403, "secretariat": 200},
    # Adding and editing agenda items is the secretariat's, who must say what.
    ("POST", "/api/v1/meetings/{meeting_pk}/items/"): {"rcmp": 403, "cbsa": 403, "secretariat": 400},
    ("PATCH", "/api/v1/meetings/{meeting_pk}/items/{id}/"): {"cbsa": 403, "secretariat": 400},
    # Guests are the secretariat's to invite (who must say whom) and remove; members who see the meeting are refused.
    ("POST", "/api/v1/meetings/{meeting_pk}/guests/"): {"rcmp": 403, "cbsa": 403, "secretariat": 400},
    ("DELETE", "/api/v1/meetings/{meeting_pk}/guests/{id}/"): {"rcmp": 403, "cbsa": 403, "secretariat": 204},
    # The action item (ATF's, which CBSA sees but may not update): a PATCH naming no status changes nothing.
    ("PATCH", "/api/v1/action-items/{id}/"): {"cbsa": 403, "secretariat": 200},
    # Replacing a body's standing items is its secretariat's (members: 404), who must send a version and items.
    ("PUT", "/api/v1/bodies/{acronym}/agenda-template/"): {"secretariat": 400},
    # Commenting on draft minutes names an item and a text; sent empty, nothing is commented, whoever asks.
    ("POST", "/api/v1/meetings/{id}/minutes/comments/"): {"rcmp": 400, "cbsa": 400, "secretariat": 400},
    # Asking for one's own meeting package: anyone who sees the meeting (it is queued, and shared with those who see
    # the same).
    ("POST", "/api/v1/meetings/{id}/package/"): {"rcmp": 202, "cbsa": 202, "secretariat": 202},
}


def test_every_api_operation_resolves_to_a_route_with_a_rule():
    assert len(OPERATIONS) > 35
    assert [str(op) for op in OPERATIONS if op.route_name not in MATRIX] == []


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_every_api_operation_answers_each_persona_as_the_rules_say(demo, client_for, operation):
    route = route_for(operation.route_name)
    url = route.url(demo)
    in_list = hidden_in_list(operation.route_name, demo)
    clients = signed_in(demo, client_for, API_PERSONAS)

    problems = []
    for persona, client in clients.items():
        response = client.generic(operation.method, url, "{}", content_type="application/json")
        text = body_of(response)
        problems += [f"{persona.name}: {problem}" for problem in api_problems(
            persona, operation, route, response, text, in_list
        )]
        if not (persona.reads_as and hidden_from(route, persona.reads_as)):
            continue
        # What the same caller gets for an object that does not exist (a read-only token's write is refused before
        # anything is looked up, whether the object exists or not).
        missing = body_of(client.generic(operation.method, missing_twin(url), "{}", content_type="application/json"))
        if text != missing:
            problems.append(f"{persona.name}: a hidden object answers {text}, a missing one {missing}")

    assert problems == [], f"{operation} at {url}"


def missing_twin(url: str) -> str:
    """The same address with every id one that does not exist, every body named by its acronym one that does not
    exist, and every agency named in its query one that does not exist."""
    url = re.sub(r"(?<=/bodies/)[A-Z][A-Za-z]+(?=/)", "NOSUCH", url)
    return re.sub(r"(?<==)[A-Z]{2,}(?=&|$)", "NOSUCH", re.sub(r"(?<=/)\d+(?=/)", "2147483647", url))


@pytest.mark.parametrize("path", NOT_IN_THE_SCHEMA)
def test_a_method_the_schema_does_not_list_is_not_allowed(demo, client_for, path):
    route = route_for(Operation("GET", path).route_name)
    url = route.url(demo)
    clients = signed_in(demo, client_for, (ANONYMOUS, RCMP, CBSA, SECRETARIAT))

    answers = {
        (method, persona.name): client.generic(method, url).status_code
        for method in NOT_IN_THE_SCHEMA[path]
        for persona, client in clients.items()
    }

    expected = {"anonymous": 401, "rcmp": 405, "cbsa": 405, "secretariat": 405}
    assert answers == {(method, name): expected[name] for method, name in answers}, url


# 2. Every other URL pattern


def is_api(url: str) -> bool:
    return url.startswith("/api/")


def open_to_anonymous(route: Route) -> bool:
    return not expected_matrix_status(route, "anonymous") & {REDIRECT_TO_SIGN_IN, *REFUSED, 404}


def signed_out_problems(route: Route, url: str, response: HttpResponse) -> list[str]:
    status = response.status_code
    if open_to_anonymous(route):
        return []
    if is_api(url):
        return [] if status == 401 else [f"{status}, expected 401"]
    if status == 405 or (status == REDIRECT_TO_SIGN_IN and location(response) == SIGN_IN):
        return []
    return [f"{status} {location(response)}, expected to be sent to sign in, or 405"]


def without_second_factor_problems(name: str, url: str, response: HttpResponse) -> list[str]:
    status = response.status_code
    if name in OPEN_BEFORE_SECOND_FACTOR:
        return []
    if is_api(url):
        return [] if status == 403 else [f"{status}, expected 403"]
    if status == 405 or (status == REDIRECT_TO_SIGN_IN and location(response) in SECOND_FACTOR_PAGES):
        return []
    return [f"{status} {location(response)}, expected to be sent to the second-factor pages, or 405"]


# Lists whose form names the object to act on (a message to send again, a lockout to lift): posted empty, they name
# none, which is not found.
NAMED_IN_THE_FORM = [MATRIX["delivery-list"], MATRIX["lockout-list"]]


def member_problems(persona: Persona, method: str, route: Route, url: str, response: HttpResponse) -> list[str]:
    status, who = response.status_code, persona.reads_as
    if hidden_from(route, who):
        return [] if status in (404, 405) else [f"{status} on an object hidden from {who}, expected 404"]
    if probed(route, method):
        expected = expected_matrix_status(route, who)
        return [] if status in expected else [f"{status}, the matrix says {route.statuses[who]}"]
    if method in ("PUT", "PATCH", "DELETE") and not is_api(url):
        return [] if status == 405 else [f"{status}, expected 405: no page takes {method}"]
    if status == 404 and not (method == "POST" and route in NAMED_IN_THE_FORM):
        return [f"404 on an object {who} sees"]
    return []


def page_problems(
    persona: Persona, name: str, method: str, route: Route, url: str, response: HttpResponse,
    answers: dict[Persona, HttpResponse],
) -> list[str]:
    status = response.status_code
    if status >= 500:
        return [f"{status}, a server error"]
    if persona is ANONYMOUS:
        return signed_out_problems(route, url, response)
    if persona is DEACTIVATED_SESSION:
        anonymous = answers[ANONYMOUS]
        if (status, location(response)) == (anonymous.status_code, location(anonymous)):
            return []
        return [f"{status} {location(response)}, anonymous gets {anonymous.status_code} {location(anonymous)}"]
    if persona is NO_SECOND_FACTOR:
        return without_second_factor_problems(name, url, response)
    return member_problems(persona, method, route, url, response)


def method_accepted_only_by_some(answers: dict[Persona, HttpResponse]) -> bool:
    """A 405 must not depend on who asks about which object: it is the view's, for everyone signed in."""
    members = [answers[persona].status_code for persona in (RCMP, CBSA, SECRETARIAT)]
    return 405 in members and any(status not in (404, 405) for status in members)


@pytest.mark.parametrize("name", OTHER_ROUTES)
def test_every_url_pattern_answers_each_persona_and_method_as_the_rules_say(demo, client_for, name):
    route = route_for(name)
    url = route.url(demo)
    clients = signed_in(demo, client_for, PAGE_PERSONAS)

    problems = []
    for method in METHODS:
        answers = {}
        for persona, client in clients.items():
            response = answers[persona] = client.generic(method, url)
            found = page_problems(persona, name, method, route, url, response, answers)
            if persona.reads_as in (None, "rcmp") and (leaked := marks_in(body_of(response))):
                found.append(f"reads {leaked}")
            problems += [f"{method} as {persona.name}: {problem}" for problem in found]
        if method_accepted_only_by_some(answers):
            problems.append(f"{method}: 405 for some, not others: { {p.name: r.status_code for p, r in answers.items()} }")

    assert problems == [], url


# 3. django-guardian pitfalls


def every_model_permission() -> list[Permission]:
    return list(Permission.objects.filter(content_type__app_label__in=("taskforce", "meetings", "mou", "members")))


def test_global_permissions_on_the_member_and_their_agency_widen_nothing_on_any_route(demo, client_for, rcmp):
    """Every model-level permission there is (view, add, change, delete of every model), given to RCMP's member and
    to RCMP's own group: on every route, RCMP's member gets what the matrix says they get without them."""
    every = every_model_permission()
    rcmp.user_permissions.add(*every)
    rcmp.agency.group.permissions.add(*every)
    rcmp = User.objects.get(pk=rcmp.pk)
    assert rcmp.has_perm("mou.view_agreement") and rcmp.has_perm("meetings.change_meeting")

    problems = []
    for name, route in MATRIX.items():
        # Each route from the same state, as in its own test: a probe may record (then approve) what the next one
        # needs, and signing out ends the session.
        with transaction.atomic():
            session, token = client_for(rcmp), token_client(rcmp, ApiToken.Access.WRITE)
            problems += rcmp_problems(name, route, route.url(demo), session=session, token=token)
            transaction.set_rollback(True)

    assert problems == []


def rcmp_problems(name: str, route: Route, url: str, **clients: Client) -> list[str]:
    problems = []
    for channel, client in clients.items():
        if channel == "token" and not is_api(url):
            continue
        response = getattr(client, route.method)(url)
        if response.status_code not in expected_matrix_status(route, "rcmp"):
            problems.append(f"{name} by {channel}: {response.status_code}, the matrix says {route.statuses['rcmp']}")
        if leaked := marks_in(body_of(response)):
            problems.append(f"{name} by {channel}: reads {leaked}")
    return problems


def test_a_grant_left_in_guardians_generic_tables_is_never_read(demo, client_for, rcmp):
    """django-guardian's generic tables (content type and object id as text) are not where the portal keeps grants;
    a row there, stale or planted, shares nothing."""
    milestone, mou = mou_review(), Agreement.objects.get(short_name="CBSA–ATF MOU")
    for obj in (milestone, mou):
        permission = Permission.objects.get(
            content_type=ContentType.objects.get_for_model(obj), codename=f"view_{obj._meta.model_name}"
        )
        common = {"permission": permission, "content_type": permission.content_type, "object_pk": str(obj.pk)}
        GroupObjectPermission.objects.create(group=rcmp.agency.group, **common)
        UserObjectPermission.objects.create(user=rcmp, **common)
    client = client_for(rcmp)

    assert client.get(page("milestone-detail", milestone.pk)).status_code == 404
    assert client.get(f"/api/v1/milestones/{milestone.pk}/").status_code == 404
    assert client.get(page("agreement-detail", mou.pk)).status_code == 404
    assert client.get(f"/api/v1/agreements/{mou.pk}/").status_code == 404
    assert marks_in(body_of(client.get("/api/v1/milestones/?page_size=100"))) == []
    assert marks_in(body_of(client.get(page("agreement-list")))) == []


@dataclass(frozen=True)
class Recreated:
    """A kind of restricted object, how to make one shared with CBSA and ATF only, and where RCMP would read it."""

    make: Callable[[Demo], object]
    page: Callable[[object], str]
    api: Callable[[object], str]
    # Recreated, it is restricted as the deleted one was: a meeting is shown to its invitees, and it has none.
    restricted: Callable[[object], bool] = lambda obj: obj.restricted


def restricted_milestone(demo: Demo) -> Milestone:
    return MilestoneFactory(
        body=demo.bodies["CBFTF"], owner_agency=demo.agencies["CBSA"], title_en="Data-sharing pilot report",
        shared_with=[demo.agencies["CBSA"], demo.agencies["ATF"]],
    )


def restricted_meeting(demo: Demo) -> Meeting:
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=20)
    return meeting_services.meeting_schedule(
        actor=demo.users["secretariat"], body=demo.bodies["CBFTF"], title_en="CBSA–ATF bilateral",
        start=start, end=start + datetime.timedelta(hours=1), time_zone="America/Toronto",
        invite_agencies=[demo.agencies["CBSA"], demo.agencies["ATF"]],
    )


def restricted_item(demo: Demo) -> AgendaItem:
    meeting = Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF meeting")
    return meeting_services.agenda_item_add(
        actor=demo.users["secretariat"], meeting=meeting, title_en="CBSA–ATF annex",
        restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]],
    )


RECREATED = {
    "milestone": Recreated(
        restricted_milestone, lambda obj: page("milestone-detail", obj.pk), lambda obj: f"/api/v1/milestones/{obj.pk}/"
    ),
    "meeting": Recreated(
        restricted_meeting, lambda obj: page("meeting-detail", obj.pk), lambda obj: f"/api/v1/meetings/{obj.pk}/",
        restricted=lambda meeting: not meeting.invitations.exists(),
    ),
    "agenda item": Recreated(
        restricted_item,
        lambda obj: page("agenda-item-detail", obj.pk),
        lambda obj: f"/api/v1/meetings/{obj.meeting_id}/items/{obj.pk}/",
    ),
}


def grant_rows(model: type, pk: int) -> dict[str, int]:
    """Every grant that points at this primary key, in the direct tables and in guardian's generic ones."""
    content_type = ContentType.objects.get_for_model(model)
    return {
        "agency grants": get_group_obj_perms_model(model).objects.filter(content_object_id=pk).count(),
        "personal grants": get_user_obj_perms_model(model).objects.filter(content_object_id=pk).count(),
        "generic agency grants": GroupObjectPermission.objects.filter(
            content_type=content_type, object_pk=str(pk)
        ).count(),
        "generic personal grants": UserObjectPermission.objects.filter(
            content_type=content_type, object_pk=str(pk)
        ).count(),
    }


@pytest.mark.parametrize("kind", RECREATED)
def test_an_object_deleted_and_recreated_with_the_same_id_inherits_no_grant(demo, client_for, rcmp, kind):
    recreated = RECREATED[kind]
    obj = recreated.make(demo)
    model, pk = type(obj), obj.pk
    permissions.grant(obj, [rcmp.agency])
    permissions.grant_person(obj, rcmp)
    client = client_for(rcmp)
    assert client.get(recreated.page(obj)).status_code == 200
    assert client.get(recreated.api(obj)).status_code == 200

    obj.delete()
    assert grant_rows(model, pk) == dict.fromkeys(grant_rows(model, pk), 0)
    # The same row again, with the same primary key: restricted, as the deleted one was.
    obj.pk = pk
    obj.save(force_insert=True)
    assert recreated.restricted(model.objects.get(pk=pk))

    assert client.get(recreated.page(obj)).status_code == 404
    assert client.get(recreated.api(obj)).status_code == 404
    assert not permissions.can_see(demo.users["atf"], obj)
    assert permissions.can_see(demo.users["secretariat"], obj)
