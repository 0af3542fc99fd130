"""The outcome of the last action, shown where the reader lands.

A view that redirects to a section of a page (`…#agenda`) addresses its message to that section with
`extra_tags="agenda"`; `{% outcome "agenda" %}` in that section shows it there, and `{% outcome %}` at the top
of the page shows the messages addressed to no section. Shown above the anchor, it would be out of sight.
"""

from django import template

register = template.Library()

ROLES = {"error": "danger", "warning": "warning", "success": "success"}


@register.inclusion_tag("taskforce/outcome.html", takes_context=True)
def outcome(context, at: str = "") -> dict:
    shown = [
        {"text": str(m), "role": ROLES.get(m.level_tag, "info")}
        for m in context.get("messages") or () if (m.extra_tags or "") == at
    ]
    return {"shown": shown, "at": at, "refused": any(m["role"] == "danger" for m in shown)}
