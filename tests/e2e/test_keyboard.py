"""The whole meeting cycle with the keyboard alone (WCAG 2.1.1 Keyboard, 2.4.7 Focus Visible).

The secretariat schedules a meeting, builds and circulates its agenda; a member reviews the agenda, comments
on an item and answers the invitation; the secretariat records and approves the minutes. After each
`page.goto` (typing an address), every interaction is a key press or typed text: no click, fill, check or
select_option. `tab_to` presses Tab until the focused element, followed into the design system's shadow roots,
is the one wanted: reaching it is the proof that it is reachable, and failing names what could not be reached.
"""

import datetime
import json
import re
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from meetings.models import AgendaItem, Comment, Meeting, Rsvp
from taskforce.demo import DEMO_PASSWORD

from .helpers import authenticator_code, authenticator_of, wait_for_components

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Keyboard-only seizure data workshop"
FIRST_ITEM = "Seizure data: what each agency holds"
SECOND_ITEM = "Next steps"
COMMENT = "The RCMP can bring national seizure figures."
ZONE = "America/Vancouver"
PLACE = "CBSA Pacific Region, Vancouver"
MINUTES = "Each agency described the seizure data it holds."

# The focused element, followed through open shadow roots: `el` is the innermost element, `hosts` the shadow
# hosts on the way (outermost first), `text` a label for it (its own text, or the text of its nearest host).
DEEP_FOCUS = """
    let el = document.activeElement;
    const hosts = [];
    while (el && el.shadowRoot && el.shadowRoot.activeElement) { hosts.push(el); el = el.shadowRoot.activeElement; }
    const labelText = (el && el.labels && el.labels.length) ? el.labels[0].textContent : '';
    const text = ((el && el.textContent.trim()) || labelText || (hosts.length ? hosts[hosts.length - 1].textContent : ''))
        .replace(/\\s+/g, ' ').trim();
    const describe = () => {
        if (!el || el === document.body) return '<body>';
        const chain = [...hosts, el].map(n => n.tagName.toLowerCase()
            + (n.id ? '#' + n.id : '') + (n.getAttribute('name') ? `[name=${n.getAttribute('name')}]` : ''));
        return chain.join(' > ') + (text ? ` "${text.slice(0, 60)}"` : '');
    };
"""


def _focus_js(body: str) -> str:
    return f"() => {{ {DEEP_FOCUS} {body} }}"


def focused(page: Page) -> str:
    """A description of the deeply focused element, for messages."""
    return page.evaluate(_focus_js("return describe();"))


def tab_to(page: Page, description: str, predicate_js: str, max_tabs: int = 80, *, backwards: bool = False) -> str:
    """Press Tab (Shift+Tab if `backwards`) until the deeply focused element satisfies `predicate_js`, a JS
    function `(el, hosts, text) => boolean`; fail naming `description` and the trail of focus if it never does."""
    check = _focus_js(f"return {{ok: Boolean(({predicate_js})(el, hosts, text)), where: describe()}};")
    trail = []
    for _ in range(max_tabs):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        state = page.evaluate(check)
        if state["ok"]:
            return state["where"]
        if not trail or trail[-1] != state["where"]:
            trail.append(state["where"])
    pytest.fail(
        f"Not reachable with the keyboard: {description} ({max_tabs} presses of "
        f"{'Shift+Tab' if backwards else 'Tab'} on {page.url}). Focus went through:\n  " + "\n  ".join(trail[-25:])
    )


def named(name: str) -> str:
    """A form control by its name: the native control, or the design-system element hosting it."""
    return f"(el, hosts) => el.name === {json.dumps(name)} || " \
           f"hosts.some(h => h.getAttribute('name') === {json.dumps(name)})"


def matching(selector: str) -> str:
    """The focused element, or one of its shadow hosts, matches a CSS selector of the light DOM."""
    return f"(el, hosts) => [el, ...hosts].some(n => n.matches({json.dumps(selector)}))"


def link(text: str) -> str:
    """A link or button whose text starts with `text`."""
    return f"(el, hosts, text) => ['A', 'BUTTON'].includes(el.tagName) && text.startsWith({json.dumps(text)})"


def choice(label: str) -> str:
    """A checkbox or radio button by its label."""
    return (f"(el, hosts, text) => ['checkbox', 'radio'].includes(el.type) && el.labels && el.labels.length "
            f"&& el.labels[0].textContent.trim().startsWith({json.dumps(label)})")


def assert_focus_visible(page: Page) -> None:
    """WCAG 2.4.7: the focused element shows a focus indicator (an outline or a box shadow on it, on its label's
    pseudo-elements as the design system draws checkboxes and radios, or on one of its shadow hosts)."""
    visible = page.evaluate(_focus_js("""
        const shows = (node, pseudo) => {
            const style = getComputedStyle(node, pseudo);
            return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
        };
        const labels = [...(el.labels || [])];
        const candidates = [el, ...labels, ...hosts.slice().reverse()];
        return candidates.some(n => shows(n, null) || shows(n, '::before') || shows(n, '::after'));
    """))
    assert visible, f"No visible focus indicator on {focused(page)} ({page.url})"


