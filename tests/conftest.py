"""The demo scenario, its personas and a circulated meeting, shared by the whole suite.

The scenario is loaded once per test database (each xdist worker has its own), before the first test
that uses the database; every test then runs inside a transaction that is rolled back, so it starts from
the same scenario and may change it freely. A transactional test (`transaction=True`, `live_server`)
sees the scenario too, and what it commits is undone when it ends by putting the scenario back as it was loaded,
from a copy taken after the load (a fraction of a second, where emptying every table and loading the scenario again
through the services took ten).
"""

import datetime
import gc
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest
from django.test import Client, TransactionTestCase
from django.utils import timezone, translation
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.selectors import second_factor_required
from meetings import services
from meetings.models import AgendaItem, Meeting
from members.models import Agency, User
from taskforce import demo as scenario
from taskforce.models import Body

from .support.factories import AgencyFactory, UserFactory


def pytest_configure(config) -> None:
    # WhiteNoise warns that STATIC_ROOT is missing: the suite never runs collectstatic.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")
    # Python's cycle collector walks every object that has survived a while: with the thousands of collected tests,
    # the API schema and Django's caches, its default thresholds cost about a twentieth of the suite's time. Rarer
    # collections (and, below, the objects of a test process's setup set aside from them) find the same garbage.
    gc.set_threshold(10_000, 20, 20)


def _set_aside_what_lives_on() -> None:
    """Leave the objects alive now (collected tests, modules, the scenario's caches) out of later collections."""
    gc.collect()
    gc.freeze()


def pytest_collection_finish(session) -> None:
    _set_aside_what_lives_on()


@pytest.fixture(autouse=True)
def default_language():
    """A request leaves its language active in the thread (LocaleMiddleware activates it, nothing resets it): each
    test starts in the portal's default language, as code outside a request does."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


SNAPSHOT = "scenario_snapshot"


def _tables_and_columns(cursor) -> dict[str, list[str]]:
    """The tables a flush empties (the append-only audit trail is not one of them), each with the columns a row is
    written with (generated columns are not)."""
    cursor.execute(
        "SELECT c.relname, array_agg(quote_ident(a.attname) ORDER BY a.attnum) FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid"
        " WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped"
        " AND a.attgenerated = '' AND c.relname = ANY(%s) GROUP BY c.relname",
        [sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))],
    )
    return dict(cursor.fetchall())


def take_snapshot() -> None:
    """Copy every row of the loaded scenario into a schema of its own."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE; CREATE SCHEMA {SNAPSHOT}")
        tables = _tables_and_columns(cursor)
        for table in tables:
            cursor.execute(f'CREATE TABLE {SNAPSHOT}."{table}" AS TABLE public."{table}"')
        cursor.execute(f"CREATE TABLE {SNAPSHOT}.audit AS SELECT coalesce(max(id), 0) AS last FROM taskforce_auditentry")


def restore_snapshot() -> None:
    """Put the scenario back exactly as it was loaded (its ids and the visibility index included), with triggers and
    foreign-key checks off while the rows go in: they were consistent when they were copied. The id sequences go on
    counting, so a row made later never takes the id of one made before."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table, columns in _tables_and_columns(cursor).items():
            names = ", ".join(columns)
            cursor.execute(f'DELETE FROM public."{table}"')
            cursor.execute(f'INSERT INTO public."{table}" ({names}) SELECT {names} FROM {SNAPSHOT}."{table}"')
        # And the trail's entries about what the test did, which would otherwise name the scenario's restored rows
        # (the chain stays whole: each entry links to the one before it).
        cursor.execute(f"DELETE FROM taskforce_auditentry WHERE id > (SELECT last FROM {SNAPSHOT}.audit)")
    ContentType.objects.clear_cache()
    cache.clear()


def _restore_instead_of_flushing(test_case) -> None:
    """What a transactional test leaves behind is undone by putting the scenario back, in place of Django's flush
    (which would empty every table, then have the scenario loaded again through the services)."""
    restore_snapshot()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        scenario.load()
        add_personas()
        take_snapshot()
    _set_aside_what_lives_on()
    flush = TransactionTestCase._fixture_teardown
    TransactionTestCase._fixture_teardown = _restore_instead_of_flushing
    yield
    TransactionTestCase._fixture_teardown = flush


@pytest.fixture
def demo(db) -> scenario.Demo:
    """Fresh handles on the scenario's bodies, agencies and users (fresh: a test may change them)."""
    if not Body.objects.filter(acronym="CBFTF").exists():
        demo = scenario.load()
        add_personas()
        return demo
    return scenario.Demo(
        bodies={b.acronym: b for b in Body.objects.filter(acronym__in=[row[0] for row in scenario.BODIES])},
        agencies={
            a.acronym: a for a in Agency.objects.filter(acronym__in=[row[0] for row in scenario.AGENCIES])
        },
        users={u.username: u for u in User.objects.filter(username__in=[row[0] for row in scenario.USERS])},
    )


