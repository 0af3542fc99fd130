"""The secretariat reminds invitees from the meeting page, in a real browser, twice in a row in place, in English and in
French: after a refusal and after each reminder the controls are there and usable again, the outcome is shown where
the secretariat is, and the section passes axe."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from meetings import services
from meetings.models import Rsvp, SentReminder
from tests.notifications import conftest as notification_fixtures

from .helpers import settled, sign_in, wait_for_components

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The emails are sent in the server's own process, into Django's outbox.
eager_celery = notification_fixtures.eager_celery

AXE = settings.BASE_DIR / "var" / "axe" / "axe.min.js"
LANGUAGES = ["en", "fr"]
FRENCH_TOO = {"en": "Give the message in French too, or leave both empty.",
              "fr": "Donnez aussi le message en français, ou laissez les deux vides."}
SENT = {"en": ("Reminder sent to 2 people.", "Reminder sent to 1 person."),
        "fr": ("Rappel envoyé à 2 personnes.", "Rappel envoyé à 1 personne.")}
TICK = {"en": "The people I tick", "fr": "Les personnes que je coche"}


def _controls_ready(page) -> None:
    for control in ("gcds-radios[name=audience]", "gcds-checkboxes[name=people]", "gcds-textarea[name=message_en]",
                    "gcds-textarea[name=message_fr]", "#reminders gcds-button[type=submit]"):
        locator = page.locator(control)
        assert locator.count() == 1 and locator.evaluate(
            "el => el.classList.contains('hydrated') && el.checkVisibility()"
        ), control


def _send(page) -> None:
    with page.expect_response(lambda r: r.url.endswith("/remind/") and r.request.method == "POST"):
        page.click("#reminders gcds-button[type=submit] >> button", delay=200)
    settled(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_secretariat_reminds_twice_in_place_after_a_refusal(browser, live_server, demo, lang):
    # The accessibility checker is injected at the end, which the portal's own Content Security Policy would refuse.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, locale="en-CA")
    context.set_default_timeout(15_000)
    page = context.new_page()
    start = timezone.make_aware(datetime.datetime.combine(
        timezone.localdate() + datetime.timedelta(days=9), datetime.time(14)
    ))
    meeting = services.meeting_schedule(
        actor=demo.users["secretariat"], body=demo.bodies["CBFTF"], title_en="Seizure data workshop",
        title_fr="Atelier sur les données de saisies", start=start, end=start + datetime.timedelta(hours=2),
        time_zone="America/Toronto", invite_agencies=[demo.agencies[a] for a in ("CBSA", "ATF", "HSI")],
    )
    services.rsvp_set(actor=demo.users["secretariat"], meeting=meeting, response=Rsvp.Response.IN_PERSON)
    services.rsvp_set(actor=demo.users["atf"], meeting=meeting, response=Rsvp.Response.DECLINED)
    sign_in(page, live_server.url, "secretariat")
    page.goto(f"{live_server.url}/{lang}/meetings/{meeting.pk}/#reminders")
    wait_for_components(page)
    _controls_ready(page)

    # A message in English alone is refused: the reason is shown and takes the focus; what was typed stays.
    page.fill("gcds-textarea[name=message_en] textarea", "Please answer by Friday.")
    _send(page)
    assert FRENCH_TOO[lang] in page.locator("#reminders #error-summary").inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.locator("gcds-textarea[name=message_en] textarea").input_value() == "Please answer by Friday."
    _controls_ready(page)

    # With the French too: sent to the two who have not answered, the form emptied for the next one.
    page.fill("gcds-textarea[name=message_fr] textarea", "Veuillez répondre d'ici vendredi.")
    _send(page)
    assert page.locator("#reminders .portal-status--success").inner_text() == SENT[lang][0]
    assert page.locator("gcds-textarea[name=message_en] textarea").input_value() == ""
    _controls_ready(page)

    # Then ATF's member alone, ticked.
    page.click(f"gcds-radios[name=audience] >> text={TICK[lang]}")
    page.click(f"gcds-checkboxes[name=people] >> text={demo.users['atf']}")
    _send(page)
    assert page.locator("#reminders .portal-status--success").inner_text() == SENT[lang][1]
    _controls_ready(page)
    assert page.locator("#reminders tbody tr").count() == 2
    assert [r.recipient_count for r in SentReminder.objects.filter(meeting=meeting).order_by("sent_at")] == [2, 1]

    # The section, as it now stands, passes axe.
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run('#reminders', {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}))"
        ".violations.map(v => [v.id, v.help])"
    )
    context.close()
    assert violations == []
