"""Every page of the portal is valid HTML by the W3C's rules (the Nu Html Checker, vnu.jar, vendored under var/vnu
by scripts/vendor-vnu.sh): signed in as the secretariat and as a member, in English and in French, plus the pages
seen before signing in. htmx's attributes are spelt `data-hx-*`; headings do not skip a level.

The pages are those of the visibility matrix (tests/support/visibility_matrix.py), so a new page is checked as soon as it is
listed there. The checker is a JVM, slow to start: every page is saved in one folder and checked in one run."""

import json
import re
import shutil
import subprocess

import pytest
from django.conf import settings

from tests.e2e.test_accessibility import in_language, pages

pytestmark = [pytest.mark.slow]

VNU = settings.BASE_DIR / "var" / "vnu" / "vnu.jar"
PERSONAS = ("secretariat", "cbsa")
SIGNED_OUT = ("/en/accounts/login/", "/fr/accounts/login/", "/en/no-such-page/")
# The design system's select (an autonomous custom element) takes its choices as <option> and <optgroup> children,
# as its documentation shows; HTML gives a custom element a transparent content model, where a lone <option> may not
# stand, so the checker reports each one. Only that message, on that element, is set aside.
DESIGN_SYSTEM_SELECT_CHOICES = re.compile(
    r"^Element “(option|optgroup)” not allowed as child of element “gcds-select” in this context\."
)


# A design-system control checks itself as the reader leaves it unless told otherwise; its message then appears as the
# reader presses the button below it, the button moves, and the press lands beside it: nothing is sent. The portal's
# controls check themselves when the form is sent (the server says the rest, in the error summary).
FORM_CONTROL = re.compile(r"<gcds-(input|textarea|select|radios|checkboxes|date-input|file-uploader)\b[^>]*>")


def save_pages(client, urls, folder, prefix: str) -> list[str]:
    saved = []
    for number, url in enumerate(urls):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        if not response["Content-Type"].startswith("text/html"):
            continue
        (folder / f"{prefix}-{number:03}.html").write_bytes(response.content)
        saved.append(url)
    return saved


def checker_errors(folder) -> list[dict]:
    assert VNU.exists(), "The HTML checker is missing: run scripts/vendor-vnu.sh (make test does)"
    run = subprocess.run(
        ["java", "-Xss4m", "-jar", str(VNU), "--format", "json", "--errors-only", "--skip-non-html", str(folder)],
        capture_output=True, text=True, timeout=540,
    )
    messages = json.loads(run.stderr)["messages"]
    return [m for m in messages if m["type"] != "info" and not DESIGN_SYSTEM_SELECT_CHOICES.match(m.get("message", ""))]


@pytest.mark.skipif(shutil.which("java") is None, reason="Java runs the HTML checker (scripts/vendor-vnu.sh)")
def test_every_page_is_valid_html(client_for, demo, tmp_path):
    checked: dict[str, str] = {}
    for persona in PERSONAS:
        client = client_for(demo.users[persona])
        for language in ("en", "fr"):
            urls = [in_language(url, language) for url in pages(demo, persona)]
            prefix = f"{persona}-{language}"
            for number, url in enumerate(save_pages(client, urls, tmp_path, prefix)):
                checked[f"{prefix}-{number:03}.html"] = url
    for number, url in enumerate(save_pages(client_for(None), SIGNED_OUT, tmp_path, "anonymous")):
        checked[f"anonymous-{number:03}.html"] = url

    errors = checker_errors(tmp_path)

    found = [
        f"{checked.get(e['url'].rsplit('/', 1)[-1], e['url'])}:{e.get('lastLine', '?')}: {e['message']}"
        f" [{e.get('extract', '').strip()[:120]}]"
        for e in errors
    ]
    assert len(checked) >= 60, f"only {len(checked)} pages were checked"
    assert found == [], "\n".join(found)
    checking_on_leave = sorted({
        f"{checked[page.name]}: {tag.group(0)[:80]}"
        for page in tmp_path.glob("*.html")
        for tag in FORM_CONTROL.finditer(page.read_text())
        if 'validate-on="submit"' not in tag.group(0)
    })
    assert checking_on_leave == [], "\n".join(checking_on_leave)
