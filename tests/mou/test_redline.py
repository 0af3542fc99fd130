"""The word-level redline between two versions (mou/redline.py): what a reader sees struck and underlined."""

import re

import pytest

from mou.demo import MOU_V1, MOU_V2
from mou.redline import redline

DEL = '<del class="redline-del">'
INS = '<ins class="redline-ins">'


def struck(html: str) -> list[str]:
    return re.findall(r'<del class="redline-del">(.*?)</del>', html, flags=re.S)


def underlined(html: str) -> list[str]:
    return re.findall(r'<ins class="redline-ins">(.*?)</ins>', html, flags=re.S)


@pytest.mark.parametrize(
    ("old", "new", "html", "inserted", "deleted"),
    [
        pytest.param("Share information.", "Share information.", "Share information.", 0, 0, id="identical"),
        pytest.param("", "", "", 0, 0, id="both-empty"),
        pytest.param(
            "share information directly", "share information directly and promptly",
            f"share information directly {INS}and promptly</ins>", 2, 0, id="insertion-at-the-end",
        ),
        pytest.param(
            "the quick fox", "the quick brown fox", f"the quick {INS}brown </ins>fox", 1, 0, id="insertion-inside",
        ),
        pytest.param(
            "only the customs information", "only the information", f"only the {DEL}customs </del>information", 0, 1,
            id="deletion",
        ),
        pytest.param(
            "share customs information", "exchange customs information",
            f"{DEL}share </del>{INS}exchange </ins>customs information", 1, 1, id="replacement-of-a-word",
        ),
        pytest.param(
            "review every two years", "review every three calendar years",
            f"review every {DEL}two </del>{INS}three calendar </ins>years", 2, 1, id="replacement-of-unequal-lengths",
        ),
        pytest.param("", "A first text", f"{INS}A first text</ins>", 3, 0, id="from-nothing"),
        pytest.param("A last text", "", f"{DEL}A last text</del>", 0, 3, id="to-nothing"),
    ],
)
def test_it_marks_word_changes(old, new, html, inserted, deleted):
    result = redline(old, new)

    assert (str(result.html), result.inserted_words, result.deleted_words) == (html, inserted, deleted)
    assert result.unchanged == (inserted == deleted == 0)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("share  information", "share information", id="double-space"),
        pytest.param("share information", "share\tinformation ", id="tab-and-trailing-space"),
        pytest.param("1. Purpose\nThis Memorandum", "1. Purpose\n\nThis Memorandum", id="blank-line-added"),
        pytest.param("1. Purpose\r\nThis Memorandum", "1. Purpose\nThis Memorandum", id="windows-line-endings"),
        pytest.param("share information", "share\ninformation", id="space-to-line-break"),
        pytest.param("Purpose", "\nPurpose", id="leading-line-break-added"),
        pytest.param("  Purpose", "Purpose", id="leading-spaces-removed"),
    ],
)
def test_a_change_of_spacing_alone_is_not_a_change_of_wording(old, new):
    result = redline(old, new)

    assert result.unchanged
    assert (result.inserted_words, result.deleted_words) == (0, 0)
    assert DEL not in result.html and INS not in result.html


def test_line_breaks_are_kept_as_br_in_unchanged_struck_and_underlined_text():
    result = redline("1. Purpose\nShare.\n\n2. Review\nYearly.", "1. Purpose\nShare now.\n\n2. Review\nYearly.")

    assert str(result.html) == (
        f"1. Purpose<br>\n{DEL}Share.<br>\n<br>\n</del>{INS}Share now.<br>\n<br>\n</ins>2. Review<br>\nYearly."
    )
    assert (result.inserted_words, result.deleted_words) == (2, 1)


def test_line_breaks_inside_struck_and_underlined_words_are_kept():
    result = redline("Old line\nkept", "New line\nkept")

    assert str(result.html) == f"{DEL}Old </del>{INS}New </ins>line<br>\nkept"
    assert (result.inserted_words, result.deleted_words) == (1, 1)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("Share information.", "Share <script>alert('x')</script> information.", id="in-the-new-text"),
        pytest.param("Share <script>alert('x')</script> information.", "Share information.", id="in-the-old-text"),
        pytest.param("<script>alert('x')</script>", "<script>alert('x')</script>", id="unchanged"),
        pytest.param("<b>bold</b> & <i>", "<b>bolder</b> & <i>", id="changed-markup"),
    ],
)
def test_html_in_either_text_is_escaped(old, new):
    html = str(redline(old, new).html)

    assert "<script" not in html and "<b>" not in html and "<i>" not in html
    assert re.sub(r"</?(del|ins)[^>]*>|<br>", "", html).count("<") == 0
    assert "&lt;" in html


def test_escaped_text_reads_as_typed():
    html = str(redline("A & B", "A & B <C>").html)

    assert html == f"A &amp; B {INS}&lt;C&gt;</ins>"


def test_the_demo_mou_redline_shows_the_revisions_of_version_two():
    result = redline(MOU_V1, MOU_V2)

    assert [words.replace("<br>\n", " ").strip() for words in struck(result.html)] == [
        "firearms.", "customs", "traveller", "smuggling.", "Memorandum."
    ]
    assert "and in a timely manner " in underlined(result.html)
    assert "4. Review<br>\nThe Participants review this Memorandum every two years.<br>\n" in "".join(
        underlined(result.html)
    )
    assert (result.inserted_words, result.deleted_words) == (49, 5)
    assert "Participant&#x27;s domestic law" in result.html