@pytest.fixture
def secretariat(demo) -> User:
    """CBSA; secretariat of the CBFTF and of the CBCF."""
    return demo.users["secretariat"]


@pytest.fixture
def cbsa(demo) -> User:
    """CBSA, co-lead agency; co-chair of the CBFTF; party to the restricted MOU."""
    return demo.users["cbsa"]


@pytest.fixture
def atf(demo) -> User:
    """ATF, co-lead agency; co-chair of the CBFTF; party to the restricted MOU."""
    return demo.users["atf"]


@pytest.fixture
def rcmp(demo) -> User:
    """RCMP, supporting agency; member of the CBFTF; not party to the MOU."""
    return demo.users["rcmp"]


@pytest.fixture
def hsi(demo) -> User:
    """ICE/HSI, co-lead agency; co-chair of the CBFTF; not party to the MOU."""
    return demo.users["hsi"]


@pytest.fixture
def cbp(demo) -> User:
    """CBP; member of the CBFTF; not party to the MOU."""
    return demo.users["cbp"]


@pytest.fixture
def dea(demo) -> User:
    """DEA; member of the parent forum (CBCF) only, no role in the CBFTF."""
    return demo.users["dea"]


def add_personas() -> None:
    """The two personas the scenario lacks, made once with it: a person whose agency takes no part in any body, and a
    superuser of no agency."""
    UserFactory(
        username="outsider", first_name="Olga", last_name="Outsider",
        agency=AgencyFactory(acronym="EUROPOL", name_en="Europol", name_fr="Europol"),
    )
    UserFactory(username="root", agency=None, is_superuser=True, is_staff=True)


@pytest.fixture
def outsider(db) -> User:
    """A person whose agency takes no part in any body."""
    return User.objects.get(username="outsider")


@pytest.fixture
def superuser(db) -> User:
    return User.objects.get(username="root")


@pytest.fixture
def personas(demo, outsider, superuser) -> dict[str, User | AnonymousUser]:
    """Every persona by name, for tests parametrised over them."""
    return {"anonymous": AnonymousUser(), "outsider": outsider, "superuser": superuser, **demo.users}


OTTAWA = zoneinfo.ZoneInfo("America/Toronto")
CBFTF_AGENCIES = ("CBSA", "RCMP", "ATF", "HSI", "CBP")


@dataclass
class Agenda:
    meeting: Meeting
    roundtable: AgendaItem
    mou: AgendaItem


@pytest.fixture
def circulated(demo, secretariat) -> Agenda:
    """A CBFTF meeting next week, every CBFTF agency invited, its agenda circulated: a body-wide roundtable,
    then an item restricted to CBSA and ATF."""
    start = datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=7), datetime.time(10), OTTAWA)
    meeting = services.meeting_schedule(
        actor=secretariat, body=demo.bodies["CBFTF"], title_en="Security review meeting", start=start,
        end=start + datetime.timedelta(hours=2), time_zone="America/Toronto",
        invite_agencies=[demo.agencies[acronym] for acronym in CBFTF_AGENCIES],
    )
    roundtable = services.agenda_item_add(actor=secretariat, meeting=meeting, title_en="Roundtable")
    mou = services.agenda_item_add(
        actor=secretariat, meeting=meeting, title_en="CBSA–ATF MOU: status",
        restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]],
    )
    meeting = services.agenda_circulate(actor=secretariat, meeting=meeting)
    return Agenda(meeting=meeting, roundtable=roundtable, mou=mou)


def pass_second_factor(client: Client, user: User) -> TOTPDevice:
    """Confirm the second factor in the client's session as the verify page does after a right code: django_otp's
    own login, with a confirmed authenticator of the user's (made now if they have none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    request = HttpRequest()
    request.session, request.user = client.session, user
    otp_login(request, device)
    request.session.save()
    return device


@pytest.fixture
def client_for() -> Callable[[User | AnonymousUser | None], Client]:
    """`client_for(user)`: a test client signed in as `user` (anonymous for None or AnonymousUser), past the
    second factor when the user must use one (the secretariat, superusers)."""

    def signed_in(user: User | AnonymousUser | None) -> Client:
        client = Client()
        if user is not None and user.is_authenticated:
            client.force_login(user)
            if second_factor_required(user=user):
                pass_second_factor(client, user)
        return client

    return signed_in


@pytest.fixture(autouse=True)
def visibility_index_in_step(request):
    """After every test of the services (the writes), the visibility index agrees with the rules worked out afresh:
    a write that changes who may see what without keeping the index in step fails here, naming the rows."""
    if not request.module.__name__.endswith("test_services"):
        yield
        return
    request.getfixturevalue("db")  # set up first, so that it is still there when this checks
    yield
    from taskforce import permissions

    differences = permissions.check()
    assert not differences, "\n".join(str(d) for d in differences[:20])
