import datetime
import re
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from members.models import Agency, User
from taskforce.dates import date_format

from . import parsing
from .models import ApiToken, AuditEntry, DeliveryMode, DuePrecision, Milestone, NotificationKind, due_window
from .services import API_TOKEN_LIFETIMES


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


NEVER = "never"


class NotificationPreferencesForm(forms.Form):
    """One choice per kind of notice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in NotificationKind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=DeliveryMode.choices, widget=forms.RadioSelect,
                initial=DeliveryMode.IMMEDIATELY,
            )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, such as the script that uses it.")
    )
    access = forms.ChoiceField(label=_("Access"), choices=ApiToken.Access.choices, initial=ApiToken.Access.READ)
    expires_in_days = forms.ChoiceField(
        label=_("Expires"),
        choices=[
            (str(days), ngettext_lazy("%(days)d day", "%(days)d days", "days") % {"days": days})
            for days in API_TOKEN_LIFETIMES
        ]
        + [(NEVER, _("Never"))],
        initial="90",
    )

    def clean_expires_in_days(self) -> int | None:
        value = self.cleaned_data["expires_in_days"]
        return None if value == NEVER else int(value)


# "mou.agreement:12": an object's kind and number, as the audit page's "History" links write it.
OBJECT_REFERENCE = re.compile(r"^(?P<label>[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*):(?P<pk>[0-9]{1,18})$")


class AuditFilterForm(forms.Form):
    # Choices from the lists the page was given (read once), rather than a query per field and per check.
    person = forms.ChoiceField(label=_("Person"), required=False)
    agency = forms.ChoiceField(label=_("Agency"), required=False)
    object = forms.CharField(
        label=_("Object"), required=False, max_length=120,
        help_text=_("Follow a “History” link below, or write the object as shown there, like mou.agreement:12."),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *AuditEntry.Kind.choices])
    since = DayField(label=_("From"), required=False)
    until = DayField(label=_("To"), required=False)

    def __init__(self, *args, people: Iterable[User], agencies: Iterable[Agency], **kwargs) -> None:
        super().__init__(*args, auto_id="filter-%s", **kwargs)
        self.people = {person.username: person for person in people}
        self.agencies = {agency.acronym: agency for agency in agencies}
        self.fields["person"].choices = [("", _("Anyone"))] + [
            (username, f"{person} ({person.agency.local_acronym})" if person.agency else str(person))
            for username, person in self.people.items()
        ]
        self.fields["agency"].choices = [("", _("Any agency"))] + [
            (acronym, f"{agency.local_acronym} — {agency.name}") for acronym, agency in self.agencies.items()
        ]

    def clean_person(self) -> User | None:
        return self.people.get(self.cleaned_data["person"])

    def clean_agency(self) -> Agency | None:
        return self.agencies.get(self.cleaned_data["agency"])

    def clean_object(self) -> tuple[str, int] | None:
        value = self.cleaned_data["object"].strip()
        if not value:
            return None
        match = OBJECT_REFERENCE.match(value)
        if match is None:
            raise forms.ValidationError(_("Write the object as its kind and number, like mou.agreement:12."))
        return match["label"], int(match["pk"])

    def clean(self) -> dict:
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("The end of the period cannot be before its start."))
        return data

    def filters(self) -> dict:
        """The selector's arguments; days are whole days in the reader's time zone."""
        data = self.cleaned_data

        def start_of(day: datetime.date | None) -> datetime.datetime | None:
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)) if day else None

        until = data.get("until")
        return {
            "person": data.get("person"),
            "agency": data.get("agency"),
            "object_ref": data.get("object"),
            "kind": data.get("kind", ""),
            "since": start_of(data.get("since")),
            "until": start_of(until + datetime.timedelta(days=1)) if until else None,
        }
