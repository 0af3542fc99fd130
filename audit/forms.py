import datetime
import re
from collections.abc import Iterable

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Agency, User
from taskforce.forms import DayField

from .models import AuditEntry

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