def press_and_wait(page: Page, key: str = "Enter") -> None:
    """Press a key that submits a form or follows a link, and wait for the next page to be ready."""
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state("networkidle")
    wait_for_components(page)


def go(page: Page, url: str) -> None:
    page.goto(url)
    wait_for_components(page)


def type_into(page: Page, description: str, predicate_js: str, text: str, *, replace: bool = False) -> None:
    tab_to(page, description, predicate_js)
    if replace:
        page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def focused_value(page: Page) -> str:
    return page.evaluate(_focus_js("return el.value;"))


def type_datetime(page: Page, field_id: str, when: datetime.datetime) -> None:
    """Type a date and time into a native datetime-local control. Chromium lays the control out as
    mm/dd/yyyy, hh:mm AM/PM whatever the page's locale; the year takes up to six digits, so an arrow key
    moves on from it."""
    tab_to(page, f"the #{field_id} date and time", matching(f"#{field_id}"))
    assert_focus_visible(page)
    page.keyboard.type(when.strftime("%m%d%Y"))
    page.keyboard.press("ArrowRight")
    page.keyboard.type(when.strftime("%I%M") + when.strftime("%p")[0])
    expected = when.strftime("%Y-%m-%dT%H:%M")
    assert focused_value(page) == expected, f"#{field_id}: typed {expected}, the control holds {focused_value(page)!r}"


def sign_in(page: Page, base: str, username: str) -> None:
    go(page, f"{base}/en/accounts/login/")
    type_into(page, "the username field", named("username"), username)
    assert_focus_visible(page)
    type_into(page, "the password field", named("password"), DEMO_PASSWORD)
    device = authenticator_of(username)
    page.keyboard.press("Enter")
    if device is not None:
        # The secretariat confirms the sign-in with the code of their authenticator app, typed too.
        page.wait_for_url("**/accounts/two-factor/verify/**")
        wait_for_components(page)
        device.refresh_from_db()
        type_into(page, "the code field", named("code"), authenticator_code(device))
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/(en|fr)/$"))  # sign-in lands in the member's preferred language
    wait_for_components(page)
    if page.url.endswith("/fr/"):
        tab_to(page, "the language toggle (English)", link("English"))
        assert_focus_visible(page)
        press_and_wait(page)
    assert page.url == f"{base}/en/"
    assert "Signed in as" in page.inner_text(".portal-account")


