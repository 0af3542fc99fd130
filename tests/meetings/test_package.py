"""The meeting package: one PDF per view of a meeting (cover, agenda, the papers its reader may read), read back as
its readers would, page by page: what each persona's package names and counts, its numbering, its bookmarks, the
footer stamped with the reader's name, and who may download it."""

import datetime
import io
import re
import shutil
import subprocess
import uuid
import zipfile
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation
from pypdf import PdfReader

from audit.models import AuditEntry
from meetings import services
from meetings.demo import tiny_pdf
from meetings.models import AgendaItem, AgendaPackage, Meeting, Paper
from members.models import Classification
from taskforce.celery import app as celery_app
from tests.support.emails import emails_to, sent_after_commit
from tests.support.factories import MembershipFactory, UserFactory
from tests.support.live import (
    REDIS_URL,
    Processes,
    forget_queue,
    free_port,
    process_env,
    require_redis,
    unavailable,
    wait_until,
)
from tests.support.scenario import page, page_fr, text_of

MOU_ITEM = "CBSA–ATF MOU on direct information sharing: status"
MOU_ITEM_FR = "PE ASFC–ATF sur l'échange direct d'information"
MOU_PAPER = "CBSA–ATF MOU status note"
JBTA_ITEM = "Joint Border Threat Assessment: progress"
API = "/api/v1/meetings"


