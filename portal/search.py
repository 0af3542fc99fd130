"""One search across the portal: meetings, agenda items, papers, decisions, action items, agreements, milestones
and people, by PostgreSQL full-text search in English and French.

Composition: each source starts from the reader's scoped queryset (the visibility core), so what the reader may
not see is neither listed nor counted. One query per source (its rows, rank and total at once), whatever the
number of matches. Highlighted excerpts come back from PostgreSQL between control characters that stored text
cannot smuggle in (they are stripped before marking up), and everything else is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import Case, CharField, Count, F, QuerySet, Value, When, Window
from django.db.models.functions import Concat, Replace
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext_lazy

from meetings.models import (
    ACTION_ITEM_SEARCH,
    AGENDA_ITEM_SEARCH,
    DECISION_SEARCH,
    MEETING_SEARCH,
    PAPER_SEARCH,
    ActionItem,
    AgendaItem,
    Decision,
    Meeting,
    Paper,
)
from members.models import MEMBER_SEARCH, User
from mou.models import AGREEMENT_SEARCH, Agreement
from taskforce import permissions
from taskforce.models import MILESTONE_SEARCH, Milestone

MAX_QUERY_LENGTH = 200
PER_SOURCE = 5
PAGE_SIZE = 20
# Bounds of a highlighted match in PostgreSQL's excerpt; removed from the stored text before it is excerpted.
START, STOP = "\x02", "\x03"


@dataclass(frozen=True)
class Source:
    kind: str
    label: object  # lazy text
    queryset: Callable[[], QuerySet]
    # The model's full-text expression, the one its GIN index holds.
    vector: object
    # Expressions of the title and of the excerpt in each language; a URL for one row.
    title: Callable[[str], object]
    text: Callable[[str], object]
    url: Callable[[object], str]


def _bilingual(english: str, french: str) -> Callable[[str], object]:
    """The field in the reader's language, falling back on the other."""

    def expression(language: str):
        first, second = (french, english) if language == "fr" else (english, french)
        return Case(When(**{f"{first}__gt": ""}, then=F(first)), default=F(second), output_field=CharField())

    return expression


def _plain(name: str) -> Callable[[str], object]:
    return lambda language: F(name)


def _agreement_name(language: str):
    """"PE ASFC–ATF — Protocole d'entente …" in French: the short name and the title the reader knows it by."""
    return Concat(_bilingual("short_name", "short_name_fr")(language), Value(" — "),
                  _bilingual("title_en", "title_fr")(language), output_field=CharField())


def _person_name(language: str):
    """"Marc Gagnon (ASFC)" in French: the agency as the reader knows it."""
    return Concat(F("first_name"), Value(" "), F("last_name"), Value(" ("),
                  _bilingual("agency__acronym", "agency__acronym_fr")(language), Value(")"), output_field=CharField())


SOURCES: tuple[Source, ...] = (
    Source(
        "agreements", pgettext_lazy("search", "Agreements"), lambda: Agreement.objects.all(),
        AGREEMENT_SEARCH, _agreement_name, _plain("summary"),
        lambda row: reverse("agreement-detail", args=[row.pk]),
    ),
    Source(
        "meetings", pgettext_lazy("search", "Meetings"), lambda: Meeting.objects.all(), MEETING_SEARCH,
        _bilingual("title_en", "title_fr"), _plain("place"), lambda row: reverse("meeting-detail", args=[row.pk]),
    ),
    Source(
        "agenda_items", pgettext_lazy("search", "Agenda items"), lambda: AgendaItem.objects.all(),
        AGENDA_ITEM_SEARCH, _bilingual("title_en", "title_fr"), _bilingual("description", "description_fr"),
        lambda row: reverse("agenda-item-detail", args=[row.pk]),
    ),
    Source(
        "papers", pgettext_lazy("search", "Papers"), lambda: Paper.objects.all(), PAPER_SEARCH,
        _plain("title"), _plain("original_name"), lambda row: reverse("paper-download", args=[row.pk]),
    ),
    Source(
        "decisions", pgettext_lazy("search", "Decisions"), lambda: Decision.objects.all(), DECISION_SEARCH,
        _plain("text"), _plain("text"), lambda row: reverse("meeting-detail", args=[row.meeting_id]) + "#decisions",
    ),
    Source(
        "action_items", pgettext_lazy("search", "Action items"), lambda: ActionItem.objects.all(),
        ACTION_ITEM_SEARCH, _plain("text"), _plain("text"),
        lambda row: reverse("meeting-detail", args=[row.meeting_id]) + "#actions",
    ),
    Source(
        "milestones", pgettext_lazy("search", "Milestones"), lambda: Milestone.objects.all(),
        MILESTONE_SEARCH, _bilingual("title_en", "title_fr"), _bilingual("description", "description_fr"),
        lambda row: reverse("milestone-detail", args=[row.pk]),
    ),
    Source(
        "members", pgettext_lazy("search", "Members"), lambda: User.objects.all(), MEMBER_SEARCH,
        _person_name, _plain("username"), lambda row: reverse("member-detail", args=[row.username]),
    ),
)
KINDS = {source.kind: source for source in SOURCES}