def sign_out(page: Page) -> None:
    tab_to(page, "the Sign out button", link("Sign out"))
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/login/**")


def _schedule(page: Page, base: str, start: datetime.datetime) -> Meeting:
    go(page, f"{base}/en/meetings/new/?body=CBFTF")
    type_into(page, "the English title", named("title_en"), TITLE)
    assert_focus_visible(page)
    tab_to(page, "the time zone", named("time_zone"))
    assert_focus_visible(page)
    assert focused_value(page) != ZONE  # the form starts on the secretariat's own zone
    page.keyboard.type(ZONE)  # a closed select jumps to the first option starting with the letters typed
    assert focused_value(page) == ZONE
    type_datetime(page, "id_start", start)
    type_datetime(page, "id_end", start + datetime.timedelta(minutes=90))
    type_into(page, "the place", named("place"), PLACE)
    for agency in ("CBSA — Canada Border Services Agency", "RCMP — Royal Canadian Mounted Police"):
        tab_to(page, f"the {agency} invitation checkbox", choice(agency))
        assert_focus_visible(page)
        page.keyboard.press("Space")
        assert page.evaluate(_focus_js("return el.checked;")), f"Space did not tick {agency}"
    tab_to(page, "the Schedule the meeting button", link("Schedule the meeting"))
    assert_focus_visible(page)
    press_and_wait(page)
    meeting = Meeting.objects.get(title_en=TITLE)
    assert page.url.endswith(f"/en/meetings/{meeting.pk}/")
    return meeting


def _add_item(page: Page, meeting: Meeting, title: str, minutes: int) -> None:
    """From the meeting page: follow "Add an item", fill the form in and save it."""
    tab_to(page, "the Add an item link", link("Add an item"))
    assert_focus_visible(page)
    press_and_wait(page)
    assert page.url.endswith(f"/en/meetings/{meeting.pk}/agenda/new/")
    type_into(page, "the item's English title", named("title_en"), title)
    type_into(page, "the time allotted", named("minutes_allotted"), str(minutes), replace=True)
    tab_to(page, "the item form's submit button", matching("form.portal-form gcds-button[type=submit]"))
    press_and_wait(page)
    assert title in page.inner_text("main")


def test_the_whole_meeting_cycle_with_the_keyboard_alone(page, live_server, demo):
    base = live_server.url
    start = datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=10), datetime.time(10, 0))

    # The secretariat schedules the meeting, builds the agenda and circulates it.
    sign_in(page, base, "secretariat")
    meeting = _schedule(page, base, start)
    assert (meeting.place, meeting.time_zone) == (PLACE, ZONE)
    local_start = meeting.start.astimezone(zoneinfo.ZoneInfo(ZONE))
    assert (local_start.date(), local_start.time()) == (start.date(), datetime.time(10, 0))
    assert meeting.end - meeting.start == datetime.timedelta(minutes=90)
    assert set(meeting.invitations.values_list("agency__acronym", flat=True)) == {"CBSA", "RCMP"}

    _add_item(page, meeting, FIRST_ITEM, 30)
    _add_item(page, meeting, SECOND_ITEM, 15)
    assert list(AgendaItem.objects.filter(meeting=meeting).order_by("position")
                .values_list("title_en", "minutes_allotted")) == [(FIRST_ITEM, 30), (SECOND_ITEM, 15)]

    tab_to(page, "the Circulate the agenda button", matching("gcds-button[href$='/agenda/circulate/']"))
    assert_focus_visible(page)
    press_and_wait(page)
    tab_to(page, "the confirmation's Circulate the agenda button", matching("form.portal-form gcds-button"))
    assert_focus_visible(page)
    press_and_wait(page)
    meeting.refresh_from_db()
    assert meeting.agenda_status == Meeting.AgendaStatus.CIRCULATED
    sign_out(page)

    # A member of an invited agency reviews the agenda, comments on an item and answers the invitation.
    sign_in(page, base, "rcmp")
    tab_to(page, "the To review link of the main menu", link("To review"))
    assert_focus_visible(page)
    press_and_wait(page)
    assert page.url.endswith("/en/meetings/review/")
    assert TITLE in page.inner_text("main")
    tab_to(page, f"the link to the item {FIRST_ITEM}", link(FIRST_ITEM))
    assert_focus_visible(page)
    press_and_wait(page)
    item = AgendaItem.objects.get(meeting=meeting, title_en=FIRST_ITEM)
    assert page.url.endswith(f"/en/meetings/items/{item.pk}/")
    type_into(page, "the comment box", named("text"), COMMENT)
    assert_focus_visible(page)
    tab_to(page, "the Add the comment button", matching("#comments gcds-button[type=submit]"))
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#comments .portal-comments >> text={COMMENT}")
    comment = Comment.objects.get(item=item)
    assert (comment.author.username, comment.text) == ("rcmp", COMMENT)

    # Back to the meeting by its link at the top of the item's page (Shift+Tab: it is above the comments).
    tab_to(page, "the link back to the meeting", link(TITLE), backwards=True)
    press_and_wait(page)
    assert page.url.endswith(f"/en/meetings/{meeting.pk}/")
    tab_to(page, "the first answer of the RSVP", matching("gcds-radios[name=response]"))
    assert_focus_visible(page)
    for _ in range(4):  # arrow keys move through a radio group, choosing as they go
        if page.evaluate(_focus_js("return el.labels[0].textContent.trim();")) == "Attending remotely":
            break
        page.keyboard.press("ArrowDown")
    assert page.evaluate(_focus_js("return el.checked && el.labels[0].textContent.trim();")) == "Attending remotely"
    tab_to(page, "the Save my answer button", matching("#rsvp gcds-button[type=submit]"))
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_selector("#rsvp .portal-status--success")
    assert Rsvp.objects.get(meeting=meeting, user__username="rcmp").response == Rsvp.Response.REMOTE
    sign_out(page)

    # The meeting takes place (the clock moves on: minutes are approved only once it has started).
    Meeting.objects.filter(pk=meeting.pk).update(
        start=timezone.now() - datetime.timedelta(hours=2), end=timezone.now() - datetime.timedelta(minutes=30)
    )

    # The secretariat writes the minutes of the first item and approves them.
    sign_in(page, base, "secretariat")
    go(page, f"{base}/en/meetings/{meeting.pk}/")
    tab_to(page, "the Write the minutes link", link("Write the minutes"))
    assert_focus_visible(page)
    press_and_wait(page)
    assert page.url.endswith(f"/en/meetings/{meeting.pk}/minutes/")
    type_into(page, f"the minutes of {FIRST_ITEM}", named(f"item_{item.pk}"), MINUTES)
    assert_focus_visible(page)
    tab_to(page, "the Save the draft button", link("Save the draft"))
    press_and_wait(page)
    item.refresh_from_db()
    assert item.minutes == MINUTES
    tab_to(page, "the Approve the minutes link", link("Approve the minutes"))
    assert_focus_visible(page)
    press_and_wait(page)
    assert page.url.endswith(f"/en/meetings/{meeting.pk}/minutes/approve/")
    tab_to(page, "the Approve the minutes button", matching("form.portal-form gcds-button[type=submit]"))
    assert_focus_visible(page)
    press_and_wait(page)
    meeting.refresh_from_db()
    assert meeting.minutes_status == Meeting.MinutesStatus.APPROVED
    assert meeting.minutes_approved_by.username == "secretariat"
