"""A link leads somewhere the reader may go: the portal links a page (an agency, a person, a body, a meeting, an
agreement) only for a reader who may open it, and names it in plain text for the others. Checked by following, as
each persona, every link of every page of the visibility matrix, and of the pages they
lead to: none answers 404."""

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.e2e.test_accessibility import pages

pytestmark = [pytest.mark.slow]

HREF = re.compile(r'\bhref="([^"#]*)(?:#[^"]*)?"')
# Not pages to open: files and feeds (their own tests check them), the static files.
NOT_FOLLOWED = re.compile(r"^/(static|feeds|media)/|\.(ics|csv|pdf|xlsx)$|/download/")


def links_of(url: str, html: str) -> set[str]:
    found = set()
    for href in HREF.findall(html):
        target = urlsplit(urljoin(url, href.replace("&amp;", "&")))
        if target.scheme in ("", "http") and target.netloc in ("", "testserver") and target.path:
            address = target.path + (f"?{target.query}" if target.query else "")
            if not NOT_FOLLOWED.search(target.path):
                found.add(address)
    return found


@pytest.mark.parametrize("persona", ["dea", "rcmp", "cbsa", "secretariat"])
def test_no_link_leads_to_a_page_the_reader_may_not_open(client_for, demo, persona):
    """From the main pages, two clicks deep (the agreements list, then the MLAT, then its parties)."""
    client = client_for(demo.users[persona])
    linked_from: dict[str, str] = {}
    broken: dict[str, str] = {}
    to_read = pages(demo, persona)
    for depth in range(3):
        next_round = []
        for url in to_read:
            response = client.get(url)
            if response.status_code == 404:
                broken[url] = f"linked from {linked_from.get(url)}"
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html") or depth == 2:
                continue
            for link in links_of(url, response.content.decode()) - linked_from.keys():
                linked_from[link] = url
                next_round.append(link)
        to_read = next_round

    assert len(linked_from) > 50
    assert broken == {}
