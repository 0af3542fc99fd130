"""Replacing a paper: the earlier versions are kept, numbered, each with who uploaded it and when; those who may read
the paper read the current one and open the earlier ones (nobody else finds any of them); each replacement is told
once, and only to those who may read the paper.

The restricted item is the `circulated` agenda's MOU item, shared with CBSA and ATF only; the demo's own MOU status
note (December 17) was replaced once, so its version 1 is kept.
"""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from meetings import selectors, services
from meetings.demo import tiny_pdf
from meetings.models import AgendaChange, Meeting, Paper, PaperVersion
from members.models import Classification
from notifications.models import Notification
from taskforce import permissions
from taskforce.celery import app as celery_app
from taskforce.errors import ConflictError
from tests.support.emails import assert_in_their_language, emails_to, recipients, sent_after_commit
from tests.support.factories import MembershipFactory, UserFactory
from tests.support.scenario import page, text_of

from .test_api import body, error_fields, results, token_client
from .test_pages import MOU_PAPER, read

API = "/api/v1"
NOT_PARTIES = ("rcmp", "hsi", "cbp", "dea")


def pdf(name: str = "paper.pdf", text: str = "A paper") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_pdf(text), content_type="application/pdf")


def executable(name: str = "note.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200)


@pytest.fixture
def other_secretariat(demo, cbftf):
    """A second member of the CBFTF secretariat, cleared to Protected B."""
    person = UserFactory(
        username="sec2", first_name="Sam", last_name="Second", agency=demo.agencies["CBSA"],
        clearance=Classification.PROTECTED_B,
    )
    MembershipFactory(body=cbftf, user=person, role="secretariat")
    return person


@pytest.fixture
def note(secretariat, circulated) -> Paper:
    """A paper on the restricted MOU item, added after the agenda was circulated."""
    return services.paper_upload(
        actor=secretariat, item=circulated.mou, title="MOU status note", upload=pdf("note-v1.pdf", "First draft")
    )


def replace(actor, paper: Paper, name: str, text: str, **fields) -> Paper:
    version = Paper.objects.get(pk=paper.pk).version
    return services.paper_replace(
        actor=actor, paper=paper, upload=pdf(name, text), **{"expected_version": version, **fields}
    )


def demo_note() -> Paper:
    return Paper.objects.get(title=MOU_PAPER)


def state(paper: Paper) -> tuple:
    """Everything a replacement could change: the paper's row, its earlier versions, the changes and notices."""
    stored = Paper.objects.get(pk=paper.pk)
    return (
        stored.version, stored.title, stored.file.name, stored.original_name, stored.size, stored.uploaded_at,
        list(PaperVersion.objects.filter(paper=paper).values_list("number", "file")),
        AgendaChange.objects.filter(item_id=stored.item_id).count(), Notification.objects.count(),
    )


# The service -------------------------------------------------------------------------------------------------


def test_replacing_a_paper_keeps_the_earlier_version_with_who_uploaded_it_and_when(
    secretariat, other_secretariat, note, media_root
):
    first_file, first_at = note.file.name, note.uploaded_at

    replaced = replace(other_secretariat, note, "note-v2.pdf", "Second draft")

    assert (replaced.version, replaced.title, replaced.original_name) == (2, "MOU status note", "note-v2.pdf")
    assert (replaced.uploaded_by, replaced.classification) == (other_secretariat, Classification.UNCLASSIFIED)
    assert replaced.uploaded_at > first_at
    [earlier] = PaperVersion.objects.filter(paper=note)
    assert (earlier.number, earlier.original_name, earlier.uploaded_by, earlier.uploaded_at, earlier.file.name) == (
        1, "note-v1.pdf", secretariat, first_at, first_file)
    assert (media_root / earlier.file.name).read_bytes() == tiny_pdf("First draft")
    assert (media_root / replaced.file.name).read_bytes() == tiny_pdf("Second draft")
    assert replaced.file.name.startswith(f"papers/{note.item.meeting_id}/") and "note-v2" not in replaced.file.name


def test_a_second_replacement_keeps_versions_1_and_2_and_3_is_current(secretariat, other_secretariat, note, cbsa):
    replace(other_secretariat, note, "note-v2.pdf", "Second draft")
    replace(secretariat, note, "note-v3.pdf", "Third draft", title="MOU status note, final")

    current = Paper.objects.get(pk=note.pk)
    assert (current.version, current.title, current.original_name) == (3, "MOU status note, final", "note-v3.pdf")
    assert [(v.number, v.original_name, v.uploaded_by.username) for v in selectors.paper_versions(
        actor=cbsa, paper=current)] == [(2, "note-v2.pdf", "sec2"), (1, "note-v1.pdf", "secretariat")]
    assert permissions.check() == []


def test_a_replacement_based_on_an_older_version_is_refused_and_nothing_changes(secretariat, note):
    replace(secretariat, note, "note-v2.pdf", "Second draft")
    before = state(note)

    with pytest.raises(ConflictError) as refused:
        services.paper_replace(actor=secretariat, paper=note, upload=pdf("mine.pdf", "Mine"), expected_version=1)

    assert "now version 2" in refused.value.messages[0]
    assert state(note) == before


@pytest.mark.parametrize(
    "upload",
    [executable(), SimpleUploadedFile("note.html", b"<!DOCTYPE html><script>alert(1)</script>"),
     SimpleUploadedFile("note.pdf", b"")],
    ids=["executable renamed pdf", "html", "empty"],
)
def test_a_file_that_is_not_a_paper_is_refused_and_nothing_changes(secretariat, note, upload):
    before = state(note)

    with pytest.raises(ValidationError) as refused:
        services.paper_replace(actor=secretariat, paper=note, upload=upload, expected_version=1)

    [reason] = refused.value.error_dict["file"]
    assert reason.code in ("type_not_allowed", "empty")
    assert state(note) == before


def test_a_paper_of_a_final_agenda_or_a_withdrawn_item_is_not_replaced(secretariat, note, circulated):
    services.agenda_item_withdraw(actor=secretariat, item=circulated.mou)
    with pytest.raises(ValidationError, match="withdrawn"):
        replace(secretariat, note, "late.pdf", "Late")
    paper = services.paper_upload(actor=secretariat, item=circulated.roundtable, title="Notes", upload=pdf())
    services.agenda_finalise(actor=secretariat, meeting=circulated.meeting)
    with pytest.raises(ValidationError, match="final"):
        replace(secretariat, paper, "late.pdf", "Late")

    assert not PaperVersion.objects.filter(paper__item__meeting=circulated.meeting).exists()


def test_only_the_secretariat_replaces_and_those_who_may_not_read_the_paper_do_not_find_it(note, cbsa, rcmp):
    before = state(note)

    with pytest.raises(PermissionDenied):
        replace(cbsa, note, "ours.pdf", "Ours")
    with pytest.raises(Http404):
        replace(rcmp, note, "ours.pdf", "Ours")

    assert state(note) == before


# Who is told -------------------------------------------------------------------------------------------------


@pytest.fixture
def eager_celery():
    """The emails are sent in the test's own process when queued (after the commit)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def told(change: AgendaChange) -> set[str]:
    return set(Notification.objects.filter(event_key=f"agenda-change:{change.pk}").values_list(
        "user__username", flat=True))


def test_each_replacement_is_told_once_and_only_to_those_who_may_read_the_paper(
    secretariat, note, demo, eager_celery
):
    mail.outbox.clear()
    notices_before = {name: Notification.objects.filter(user=demo.users[name]).count() for name in demo.users}

    with sent_after_commit():
        replace(secretariat, note, "note-v2.pdf", "Second draft")
    with sent_after_commit():
        replace(secretariat, note, "note-v3.pdf", "Third draft")

    first, second = AgendaChange.objects.filter(kind=AgendaChange.Kind.PAPER_REPLACED).order_by("pk")
    assert first.summary == second.summary == f"paper:{note.pk}"  # named by id, never by title
    assert told(first) == told(second) == {"cbsa", "atf", "secretariat"}
    assert recipients() == {"cbsa": 2, "atf": 2, "secretariat": 2}
    for name in ("rcmp", "hsi", "cbp", "dea"):
        assert Notification.objects.filter(user=demo.users[name]).count() == notices_before[name], name
        assert emails_to(demo.users[name]) == []
    for message in emails_to(demo.users["atf"]) + emails_to(demo.users["cbsa"]):
        assert_in_their_language(message, "agenda_changed")
    assert "Paper replaced: CBSA–ATF MOU: status (MOU status note, now version 3)" in emails_to(demo.users["atf"])[1].body
    assert "(MOU status note, désormais version 3)" in emails_to(demo.users["cbsa"])[1].body


def test_a_replaced_paper_above_a_readers_clearance_is_told_only_to_those_cleared(
    secretariat, circulated, demo, eager_celery
):
    paper = services.paper_upload(
        actor=secretariat, item=circulated.roundtable, title="Seizure figures", upload=pdf(),
        classification=Classification.PROTECTED_B,
    )
    mail.outbox.clear()

    with sent_after_commit():
        replace(secretariat, paper, "figures-v2.pdf", "Revised figures")

    change = AgendaChange.objects.get(kind=AgendaChange.Kind.PAPER_REPLACED)
    # The secretariat, CBSA, RCMP and ATF are cleared to Protected B; HSI and CBP to Protected A.
    assert told(change) == {"cbsa", "rcmp", "atf", "secretariat"}
    assert recipients() == {"cbsa": 1, "rcmp": 1, "atf": 1, "secretariat": 1}
    hsi = demo.users["hsi"]
    assert list(selectors.agenda_changes(actor=hsi, meeting=circulated.meeting).filter(pk=change.pk)) == []


def test_replacing_a_paper_of_a_draft_agenda_tells_nobody(secretariat, meeting, add_item):
    item = add_item(meeting, "Opening")
    paper = services.paper_upload(actor=secretariat, item=item, title="Notes", upload=pdf())
    notices = Notification.objects.count()

    replace(secretariat, paper, "notes-v2.pdf", "Revised notes")

    assert Paper.objects.get(pk=paper.pk).version == 2
    assert not AgendaChange.objects.filter(item=item).exists() and Notification.objects.count() == notices


# Pages -------------------------------------------------------------------------------------------------------


def test_the_secretariat_replaces_a_paper_on_its_page_and_readers_see_the_new_version(
    client_for, secretariat, cbsa, note
):
    client = client_for(secretariat)
    form = client.get(page("paper-replace", note.pk))
    assert form.status_code == 200 and 'name="version" value="1"' in form.content.decode()

    response = client.post(
        page("paper-replace", note.pk), {"version": 1, "title": "", "file": pdf("note-v2.pdf", "Second draft")},
        follow=True,
    )

    assert "Paper replaced: MOU status note is now version 2." in text_of(response)
    item_page = read(client_for(cbsa).get(page("agenda-item-detail", note.item_id)))
    assert "MOU status note 2 · Earlier versions" in item_page
    assert "Paper replaced" in item_page  # the change entry
    assert client_for(cbsa).get(page("paper-download", note.pk)).getvalue() == tiny_pdf("Second draft")


def test_a_replacement_from_a_stale_page_is_refused_with_the_paper_as_it_now_is(
    client_for, secretariat, other_secretariat, note
):
    replace(other_secretariat, note, "note-v2.pdf", "Their draft")
    before = state(note)

    response = client_for(secretariat).post(
        page("paper-replace", note.pk), {"version": 1, "file": pdf("mine.pdf", "My draft")}
    )

    assert response.status_code == 409
    text = read(response)
    assert "Someone else replaced this paper after you opened it: it is now version 2." in text
    assert "The paper as someone else replaced it" in text and "Sam Second (CBSA)" in text
    assert state(note) == before


def test_a_file_that_is_not_a_paper_is_refused_on_the_replace_forms_file_field(client_for, secretariat, note):
    before = state(note)

    response = client_for(secretariat).post(page("paper-replace", note.pk), {"version": 1, "file": executable()})

    assert response.status_code == 200
    assert response.context["form"].errors["file"][0].startswith("This type of file cannot be attached.")
    assert state(note) == before


def test_the_versions_page_lists_who_uploaded_each_version_and_when(
    client_for, secretariat, other_secretariat, note, cbsa
):
    replace(other_secretariat, note, "note-v2.pdf", "Second draft")
    replace(secretariat, note, "note-v3.pdf", "Third draft")
    client = client_for(cbsa)

    text = read(client.get(page("paper-versions", note.pk)))

    assert "Versions of MOU status note" in text and "Current version3" in text
    assert "3 Current note-v3.pdf" in text and "2 note-v2.pdf Sam Second (CBSA)" in text and "1 note-v1.pdf" in text
    for number, content in ((1, "First draft"), (2, "Second draft")):
        download = client.get(page("paper-version-download", note.pk, number))
        assert download.status_code == 200 and download.getvalue() == tiny_pdf(content)
        assert download["Content-Disposition"] == f'inline; filename="note-v{number}-v{number}.pdf"'
        assert "private" in download["Cache-Control"] and download["X-Content-Type-Options"] == "nosniff"
    assert client.get(page("paper-version-download", note.pk, 3)).status_code == 404  # the current one is the paper
    # Read by CBSA, of a restricted item: recorded like a paper's download.
    assert AuditEntry.objects.filter(
        kind="access", action="downloaded", actor_id=cbsa.pk, object_type="meetings.paperversion"
    ).count() == 2
    assert "Replace the paper" not in text
    assert "Replace the paper" in read(client_for(secretariat).get(page("paper-versions", note.pk)))


@pytest.mark.parametrize("username", NOT_PARTIES)
def test_other_agencies_get_not_found_on_every_version_route_of_a_restricted_items_paper(
    demo, client_for, username
):
    user, paper = demo.users[username], demo_note()
    assert paper.version == 2 and paper.versions.count() == 1
    before = state(paper)
    client, api = client_for(user), token_client(user)

    answers = [
        client.get(page("paper-versions", paper.pk)),
        client.get(page("paper-version-download", paper.pk, 1)),
        client.get(page("paper-replace", paper.pk)),
        client.post(page("paper-replace", paper.pk), {"version": 2, "file": pdf()}),
        api.get(f"{API}/papers/{paper.pk}/versions/"),
        api.get(f"{API}/papers/{paper.pk}/versions/1/download/"),
        api.post(f"{API}/papers/{paper.pk}/replace/", {"version": 2, "file": pdf()}),
    ]

    assert [answer.status_code for answer in answers] == [404] * len(answers)
    for answer in answers:
        assert "MOU" not in text_of(answer) and "mou-status" not in text_of(answer)
    assert not permissions.scope(user, PaperVersion.objects.filter(paper=paper)).exists()
    assert state(paper) == before


@pytest.mark.parametrize("username", ("atf", "cbsa", "secretariat"))
def test_the_parties_to_the_mou_find_the_demo_notes_first_draft(demo, client_for, username):
    text = read(client_for(demo.users[username]).get(page("paper-versions", demo_note().pk)))

    assert "2 Current mou-status.pdf" in text and "1 mou-status-draft.pdf Claire Tremblay (CBSA)" in text


def test_an_earlier_version_above_a_members_clearance_is_not_found_for_them(
    client_for, secretariat, circulated, hsi, rcmp
):
    paper = services.paper_upload(
        actor=secretariat, item=circulated.roundtable, title="Protected B annex", upload=pdf(),
        classification=Classification.PROTECTED_B,
    )
    replace(secretariat, paper, "annex-v2.pdf", "Annex, revised")

    for url in (page("paper-versions", paper.pk), page("paper-version-download", paper.pk, 1)):
        assert client_for(hsi).get(url).status_code == 404  # HSI: Protected A
        assert client_for(rcmp).get(url).status_code == 200  # RCMP: Protected B
    assert token_client(hsi).get(f"{API}/papers/{paper.pk}/versions/").status_code == 404


def test_members_may_not_replace_a_paper_on_the_page_or_through_the_api(client_for, note, cbsa, atf):
    before = state(note)

    assert client_for(cbsa).get(page("paper-replace", note.pk)).status_code == 403
    assert client_for(cbsa).post(page("paper-replace", note.pk), {"version": 1, "file": pdf()}).status_code == 403
    assert token_client(atf).post(f"{API}/papers/{note.pk}/replace/", {"version": 1, "file": pdf()}).status_code == 403
    assert "Replace" not in read(client_for(cbsa).get(page("agenda-item-detail", note.item_id)))
    assert state(note) == before


def test_the_versions_page_reads_in_french(client_for, secretariat, note, cbsa):
    replace(secretariat, note, "note-v2.pdf", "Second draft")

    versions = read(client_for(cbsa).get(f"/fr/meetings/papers/{note.pk}/versions/"))
    form = text_of(client_for(secretariat).get(f"/fr/meetings/papers/{note.pk}/replace/"))
    item = read(client_for(cbsa).get(f"/fr/meetings/items/{note.item_id}/"))

    assert "Versions de MOU status note" in versions and "Version actuelle2" in versions
    assert "Téléversé par" in versions and "Actuelle" in versions
    assert "Remplacer un document" in form and "Nouvelle version" in form and "Nouveau titre" in form
    assert "Versions antérieures" in item and "Document remplacé" in item


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_versions_page_runs_a_fixed_number_of_queries(
    client_for, secretariat, other_secretariat, note, cbsa, django_assert_num_queries
):
    replace(other_secretariat, note, "note-v2.pdf", "Second draft")
    client = client_for(cbsa)
    url = page("paper-versions", note.pk)
    client.get(url)
    # 1. the session; 2. the signed-in user; 3. the paper (item, meeting, body and its uploader with their agency
    # joined) among those the user may see; 4. whether the user is of the body's secretariat; 5. the earlier
    # versions the user may see (uploaders and their agencies joined); 6. the user's agency, for the header.
    with django_assert_num_queries(6):
        client.get(url)

    for n in range(5):
        replace((secretariat, other_secretariat)[n % 2], note, f"note-{n}.pdf", f"Draft {n}")

    assert count_queries(client, url) == 6
    assert "note-4.pdf" in read(client.get(url))


# The API -----------------------------------------------------------------------------------------------------


def test_the_api_lists_and_downloads_a_papers_earlier_versions(secretariat, other_secretariat, note, atf):
    replace(other_secretariat, note, "note-v2.pdf", "Second draft")
    replace(secretariat, note, "note-v3.pdf", "Third draft")
    client = token_client(atf, access="read")

    assert body(client.get(f"{API}/papers/{note.pk}/"))["version"] == 3
    versions = results(client.get(f"{API}/papers/{note.pk}/versions/"))

    assert [(v["number"], v["file_name"], v["uploaded_by"], v["size"]) for v in versions] == [
        (1, "note-v1.pdf", "secretariat", len(tiny_pdf("First draft"))),
        (2, "note-v2.pdf", "sec2", len(tiny_pdf("Second draft"))),
    ]
    for version, content in zip(versions, ("First draft", "Second draft"), strict=True):
        assert version["download_url"].endswith(f"/api/v1/papers/{note.pk}/versions/{version['number']}/download/")
        download = client.get(version["download_url"], HTTP_ACCEPT="application/json")
        assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
        assert download.getvalue() == tiny_pdf(content)
    missing = client.get(f"{API}/papers/{note.pk}/versions/3/download/", HTTP_ACCEPT="application/pdf")
    assert missing.status_code == 404 and body(missing)["error"]["code"] == "not_found"


def test_the_api_replaces_a_paper_from_the_version_the_caller_read(secretariat, note):
    client = token_client(secretariat)
    url = f"{API}/papers/{note.pk}/replace/"

    replaced = client.post(url, {"version": 1, "title": "MOU note, revised", "file": pdf("note-v2.pdf", "Second")})

    assert replaced.status_code == 200, replaced.content
    assert (body(replaced)["version"], body(replaced)["title"], body(replaced)["file_name"]) == (
        2, "MOU note, revised", "note-v2.pdf")
    before = state(note)
    stale = client.post(url, {"version": 1, "file": pdf("mine.pdf", "Mine")})
    assert stale.status_code == 409 and "now version 2" in body(stale)["error"]["message"]
    bad = client.post(url, {"version": 2, "file": executable()})
    assert bad.status_code == 400 and "file" in error_fields(bad)
    missing = client.post(url, {"version": 2})
    assert missing.status_code == 400 and "file" in error_fields(missing)
    assert state(note) == before


def test_the_api_version_list_runs_as_many_queries_for_many_versions_as_for_few(secretariat, other_secretariat, note, cbsa):
    client = token_client(cbsa)
    url = f"{API}/papers/{note.pk}/versions/"
    replace(secretariat, note, "note-v2.pdf", "Second draft")
    client.get(url)  # the token's first use is recorded once
    few = count_queries(client, url)

    for n in range(5):
        replace((secretariat, other_secretariat)[n % 2], note, f"note-{n}.pdf", f"Draft {n}")

    assert count_queries(client, url) == few
    assert len(results(client.get(url))) == 6


def test_a_draft_agendas_papers_and_their_versions_are_the_secretariats_until_circulated(
    secretariat, meeting, add_item, cbsa
):
    paper = services.paper_upload(actor=secretariat, item=add_item(meeting, "Opening"), title="Notes", upload=pdf())
    replace(secretariat, paper, "notes-v2.pdf", "Revised")

    assert not permissions.scope(cbsa, PaperVersion.objects.filter(paper=paper)).exists()
    services.agenda_circulate(actor=secretariat, meeting=Meeting.objects.get(pk=meeting.pk))
    assert permissions.scope(cbsa, PaperVersion.objects.filter(paper=paper)).count() == 1
