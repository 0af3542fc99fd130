"""Form fields of the agreement pages drawn with the design system (and the portal's error summary above a form).

A design-system control (gcds-input, gcds-select, gcds-textarea, gcds-checkboxes) carries its own label,
hint and error message; a group of several checkboxes is drawn natively, in a fieldset, because the
design system's group submits its choices as one comma-joined value.
"""

import json

from django import forms, template

from taskforce.templatetags import portal_forms

register = template.Library()


def _kind(widget: forms.Widget) -> str:
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkbox-group"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    # Every date in the portal is entered with the same control (taskforce/templatetags/portal_forms.py).
    return "date" if getattr(widget, "input_type", "") == "date" else "input"


def _options(field: forms.BoundField) -> list[dict]:
    widget = field.field.widget
    value = widget.format_value(field.value())
    return [
        {"value": str(option["value"]), "label": str(option["label"]), "selected": option["selected"],
         "id": f"{field.auto_id}_{index}"}
        for _group, options, index in widget.optgroups(field.html_name, value)
        for option in options
    ]


@register.inclusion_tag("mou/forms/field.html")
def mou_field(field: forms.BoundField, hide_label: bool = False, rows: int = 4) -> dict:
    """One labelled control with its hint and errors."""
    widget = field.field.widget
    kind = _kind(widget)
    context = {
        "kind": kind,
        "field": field,
        "id": field.auto_id,
        "name": field.html_name,
        "label": field.label,
        "hint": field.help_text,
        "errors": " ".join(str(error) for error in field.errors),
        "required": field.field.required,
        "hide_label": hide_label,
        "rows": rows,
    }
    if kind in ("input", "textarea", "date"):
        value = widget.format_value(field.value())
        context["value"] = "" if value is None else value
        context["type"] = getattr(widget, "input_type", "text")
    elif kind in ("select", "checkbox-group"):
        context["options"] = _options(field)
        context["selected"] = next((o["value"] for o in context["options"] if o["selected"]), "")
    elif kind == "checkbox":
        context["options"] = json.dumps(
            [{"id": field.auto_id, "label": str(field.label), "value": "on", "checked": bool(field.value())}],
            ensure_ascii=False,
        )
    return context


# The error summary is the portal's own, under the name the agreement pages use.
register.tags["mou_error_summary"] = portal_forms.register.tags["error_summary"]
