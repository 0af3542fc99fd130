"""Every in-place update, done twice in a row in a real browser, in English and in French: after each one the
controls are there, visible and usable again, and the outcome is shown where the person is."""

import datetime

import pytest
from django.utils import timezone, translation

from meetings import services
from meetings.models import ActionItem, AgendaItem, Comment, Meeting, Rsvp

from .helpers import settled, sign_in, wait_for_components

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["en", "fr"]
SAVED = {"en": "Saved: Attending remotely.", "fr": "Réponse enregistrée : Présence à distance."}
REMOTE = {"en": "Attending remotely", "fr": "Présence à distance"}
DELEGATE = {"en": "Sending a delegate", "fr": "Envoi d'un délégué"}
ADDED = {"en": "Comment added.", "fr": "Commentaire ajouté."}


def _meeting(demo, *, items: int = 4) -> Meeting:
    """An upcoming CBFTF meeting to which the RCMP is invited, with its agenda circulated."""
    a = demo.agencies
    day = timezone.localdate() + datetime.timedelta(days=12)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(14)))
    meeting = services.meeting_schedule(
        actor=demo.users["secretariat"], body=demo.bodies["CBFTF"], title_en="Seizure data workshop",
        title_fr="Atelier sur les données de saisies", start=start, end=start + datetime.timedelta(hours=2),
        time_zone="America/Toronto", host_agency=a["CBSA"], invite_agencies=[a["CBSA"], a["RCMP"]],
    )
    for n in range(1, items + 1):
        services.agenda_item_add(
            actor=demo.users["secretariat"], meeting=meeting, title_en=f"Item {n}", title_fr=f"Point {n}",
            minutes_allotted=10,
        )
    services.agenda_circulate(actor=demo.users["secretariat"], meeting=meeting)
    return meeting


def _go(page, url: str) -> None:
    page.goto(url)
    wait_for_components(page)


def _visible(page, selector: str) -> bool:
    """Present, marked ready by the design system, and drawn (a component that is not ready stays hidden)."""
    locator = page.locator(selector)
    return locator.count() == 1 and locator.evaluate(
        "el => el.classList.contains('hydrated') && getComputedStyle(el).visibility === 'visible'"
        " && el.getBoundingClientRect().height > 0"
    )


def _rsvp_controls_ready(page) -> None:
    for control in ("gcds-radios[name=response]", "gcds-select[name=delegate]", "gcds-input[name=note]",
                    "#rsvp gcds-button[type=submit]"):
        assert _visible(page, control), control


