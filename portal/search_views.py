"""The search page: one box across the portal, only what the reader may see."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from taskforce import parsing

from . import search

# Far past any real result list: a page number beyond it, or no number at all, is not a page (404).
MAX_PAGE = 10_000


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")[: search.MAX_QUERY_LENGTH]
    kind = request.GET.get("kind") or None
    if kind is not None and kind not in search.KINDS:
        raise Http404()
    page = parsing.whole_number(request.GET.get("page") or "1", low=1, high=MAX_PAGE)
    if page is None:
        raise Http404()
    results = search.search(actor=request.user, text=text, kind=kind, page=page)
    for group in results:
        group.more_url = "?" + urlencode({"q": text, "kind": group.kind})
        shown = (page - 1) * search.PAGE_SIZE + len(group.hits) if kind else len(group.hits)
        group.has_more = group.total > shown
        group.next_url = "?" + urlencode({"q": text, "kind": group.kind, "page": page + 1})
    return render(request, "portal/search.html", {
        "q": text, "kind": kind, "page": page, "results": results, "asked": bool(text.strip()),
        "all_url": "?" + urlencode({"q": text}),
    })
