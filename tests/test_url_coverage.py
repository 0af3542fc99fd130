"""Every named URL is in the visibility matrix, and answers every persona as the matrix says.

A new page or endpoint fails here until tests/support/visibility_matrix.py says who may see it.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.scenario import leaked_titles, restricted_milestones, text_of
from tests.support.visibility_matrix import MATRIX, NEVER_SEE_MOU, PERSONAS, url_patterns

BASE_DIR = Path(__file__).resolve().parent.parent


def test_every_url_outside_the_admin_has_a_name():
    unnamed = sorted(route for name, route in url_patterns() if not name)

    assert unnamed == [], f"Name these routes and add them to tests/support/visibility_matrix.py: {unnamed}"


def test_every_named_url_is_in_the_visibility_matrix():
    missing = sorted({name for name, _route in url_patterns() if name} - set(MATRIX))

    assert missing == [], (
        f"Not in the visibility matrix: {missing}. Add each to tests/support/visibility_matrix.py with the status every "
        "persona gets and the tests that check another agency's member gets a 404."
    )


def test_the_visibility_matrix_holds_no_url_that_no_longer_exists():
    stale = sorted(set(MATRIX) - {name for name, _route in url_patterns() if name})

    assert stale == [], f"In the visibility matrix but not in the URLconf: {stale}"


@pytest.mark.parametrize("name", MATRIX)
def test_each_route_names_tests_that_exist(name):
    for test in MATRIX[name].covered_by:
        path, function = test.split("::")
        source = (BASE_DIR / path).read_text()

        assert re.search(rf"^def {function}\(", source, re.MULTILINE), f"{name}: {test} does not exist"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", MATRIX)
def test_each_persona_gets_what_the_matrix_says(demo, personas, client_for, name, persona):
    route = MATRIX[name]
    url = route.url(demo)

    response = getattr(client_for(personas[persona]), route.method)(url)

    expected = route.statuses[persona]
    assert response.status_code in (expected if isinstance(expected, frozenset) else {expected}), url
    if response.status_code == 302:
        # Signed in, the sign-in page sends a member home in their preferred language.
        assert urlsplit(response.url).path.endswith(("/accounts/login/", "/en/", "/fr/")), response.url
    if persona in NEVER_SEE_MOU:
        assert leaked_titles(response) == [], f"{persona} reads a restricted milestone at {url}"
        # Not even a link to one (a 404 page may link to its own address, in the other language).
        links = {f"/milestones/{milestone.pk}/" for milestone in restricted_milestones()}
        assert [link for link in links if link in text_of(response) and link not in url] == []
    elif route.shows_mou and response.status_code == 200:
        assert leaked_titles(response), f"{persona} should read the restricted milestones at {url}"