def _save_rsvp(page) -> None:
    with page.expect_response(lambda r: r.url.endswith("/rsvp/") and r.request.method == "POST"):
        page.click("#rsvp gcds-button[type=submit] >> button", delay=200)  # pressed for a moment, as a person does
    settled(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_member_answers_an_invitation_twice_in_place(page, live_server, demo, lang):
    meeting = _meeting(demo, items=1)
    sign_in(page, live_server.url, "rcmp")
    _go(page, f"{live_server.url}/{lang}/meetings/{meeting.pk}/")

    # A delegate without a name is refused: the reason is shown, focused, and every control stays.
    page.click(f"gcds-radios[name=response] >> text={DELEGATE[lang]}")
    _save_rsvp(page)
    assert page.locator("#rsvp #error-summary").is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    _rsvp_controls_ready(page)

    # Then a good answer, with a note: saved, the outcome shown, and the controls still there.
    page.click(f"gcds-radios[name=response] >> text={REMOTE[lang]}")
    page.fill("gcds-input[name=note] input", "From Vancouver")
    _save_rsvp(page)
    assert page.locator("#rsvp .portal-status--success").inner_text() == SAVED[lang]
    _rsvp_controls_ready(page)

    # And again, changing only the note, in place.
    page.fill("gcds-input[name=note] input", "From Vancouver, with a colleague")
    _save_rsvp(page)
    assert page.locator("#rsvp .portal-status--success").inner_text() == SAVED[lang]
    _rsvp_controls_ready(page)
    assert Rsvp.objects.get(meeting=meeting, user__username="rcmp").note == "From Vancouver, with a colleague"

    # After a reload the answer shown is the one submitted: changing only the note is accepted.
    _go(page, f"{live_server.url}/{lang}/meetings/{meeting.pk}/")
    page.fill("gcds-input[name=note] input", "From Ottawa")
    _save_rsvp(page)
    assert page.locator("#rsvp .portal-status--success").inner_text() == SAVED[lang]
    answer = Rsvp.objects.get(meeting=meeting, user__username="rcmp")
    assert (answer.response, answer.note) == (Rsvp.Response.REMOTE, "From Ottawa")
    _rsvp_controls_ready(page)


def _add_comment(page, text: str) -> None:
    page.fill("gcds-textarea[name=text] textarea", text)
    with page.expect_response(lambda r: r.url.endswith("/comments/") and r.request.method == "POST"):
        # As a person clicks: the button pressed for a moment, while the box it leaves loses the focus.
        page.click("#comments gcds-button[type=submit] >> button", delay=200)
    settled(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_member_comments_twice_in_place_after_an_empty_comment(page, live_server, demo, lang):
    meeting = _meeting(demo, items=1)
    item = AgendaItem.objects.get(meeting=meeting)
    sign_in(page, live_server.url, "rcmp")
    _go(page, f"{live_server.url}/{lang}/meetings/items/{item.pk}/")

    # An empty comment is refused: the reason is shown above the box, and takes the focus; the box stays.
    _add_comment(page, "")
    assert page.locator("#comments #error-summary").is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert _visible(page, "gcds-textarea[name=text]")
    assert _visible(page, "#comments gcds-button[type=submit]")

    for text in ("Seizure figures are ready.", "And the trends by port of entry."):
        _add_comment(page, text)
        assert page.locator("#comments .portal-status").inner_text() == ADDED[lang]
        assert text in page.locator("#comments .portal-comments").inner_text()
        assert _visible(page, "gcds-textarea[name=text]")
        assert _visible(page, "#comments gcds-button[type=submit]")
        assert page.locator("gcds-textarea[name=text] textarea").input_value() == ""

    assert Comment.objects.filter(item=item).count() == 2


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_secretariat_reorders_an_agenda_several_times_in_place(page, live_server, demo, lang):
    meeting = _meeting(demo, items=4)
    sign_in(page, live_server.url, "secretariat")
    _go(page, f"{live_server.url}/{lang}/meetings/{meeting.pk}/")
    items = {i.title_en: i.pk for i in AgendaItem.objects.filter(meeting=meeting)}

    def move(title: str, direction: str) -> None:
        with page.expect_response(lambda r: r.url.endswith("/move/") and r.request.method == "POST"):
            page.click(f"#move-{direction}-{items[title]} >> button")
        settled(page)

    def order() -> list[str]:
        return list(AgendaItem.objects.filter(meeting=meeting).order_by("position").values_list("title_en", flat=True))

    for title, direction, expected in [
        ("Item 1", "down", ["Item 2", "Item 1", "Item 3", "Item 4"]),
        ("Item 1", "down", ["Item 2", "Item 3", "Item 1", "Item 4"]),
        ("Item 4", "up", ["Item 2", "Item 3", "Item 4", "Item 1"]),
        ("Item 2", "down", ["Item 3", "Item 2", "Item 4", "Item 1"]),
    ]:
        move(title, direction)
        assert order() == expected
        # Every move button is there and drawn: up on all but the first, down on all but the last.
        buttons = page.locator("#agenda .portal-move gcds-button")
        assert buttons.count() == 6
        for n in range(6):
            assert buttons.nth(n).evaluate("el => el.classList.contains('hydrated') && el.checkVisibility()")
        status = page.locator("#agenda .portal-status").inner_text()
        assert f"{expected.index(title) + 1}" in status
        # The focus stays with the item moved, so the next press moves it on.
        assert page.evaluate("document.activeElement.id").endswith(f"-{items[title]}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_empty_meeting_form_says_what_is_missing_where_the_focus_goes(page, live_server, demo, lang):
    sign_in(page, live_server.url, "secretariat")
    _go(page, f"{live_server.url}/{lang}/meetings/new/?body=CBFTF")

    page.click("form.portal-form gcds-button[type=submit] >> button")
    page.wait_for_timeout(500)

    summary = page.locator("form.portal-form gcds-error-summary")
    assert page.evaluate("document.activeElement.tagName") == "GCDS-ERROR-SUMMARY"
    assert summary.is_visible() and summary.evaluate(
        "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; }"
    )
    missing = {"en": "Enter information to continue", "fr": "Saisissez des renseignements pour continuer"}[lang]
    assert missing in summary.evaluate("el => el.shadowRoot.textContent")
    assert not Meeting.objects.filter(title_en="").exists()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_owner_updates_an_action_item_twice_from_the_home_page_and_sees_each_outcome_there(
    page, live_server, demo, lang
):
    meeting = _meeting(demo, items=1)
    action = services.action_item_record(
        actor=demo.users["secretariat"], meeting=meeting, text="Send the trace summary.",
        owner_agency=demo.agencies["RCMP"], owner=demo.users["rcmp"],
    )
    sign_in(page, live_server.url, "rcmp")
    _go(page, f"{live_server.url}/{lang}/")
    for status in ("in_progress", "done"):
        page.select_option(f"#status-{action.pk}", status)
        page.click(f"#status-{action.pk} ~ gcds-button >> button")
        page.wait_for_url(f"**/{lang}/#outcome-my-actions")
        wait_for_components(page)
        page.wait_for_function("document.activeElement && document.activeElement.id === 'outcome-my-actions'")
        outcome = page.locator("#outcome-my-actions")
        assert outcome.evaluate(
            "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
        )
        with translation.override(lang):
            label = str(ActionItem.Status(status).label)
        assert outcome.locator("gcds-notice").get_attribute("notice-title").endswith(f"{label}.")
        assert ActionItem.objects.get(pk=action.pk).status == status