@pytest.fixture(autouse=True)
def demo_papers(demo, media_root) -> None:
    """The demo's papers, stored when the scenario was loaded, copied to where this test's files go."""
    stored = Path(settings.MEDIA_ROOT)
    for name in Paper.objects.values_list("file", flat=True):
        if (stored / name).exists():
            (media_root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(stored / name, media_root / name)


@pytest.fixture
def december(demo) -> Meeting:
    """The demo's December meeting, its agenda circulated: four items, the third restricted to CBSA and ATF."""
    return Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF meeting")


def built(actor, meeting: Meeting) -> AgendaPackage:
    """The actor's package, asked for and built here, as the worker builds it."""
    package = services.package_request(actor=actor, meeting=meeting)
    services.package_build(package_id=package.pk)
    package.refresh_from_db()
    return package


def downloaded(client, meeting: Meeting, *, french: bool = False) -> PdfReader:
    """The reader's package as they download it (a page read in a language makes it theirs: French readers
    download from the French page)."""
    response = client.get((page_fr if french else page)("meeting-package-download", meeting.pk))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    return PdfReader(io.BytesIO(response.content))


def words(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def page_words(reader: PdfReader) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def bookmarks(reader: PdfReader) -> list:
    """The outline: titles, with a list of the titles under the one before it."""
    return [[entry.title for entry in node] if isinstance(node, list) else node.title for node in reader.outline]


def item_numbers(reader: PdfReader) -> list[int]:
    return [int(title.split(".")[0]) for title in bookmarks(reader) if isinstance(title, str) and title[0].isdigit()]


# Who reads what ------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_one_package_per_view_and_no_reader_gets_what_they_may_not_see(
    demo, december, client_for, media_root, tmp_path
):
    require_redis(REDIS_URL)
    queue = f"package-test-{uuid.uuid4().hex[:12]}"
    rcmp, cbsa, hsi, cbp, secretariat = (demo.users[name] for name in ("rcmp", "cbsa", "hsi", "cbp", "secretariat"))
    clients = {user.username: client_for(user) for user in (rcmp, cbsa, hsi, cbp)}

    def all_ready() -> bool:
        return not AgendaPackage.objects.filter(meeting=december).exclude(status=AgendaPackage.Status.READY).exists()

    default_queue = celery_app.conf.task_default_queue
    with Processes(tmp_path) as processes:
        env = process_env(redis_url=REDIS_URL, smtp_port=free_port(), queue=queue, MEDIA_ROOT=str(media_root))
        celery_app.conf.task_default_queue = queue
        try:
            processes.worker("worker", env, concurrency=1)
            for name, client in clients.items():
                asked = client.post((page_fr if name in ("rcmp", "cbsa") else page)("meeting-package", december.pk))
                assert asked.status_code == 302
            wait_until(all_ready, seconds=120, what=f"the packages to be built\n{processes.tails()}")
            readers = {
                name: downloaded(client, december, french=name in ("rcmp", "cbsa")) for name, client in clients.items()
            }

            # A new paper on an item everyone sees: a new package for those who ask next; the old one stays theirs
            # who have not asked yet.
            jbta = AgendaItem.objects.get(meeting=december, title_en=JBTA_ITEM)
            services.paper_upload(
                actor=secretariat, item=jbta, title="Seizure figures, November", upload=SimpleUploadedFile(
                    "figures.pdf", tiny_pdf("Seizures rose in November"), content_type="application/pdf"
                ),
            )
            assert clients["hsi"].post(page("meeting-package", december.pk)).status_code == 302
            wait_until(all_ready, seconds=120, what=f"the new package to be built\n{processes.tails()}")
            after_the_change = downloaded(clients["hsi"], december)
        finally:
            celery_app.conf.task_default_queue = default_queue
            forget_queue(REDIS_URL, queue)

    # Three views before the change: rcmp's and cbsa's (both in French in Ottawa, cbsa seeing the MOU item), and
    # hsi's, which cbp shares (in English in New York, neither seeing the MOU): built once for both.
    assert AgendaPackage.objects.filter(meeting=december).count() == 4
    assert page_words(readers["hsi"])[1:] and len(readers["hsi"].pages) == len(readers["cbp"].pages)

    rcmp_text = words(readers["rcmp"])
    for hidden in (MOU_ITEM, MOU_ITEM_FR, MOU_PAPER, "MOU"):
        assert hidden not in rcmp_text
    assert item_numbers(readers["rcmp"]) == [1, 2, 3]
    assert "Durée prévue : 60 des 90 minutes" in rcmp_text  # the time of the items rcmp sees, and only theirs
    assert "NON CLASSIFIÉ" in rcmp_text and "PROTÉGÉ" not in rcmp_text.upper()
    total = len(readers["rcmp"].pages)
    for number, text in enumerate(page_words(readers["rcmp"]), start=1):
        assert "Préparée pour Sophie Roy (GRC) le " in text
        assert f"Page {number} de {total}" in text

    cbsa_text = words(readers["cbsa"])
    assert MOU_ITEM_FR in cbsa_text and MOU_PAPER in cbsa_text
    assert item_numbers(readers["cbsa"]) == [1, 2, 3, 4]
    assert "PROTÉGÉ A" in cbsa_text  # the MOU note's marking, the highest of cbsa's package
    assert [MOU_PAPER] in bookmarks(readers["cbsa"])
    assert "Préparée pour Marc Gagnon (ASFC)" in cbsa_text

    for name, full_name in (("hsi", "Luis Ortega (HSI)"), ("cbp", "Karen Walsh (CBP)")):
        text = words(readers[name])
        assert f"Prepared for {full_name}" in text and MOU_ITEM not in text and "Page 1 of" in text
    assert "Seizures rose in November" in words(after_the_change)
    assert ["Joint Border Threat Assessment — draft outline", "Seizure figures, November"] in bookmarks(
        after_the_change
    )


def test_a_reader_never_gets_a_package_made_for_a_wider_view(december, client_for, cbsa, rcmp):
    wider = built(cbsa, december)
    assert wider.status == AgendaPackage.Status.READY

    response = client_for(rcmp).get(page_fr("meeting-package-download", december.pk))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Votre trousse de réunion n'est pas encore prête" in text_of(response)
    assert MOU_ITEM_FR not in text_of(response) and MOU_PAPER not in text_of(response)
    mine = built(rcmp, december)
    assert mine.pk != wider.pk and mine.file.name != wider.file.name
    assert MOU_PAPER not in words(downloaded(client_for(rcmp), december, french=True))


def test_the_package_is_not_found_for_someone_who_cannot_see_the_meeting(demo, december, client_for, cbsa):
    built(cbsa, december)
    dea = client_for(demo.users["dea"])  # of the parent forum only

    for url in (page("meeting-package", december.pk), page("meeting-package-download", december.pk)):
        assert dea.get(url).status_code == 404
    assert dea.post(page("meeting-package", december.pk)).status_code == 404
    assert dea.get(f"{API}/{december.pk}/package/").status_code == 404
    assert dea.get(f"{API}/{december.pk}/package/download/").status_code == 404
    assert AgendaPackage.objects.filter(meeting=december).count() == 1


def test_each_download_is_recorded_in_the_audit_trail(december, client_for, rcmp):
    package = built(rcmp, december)
    since = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    downloaded(client_for(rcmp), december)
    downloaded(client_for(rcmp), december)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        [txid] = cursor.fetchone()
    entries = AuditEntry.objects.filter(id__gt=since, txid=txid, kind="access").order_by("id")
    assert [(e.action, e.actor_id, e.object_type, e.object_id, e.parent_id) for e in entries] == [
        ("downloaded", rcmp.pk, "meetings.agendapackage", package.pk, december.pk)
    ] * 2
    assert {entry.body_id for entry in entries} == {december.body_id}


# What is in it -------------------------------------------------------------------------------------------------


def docx_of(text: str, folder: Path) -> bytes:
    """A Word document holding `text`, written by LibreOffice itself from a text file."""
    source = folder / "brief.txt"
    source.write_text(text)
    try:
        subprocess.run(
            [settings.PACKAGE_SOFFICE, "--headless", f"-env:UserInstallation={(folder / 'profile').as_uri()}",
             "--convert-to", "docx", "--outdir", str(folder), str(source)],
            check=True, capture_output=True, timeout=120,
        )
    except (OSError, subprocess.SubprocessError) as error:
        unavailable(f"LibreOffice cannot write a Word document here ({error}): scripts/ensure-libreoffice.sh")
    return (folder / "brief.docx").read_bytes()


def broken_docx() -> bytes:
    """What the uploads take for a Word document, but no office suite can open."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "not a document")
    return out.getvalue()


def test_office_papers_are_converted_and_one_that_cannot_be_gets_a_page_saying_so(
    meeting, secretariat, hsi, client_for, tmp_path
):
    item = services.agenda_item_add(actor=secretariat, meeting=meeting, title_en="Firearms trafficking trends")
    for title, name, content in (
        ("Trafficking brief", "brief.docx", docx_of("Border crossings of smuggled pistols rose by a third.", tmp_path)),
        ("Damaged annex", "annex.docx", broken_docx()),
    ):
        services.paper_upload(actor=secretariat, item=item, title=title, upload=SimpleUploadedFile(name, content))
    services.agenda_circulate(actor=secretariat, meeting=meeting)

    package = built(hsi, meeting)

    assert package.status == AgendaPackage.Status.READY and package.papers_done == package.papers_total == 2
    reader = downloaded(client_for(hsi), meeting)
    pages = page_words(reader)
    assert any("Border crossings of smuggled pistols rose by a third." in text for text in pages)
    [note] = [text for text in pages if "could not be included" in text]
    assert "Damaged annex" in note and "Download it on its own from the meeting page." in note
    assert bookmarks(reader)[2:] == ["1. Firearms trafficking trends", ["Trafficking brief", "Damaged annex"]]


def test_images_and_text_papers_are_placed_on_pages(meeting, secretariat, cbp, client_for):
    item = services.agenda_item_add(actor=secretariat, meeting=meeting, title_en="Seizures")
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
        b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    services.paper_upload(actor=secretariat, item=item, title="Seizure map", upload=SimpleUploadedFile("m.png", png))
    services.paper_upload(actor=secretariat, item=item, title="Seizure log", upload=SimpleUploadedFile(
        "log.txt", b"Port of Lacolle: 12 pistols\nPort of Champlain: 3 rifles\n"
    ), classification=Classification.PROTECTED_A)
    services.agenda_circulate(actor=secretariat, meeting=meeting)

    built(cbp, meeting)
    reader = downloaded(client_for(cbp), meeting)

    text = words(reader)
    assert "Seizure map" in text and "Port of Lacolle: 12 pistols" in text
    assert len(reader.pages) == 4 and "PROTECTED A" in text.upper()
    assert "Page 4 of 4" in page_words(reader)[3]


def test_a_french_reader_gets_a_french_cover_and_each_reader_the_times_of_their_own_zone(
    demo, december, client_for, cbsa
):
    person = UserFactory(
        username="rcmp-bc", first_name="Avery", last_name="Singh", agency=demo.agencies["RCMP"],
        time_zone="America/Vancouver", language="en",
    )
    MembershipFactory(body=demo.bodies["CBFTF"], user=person, role="member")
    built(cbsa, december)
    built(person, december)

    french = page_words(downloaded(client_for(cbsa), december, french=True))
    vancouver = page_words(downloaded(client_for(person), december))

    assert "Trousse de réunion Réunion du GTTAF" in french[0] and "Date et heure" in french[0]
    assert "Ordre du jour" in french[1] and "America/Toronto" in french[0]
    with translation.override("en"):
        start = formats.time_format(timezone.localtime(december.start, zoneinfo.ZoneInfo("America/Vancouver")))
    assert f"{start}–" in vancouver[0] and "America/Vancouver" in vancouver[0]
    assert "Meeting package CBFTF meeting" in vancouver[0] and "Prepared for Avery Singh (RCMP)" in vancouver[0]
    # The timed agenda, over the items each reader sees: the roundtable follows 40 minutes of items for a reader who
    # does not see the MOU item, 60 for one who does.
    def roundtable(zone: str, language: str, after: int) -> str:
        starts = timezone.localtime(december.start, zoneinfo.ZoneInfo(zone)) + datetime.timedelta(minutes=after)
        with translation.override(language):
            times = [formats.time_format(at) for at in (starts, starts + datetime.timedelta(minutes=20))]
        return " ".join("–".join(times).split())  # as the page text reads: one plain space

    assert f"3 Roundtable — {roundtable('America/Vancouver', 'en', 40)}" in vancouver[1]
    assert f"4 Roundtable (traduction à venir) — {roundtable('America/Toronto', 'fr', 60)}" in french[1]


# The page, the API and the invitation ---------------------------------------------------------------------------


def test_the_package_panel_asks_again_while_it_is_prepared_and_stops_once_it_is_ready(december, client_for, hsi):
    client = client_for(hsi)
    url = page("meeting-package", december.pk)
    detail = client.get(page("meeting-detail", december.pk)).content.decode()
    assert 'id="package"' in detail and "Prepare the package" in detail and "data-hx-trigger" not in detail

    asked = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Your meeting package is being prepared." in asked and 'data-hx-trigger="every 2s"' in asked
    first_poll = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    package = AgendaPackage.objects.get(meeting=december)
    AgendaPackage.objects.filter(pk=package.pk).update(status=AgendaPackage.Status.BUILDING, papers_done=0)
    second_poll = client.get(url, HTTP_HX_REQUEST="true").content.decode()

    for fragment in (first_poll, second_poll):
        assert fragment.lstrip().startswith('<section id="package"') and "<html" not in fragment
        assert f'data-hx-get="{url}"' in fragment and 'data-hx-trigger="every 2s"' in fragment
        assert "Prepare the package" not in fragment
    assert "Waiting to be prepared" in first_poll and "Being prepared: 0 of 1 papers in." in second_poll

    AgendaPackage.objects.filter(pk=package.pk).update(status=AgendaPackage.Status.QUEUED)
    services.package_build(package_id=package.pk)
    ready = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "data-hx-trigger" not in ready and page("meeting-package-download", december.pk) in ready
    assert "Ready: 3 pages" in ready


def test_asking_twice_or_by_two_readers_of_the_same_view_builds_one_package(december, hsi, cbp, client_for):
    first = services.package_request(actor=hsi, meeting=december)
    again = services.package_request(actor=hsi, meeting=december)
    other = services.package_request(actor=cbp, meeting=december)

    assert first.pk == again.pk == other.pk
    services.package_build(package_id=first.pk)
    services.package_build(package_id=first.pk)  # a second task for it does nothing
    first.refresh_from_db()
    assert first.status == AgendaPackage.Status.READY


def test_a_package_whose_agenda_changed_while_queued_is_given_up_and_the_next_request_makes_a_new_one(
    december, secretariat, hsi
):
    queued = services.package_request(actor=hsi, meeting=december)
    jbta = AgendaItem.objects.get(meeting=december, title_en=JBTA_ITEM)
    services.agenda_item_update(
        actor=secretariat, item=jbta, version=jbta.version, title_en="Joint Border Threat Assessment: final draft"
    )

    services.package_build(package_id=queued.pk)
    queued.refresh_from_db()
    fresh = built(hsi, december)

    assert queued.status == AgendaPackage.Status.FAILED and not queued.file
    assert fresh.pk != queued.pk and fresh.status == AgendaPackage.Status.READY


def test_the_api_prepares_tells_and_downloads_the_callers_package(demo, december, client_for, hsi):
    client = client_for(hsi)
    url = f"{API}/{december.pk}/package/"

    assert client.get(url).json() == {
        "status": "none", "papers_done": 0, "papers_total": 1, "page_count": None, "built_at": None,
        "download_url": None,
    }
    asked = client.post(url)
    assert asked.status_code == 202 and asked.json()["status"] == "queued"
    refused = client.get(f"{url}download/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "conflict"

    services.package_build(package_id=AgendaPackage.objects.get(meeting=december).pk)
    state = client.get(url).json()
    assert state["status"] == "ready" and state["page_count"] == 3 and state["papers_done"] == 1
    assert state["download_url"] == f"http://testserver{url}download/"
    pdf = client.get(f"{url}download/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "Prepared for Luis Ortega (HSI)" in words(PdfReader(io.BytesIO(pdf.content)))


def test_the_package_state_runs_as_many_queries_for_many_papers_as_for_few(
    demo, december, secretariat, client_for, hsi, django_assert_max_num_queries
):
    client = client_for(hsi)
    url = f"{API}/{december.pk}/package/"

    def counted() -> tuple[dict, int]:
        client.get(url)
        # 1. the session; 2. the signed-in user; 3. the meeting, scoped, with its invitees; 4. the caller's answer;
        # 5. the agenda items the caller sees, numbered; 6. their visible papers; 7. the package of the caller's key.
        with django_assert_max_num_queries(7):
            state = client.get(url).json()
        built(hsi, december)
        # The same seven, then 8. the caller's agency, for the footer; 9. the audit trail's entry for the download.
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{url}download/").status_code == 200
        return state, len(queries)

    few, few_download = counted()
    jbta = AgendaItem.objects.get(meeting=december, title_en=JBTA_ITEM)
    for n in range(5):
        services.paper_upload(actor=secretariat, item=jbta, title=f"Annex {n}", upload=SimpleUploadedFile(
            f"annex-{n}.pdf", tiny_pdf(f"Annex {n}"), content_type="application/pdf"
        ))
        services.agenda_item_add(actor=secretariat, meeting=december, title_en=f"Topic {n}")
    many, many_download = counted()

    assert (few["papers_total"], many["papers_total"]) == (1, 6)
    assert few_download == many_download == 9


def test_the_invitation_links_to_the_package_page(schedule, hsi):
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with sent_after_commit():
            meeting = schedule(days=10)
    finally:
        celery_app.conf.task_always_eager = eager

    [invitation] = emails_to(hsi)
    assert re.search(rf"Meeting package \(.*\): http://\S+/en/meetings/{meeting.pk}/package/", invitation.body)
    assert mail.outbox

