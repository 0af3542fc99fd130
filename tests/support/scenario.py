"""What the demo scenario shows, in the words a user reads, and helpers to read a response as a user does."""

import html
import io
import json
from pathlib import Path

from django.apps import AppConfig, apps
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation

from taskforce.models import Milestone

# The CBSA–ATF MOU's milestones: shared with CBSA and ATF only (DESIGN.md, "Demo scenario").
MOU_REVIEW = "CBSA–ATF MOU shared with ATF for review"
MOU_REVIEW_FR = "PE ASFC–ATF transmis à l'ATF pour examen"
PIA_SUBMITTED = "Privacy Impact Assessment submitted to the Office of the Privacy Commissioner"
PIA_SUBMITTED_FR = (
    "Évaluation des facteurs relatifs à la vie privée soumise au Commissariat à la protection de la vie privée"
)
RESTRICTED_TITLES = (MOU_REVIEW, MOU_REVIEW_FR, PIA_SUBMITTED, PIA_SUBMITTED_FR)

# Body-wide: every member of the CBFTF sees it.
THREAT_ASSESSMENT = "Joint Border Threat Assessment issued"
THREAT_ASSESSMENT_FR = "Publication de l'évaluation conjointe de la menace à la frontière"

# Personas of the demo scenario, by what the MOU's restriction means for them.
GRANTED = ("cbsa", "atf", "secretariat")
NOT_GRANTED = ("rcmp", "hsi", "cbp", "dea")


def restricted_milestones() -> list[Milestone]:
    return list(Milestone.objects.filter(title_en__in=[MOU_REVIEW, PIA_SUBMITTED]).order_by("due_end"))


def mou_review() -> Milestone:
    return Milestone.objects.get(title_en=MOU_REVIEW)


def pdf_text(content: bytes) -> str:
    """The words of a PDF, each run of spaces and line breaks made one space (titles wrap across lines)."""
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def text_of(response: HttpResponse) -> str:
    """The response as a reader sees it: HTML entities decoded, JSON with its non-ASCII characters intact, a PDF's
    text, a download's whole content (kept for the next read)."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
        response.streaming_content = [content]
        return content.decode("utf-8-sig")
    if response.get("Content-Type", "").startswith("application/pdf"):
        return pdf_text(response.content)
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(json.loads(response.content or b"null"), ensure_ascii=False)
    return html.unescape(response.content.decode())


def leaked_titles(response: HttpResponse) -> list[str]:
    text = text_of(response)
    return [title for title in RESTRICTED_TITLES if title in text]


def page(name: str, *args) -> str:
    """A page's English URL, whatever language an earlier request left active."""
    with translation.override("en"):
        return reverse(name, args=args)


def page_fr(name: str, *args) -> str:
    """The same page's French URL."""
    with translation.override("fr"):
        return reverse(name, args=args)


def api_schema() -> dict:
    """The API's OpenAPI schema, generated in process as `/api/schema/` serves it (at import time of a test module,
    so Django is set up first)."""
    import django
    from drf_spectacular.generators import SchemaGenerator

    django.setup()
    return SchemaGenerator().get_schema(request=None, public=True)


PROJECT_DIR = Path(__file__).resolve().parents[2]


def project_apps() -> list[AppConfig]:
    """The installed apps whose code is this project's own (not a library's), wherever modules move: a check that
    walks the project's code or models finds an app added or split off without being told its name."""
    own = [
        config for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(PROJECT_DIR) and not {".venv", "site-packages"} & set(Path(config.path).parts)
    ]
    assert {config.label for config in own} >= {"members", "taskforce", "meetings", "mou", "accounts", "portal"}, own
    return own
