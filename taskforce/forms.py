
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from members.models import Agency
from taskforce.dates import date_format

from . import parsing
from .models import DuePrecision, Milestone, due_window


def add_service_error(form: forms.Form, error: ValidationError, *, plain_field: str | None = None) -> None:
    """Show a service's refusal on the form: each keyed message on its field, or above the form when the
    form has no such field; a message without a key on `plain_field` (None: above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(plain_field if plain_field in form.fields else None, error)


class DayField(forms.DateField):
    """A day within the portal's range (taskforce/parsing.py): year 1 or 9999 is a mistake, said as such."""

    widget = forms.DateInput(attrs={"type": "date"})

    def to_python(self, value):
        # ASCII digits only: "٢٠٢٧-01-01" is not a day anyone typed in a date field (Python would read it as one).
        if isinstance(value, str) and not value.isascii():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def validate(self, value) -> None:
        super().validate(value)
        if value and not parsing.in_range(value):
            raise ValidationError(
                _("Give a day from %(first)s to %(last)s."), code="range",
                params={"first": date_format(parsing.EARLIEST_DAY, "DATE_FORMAT"),
                        "last": date_format(parsing.LATEST_DAY, "DATE_FORMAT")},
            )


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, agency: Agency) -> str:
        return f"{agency.local_acronym} — {agency.name}"


class AgenciesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, agency: Agency) -> str:
        return f"{agency.local_acronym} — {agency.name}"


class MilestoneForm(forms.Form):
    """A body's milestone: its wording, owner, due day or window, status (once it exists) and who it is shared
    with. `seen` carries the version the editor started from, so that a later save by someone else is refused."""

    title_en = forms.CharField(label=_("Title (English)"), max_length=300)
    title_fr = forms.CharField(label=_("Title (French)"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    description_fr = forms.CharField(
        label=_("Description (French)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    owner_agency = AgencyChoiceField(label=_("Owner agency"), queryset=Agency.objects.none())
    due_precision = forms.ChoiceField(
        label=_("Due"), choices=DuePrecision.choices, widget=forms.RadioSelect, initial=DuePrecision.DAY,
        help_text=_("A day, or a window: the month, season, quarter or fiscal year that holds the date below."),
    )
    due_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day it is due, or any day of its window (for instance April 15, 2022 for Spring 2022)."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=Milestone.Status.choices, widget=forms.RadioSelect)
    restricted_to = AgenciesChoiceField(
        label=_("Share only with"), queryset=Agency.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave every box empty to share it with the whole body."),
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, agencies, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = agencies
        self.fields["restricted_to"].queryset = agencies
        if not editing:
            del self.fields["status"]
            del self.fields["seen"]

    def milestone_fields(self) -> dict:
        data = self.cleaned_data
        due_start, due_end = due_window(data["due_precision"], data["due_on"])
        fields = {
            "title_en": data["title_en"], "title_fr": data["title_fr"], "description": data["description"],
            "description_fr": data["description_fr"], "owner_agency": data["owner_agency"],
            "due_precision": data["due_precision"], "due_start": due_start, "due_end": due_end,
        }
        if "status" in data:
            fields["status"] = data["status"]
        return fields
