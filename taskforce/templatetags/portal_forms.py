"""Form fields drawn with the design system, for every page of the portal: `{% form_field form.x %}` draws one
labelled control with its hint and errors; `{% error_summary form %}` lists a bound form's errors above it, each
linking to its field."""

import json

from django import forms, template
from django.utils.translation import gettext as _

register = template.Library()


def _kind(widget: forms.Widget) -> str:
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.SelectMultiple):
        return "native-select"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.FileInput):
        return "file"
    input_type = getattr(widget, "input_type", "text")
    # No design-system control takes a local date and time: a native one, with its own label.
    if input_type == "datetime-local":
        return "native-input"
    return "date" if input_type == "date" else "input"


def _options(field: forms.BoundField) -> list[tuple[str | None, list[dict]]]:
    widget = field.field.widget
    value = widget.format_value(field.value())
    empty = _("None") if not field.field.required else _("Choose one")
    groups = []
    for group, options, _index in widget.optgroups(field.html_name, value):
        groups.append((group, [
            {"value": str(o["value"]), "label": empty if str(o["label"]) == "---------" else str(o["label"]),
             "selected": o["selected"]}
            for o in options
        ]))
    return groups


def _options_json(field: forms.BoundField) -> str:
    flat = [option for _group, options in _options(field) for option in options]
    return json.dumps([
        {"id": f"{field.auto_id}_{n}", "label": o["label"], "value": o["value"], "checked": o["selected"]}
        for n, o in enumerate(flat)
    ], ensure_ascii=False)


@register.inclusion_tag("taskforce/forms/field.html")
def form_field(field: forms.BoundField, hide_label: bool = False, hint: str | None = None) -> dict:
    """One labelled control, its hint and its errors, drawn with the design system."""
    widget = field.field.widget
    kind = _kind(widget)
    context = {
        "field": field,
        "kind": kind,
        "id": field.auto_id,
        "name": field.html_name,
        "label": field.label,
        "hint": field.help_text if hint is None else hint,
        "errors": " ".join(str(e) for e in field.errors),
        "required": field.field.required,
        "hide_label": hide_label,
        "attrs": widget.attrs,
    }
    if kind in ("input", "native-input", "textarea", "date"):
        value = widget.format_value(field.value())
        context["value"] = "" if value is None else value
        context["type"] = getattr(widget, "input_type", "text")
    elif kind in ("select", "native-select"):
        context["groups"] = _options(field)
        context["multiple"] = kind == "native-select"
        context["selected"] = next(
            (o["value"] for _g, options in context["groups"] for o in options if o["selected"]), ""
        )
    elif kind in ("checkboxes", "radios"):
        # The choice made is marked `checked` among the options, and only there: given a `value` as well, the
        # design system's radios show the choice but never hand it to the form, which then submits none.
        context["options"] = _options_json(field)
    elif kind == "checkbox":
        context["options"] = json.dumps([{
            "id": f"{field.auto_id}_0", "label": str(field.label), "value": "on",
            "checked": bool(field.value()),
        }], ensure_ascii=False)
    return context


@register.inclusion_tag("taskforce/forms/error_summary.html")
def error_summary(*forms_) -> dict:
    """The errors of one or more forms, above them, each linking to its field."""
    errors = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        errors += [{"message": str(e), "anchor": None} for e in form.non_field_errors()]
        for field in form:
            if field.is_hidden:  # nothing on the page to name or to link to
                errors += [{"message": str(e), "anchor": None} for e in field.errors]
                continue
            errors += [
                {"message": _("%(field)s: %(error)s") % {"field": field.label, "error": e}, "anchor": field.auto_id}
                for e in field.errors
            ]
    return {"errors": errors}