@dataclass
class Hit:
    url: str
    title: SafeString
    excerpt: SafeString
    rank: float


@dataclass
class SourceResults:
    kind: str
    label: object
    total: int
    hits: list[Hit]


def parse_query(text: str) -> SearchQuery | None:
    """The search in both languages' dictionaries (a word stemmed as English or as French matches)."""
    text = " ".join(text.split())[:MAX_QUERY_LENGTH]
    if not text:
        return None
    return SearchQuery(text, config="english", search_type="websearch") | SearchQuery(
        text, config="french", search_type="websearch"
    )


def _strip_marks(expression):
    return Replace(Replace(expression, Value(START), Value("")), Value(STOP), Value(""))


def _headline(expression, query: SearchQuery, language: str, *, whole: bool):
    options = {"start_sel": START, "stop_sel": STOP, "highlight_all": whole}
    if not whole:
        options |= {"max_words": 30, "min_words": 12, "max_fragments": 2, "fragment_delimiter": " … "}
    return SearchHeadline(
        _strip_marks(expression), query, config="french" if language == "fr" else "english", **options
    )


def marked(headline: str) -> SafeString:
    """PostgreSQL's excerpt as HTML: matches in <mark>, everything else escaped."""
    parts = headline.split(START)
    html = [escape(parts[0].replace(STOP, ""))]
    for part in parts[1:]:
        match, _sep, rest = part.partition(STOP)
        html.append(f"<mark>{escape(match)}</mark>{escape(rest.replace(STOP, ''))}")
    return mark_safe("".join(html))  # noqa: S308 - every piece above is escaped


def _matches(actor: User, source: Source, query: SearchQuery) -> QuerySet:
    language = get_language() or "en"
    visible = permissions.scope(actor, source.queryset())
    return (
        visible.annotate(search=source.vector)
        .filter(search=query)
        .annotate(
            rank=SearchRank(F("search"), query),
            total=Window(expression=Count("pk")),
            found_title=_headline(source.title(language), query, language, whole=True),
            found_text=_headline(source.text(language), query, language, whole=False),
        )
        .order_by("-rank", "pk")
    )


def _hits(rows, source: Source) -> list[Hit]:
    return [
        Hit(url=source.url(row), title=marked(row.found_title or ""), excerpt=marked(row.found_text or ""),
            rank=row.rank)
        for row in rows
    ]


def search(*, actor: User, text: str, kind: str | None = None, page: int = 1) -> list[SourceResults]:
    """Ranked matches the actor may see: a few per kind, or one page of one kind; totals over visible rows."""
    query = parse_query(text)
    if query is None:
        return []
    sources = [KINDS[kind]] if kind else list(SOURCES)
    size = PAGE_SIZE if kind else PER_SOURCE
    offset = (max(page, 1) - 1) * size if kind else 0
    results = []
    for source in sources:
        matches = _matches(actor, source, query)
        rows = list(matches[offset : offset + size])
        # The total rides on each row; a page past the last one has none, and counts instead.
        total = rows[0].total if rows else (matches.count() if offset else 0)
        if rows or kind:
            results.append(SourceResults(kind=source.kind, label=source.label, total=total, hits=_hits(rows, source)))
    return results

