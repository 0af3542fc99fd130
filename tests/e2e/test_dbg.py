import pytest
from meetings.models import AgendaItem
from tests.e2e.test_in_place import _meeting, _go
from tests.e2e.helpers import sign_in
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
@pytest.mark.parametrize("n", range(4))
def test_dbg(page, live_server, demo, n):
    meeting = _meeting(demo, items=1)
    item = AgendaItem.objects.get(meeting=meeting)
    page.on("console", lambda m: print("CONSOLE", m.text))
    sign_in(page, live_server.url, "rcmp")
    page.add_init_script("""
      for (const t of ['submit','htmx:configRequest','htmx:beforeRequest','htmx:validation:failed','htmx:validation:halted','htmx:abort','htmx:confirm','htmx:load','click']) {
        document.addEventListener(t, e => console.log('EV', t, e.target && (e.target.tagName + '#' + (e.target.id||'')), 'prevented=' + e.defaultPrevented, 'htmx=' + (typeof htmx), 'ready=' + document.readyState), true);
        window.addEventListener(t, e => { if (t==='submit') console.log('EV-bubbled submit prevented=' + e.defaultPrevented) }, false);
      }
    """)
    _go(page, f"{live_server.url}/fr/meetings/items/{item.pk}/")
    print("INTERNAL", page.evaluate("() => { const f = document.querySelector('#comments form'); return [!!f['htmx-internal-data'], JSON.stringify(Object.keys(f['htmx-internal-data']||{}))]; }"))
    page.fill("gcds-textarea[name=text] textarea", "")
    page.click("#comments gcds-button[type=submit] >> button")
    page.wait_for_timeout(3000)
    print("DONE", page.locator("#comments #error-summary").count())
    assert page.locator("#comments #error-summary").count() == 1
