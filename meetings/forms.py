"""HTML forms of the meeting cycle. They parse and shape input; the services decide what is allowed.

Choices come from querysets scoped to the actor (nobody is offered an agency, person or item they may not
see), and a service's ValidationError lands on the form with `add_service_error`.
"""

import datetime
import uuid
import zoneinfo

from django import forms
from django.core import validators as django_validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from members.models import Agency, Classification, User, known_time_zones
from taskforce import permissions
from taskforce import selectors as core_selectors
from taskforce.dates import date_format
from taskforce.forms import AgenciesChoiceField, AgencyChoiceField, DayField
from taskforce.models import Body

from .models import (
    MESSAGE_MAX_LENGTH,
    ActionItem,
    AgendaItem,
    Attendance,
    Guest,
    ItemKind,
    MeetingSeries,
    Rsvp,
    SentReminder,
    StandingItem,
)

# Offered first in every time zone list: where the task force's members work.
COMMON_TIME_ZONES = [
    ("America/Toronto", _("Ottawa, Toronto (Eastern)")),
    ("America/New_York", _("Washington, New York (Eastern)")),
    ("America/Vancouver", _("Vancouver (Pacific)")),
    ("America/Chicago", _("Chicago, Winnipeg (Central)")),
    ("America/Los_Angeles", _("Los Angeles, Seattle (Pacific)")),
    ("America/Halifax", _("Halifax (Atlantic)")),
    ("UTC", _("Coordinated Universal Time")),
]


def time_zone_choices() -> list:
    common = {zone for zone, _label in COMMON_TIME_ZONES}
    rest = sorted(zone for zone in known_time_zones() if "/" in zone and zone not in common)
    return [
        (_("Common time zones"), [(zone, f"{zone} — {label}") for zone, label in COMMON_TIME_ZONES]),
        (_("All time zones"), [(zone, zone) for zone in rest]),
    ]


def body_agencies(actor: User, body: Body):
    return core_selectors.body_agencies(actor=actor, body=body)


def body_people(actor: User, body: Body):
    members = core_selectors.member_list(actor=actor).filter(memberships__body=body)
    return members.prefetch_related(None).order_by("agency__acronym", "last_name", "first_name")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person: User) -> str:
        return f"{person} ({person.agency.local_acronym})" if person.agency_id else str(person)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person: User) -> str:
        return f"{person} ({person.agency.local_acronym})" if person.agency_id else str(person)


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, item: AgendaItem) -> str:
        return f"{item.number}. {item.title}"


# Dates and times -------------------------------------------------------------------------------------


class LocalDateTimeField(forms.Field):
    """A wall-clock date and time, with no zone yet: the form's time zone field says where it is."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages = {"invalid": _("Enter a date and time, for example 2021-12-17 11:00.")}

    def to_python(self, value) -> datetime.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.replace(tzinfo=None)
        try:
            parsed = datetime.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if parsed.tzinfo is not None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed.replace(second=0, microsecond=0)


def in_zone(local: datetime.datetime, zone_name: str) -> datetime.datetime:
    """The moment a wall-clock time names in a zone; refuses the times a clock change skips or repeats."""
    zone = zoneinfo.ZoneInfo(zone_name)
    aware = local.replace(tzinfo=zone)
    if aware.utcoffset() == aware.replace(fold=1).utcoffset():
        return aware
    shown = date_format(local, "DATETIME_FORMAT")
    if aware.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise ValidationError(
            _("%(time)s does not exist in %(zone)s: the clocks move forward an hour that night. Choose another time.")
            % {"time": shown, "zone": zone_name},
            code="nonexistent",
        )
    raise ValidationError(
        _("%(time)s happens twice in %(zone)s: the clocks go back an hour that night. "
          "Choose a time outside that hour.") % {"time": shown, "zone": zone_name},
        code="ambiguous",
    )


def wall_time(moment: datetime.datetime, zone_name: str) -> datetime.datetime:
    """A stored moment as the wall-clock time of `zone_name`, for a form's initial value."""
    return moment.astimezone(zoneinfo.ZoneInfo(zone_name)).replace(tzinfo=None)


class TimedForm(forms.Form):
    """Turns the local `start_field` and `end_field` into aware datetimes in the chosen time zone."""

    time_fields = ("start", "end")

    def clean(self) -> dict:
        cleaned = super().clean()
        zone = cleaned.get("time_zone")
        for name in self.time_fields:
            local = cleaned.get(name)
            if zone and local is not None:
                try:
                    cleaned[name] = in_zone(local, zone)
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned


# Schedule --------------------------------------------------------------------------------------------


class MeetingDetailsForm(TimedForm):
    """What a meeting and a regular meeting both ask: titles, time zone, host, place, link and invitees."""

    title_en = forms.CharField(label=_("Title (English)"), max_length=300)
    title_fr = forms.CharField(label=_("Title (French)"), max_length=300, required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    host_agency = AgencyChoiceField(label=_("Host"), queryset=Agency.objects.none(), required=False)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    virtual_link = forms.URLField(
        label=_("Virtual meeting link"), max_length=500, required=False, assume_scheme="https"
    )
    invite_agencies = AgenciesChoiceField(
        label=_("Invite agencies"), queryset=Agency.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Everyone in an invited agency is invited."),
    )
    invite_people = PeopleChoiceField(
        label=_("Invite people by name"), queryset=User.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, actor: User, body: Body, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host_agency"].queryset = body_agencies(actor, body)
        self.fields["invite_agencies"].queryset = body_agencies(actor, body)
        self.fields["invite_people"].queryset = body_people(actor, body)


AGENDA_SOURCES = [
    ("", _("An empty agenda")),
    ("template", _("The body's agenda template (its standing items)")),
    ("last", _("A copy of the last meeting's agenda (items, presenters, restrictions; not papers or minutes)")),
]


class MeetingForm(MeetingDetailsForm):
    """Schedule a meeting, or edit and reschedule one (`editing=True` asks for the reason)."""

    field_order = ("title_en", "title_fr", "start", "end", "time_zone", "host_agency", "place", "virtual_link",
                   "invite_agencies", "invite_people", "reason", "reminder_message_en", "reminder_message_fr",
                   "agenda_from")
    agenda_from = forms.ChoiceField(
        label=_("The agenda starts from"), choices=AGENDA_SOURCES, required=False, widget=forms.RadioSelect,
    )

    start = LocalDateTimeField(label=_("Starts"), help_text=_("Local date and time in the meeting's time zone."))
    end = LocalDateTimeField(label=_("Ends"), help_text=_("Local date and time in the meeting's time zone."))
    reason = forms.CharField(
        label=_("Reason for the change"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the meeting moves; invitees see it."),
    )
    reminder_message_en = forms.CharField(
        label=_("Text of the reminders (English)"), required=False, max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: shown on top of the reminders sent before the meeting and to those who have not "
                    "answered, in each reader's language. Give it in French too, or leave both empty."),
    )
    reminder_message_fr = forms.CharField(
        label=_("Text of the reminders (French)"), required=False, max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, actor: User, body: Body, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, actor=actor, body=body, **kwargs)
        if not editing:
            del self.fields["reason"]
            del self.fields["reminder_message_en"], self.fields["reminder_message_fr"]
        else:
            del self.fields["agenda_from"]

    def meeting_fields(self) -> dict:
        data = self.cleaned_data
        names = ("title_en", "title_fr", "start", "end", "time_zone", "host_agency", "place", "virtual_link",
                 "reminder_message_en", "reminder_message_fr")
        return {name: data[name] for name in names if name in self.fields}


class SeriesForm(MeetingDetailsForm):
    """A regular meeting: the first occurrence, and how it repeats."""

    time_fields = ("first_start", "first_end")
    field_order = ("title_en", "title_fr", "first_start", "first_end", "time_zone", "frequency", "interval", "count",
                   "host_agency", "place", "virtual_link", "invite_agencies", "invite_people")

    first_start = LocalDateTimeField(label=_("First meeting starts"))
    first_end = LocalDateTimeField(label=_("First meeting ends"))
    frequency = forms.ChoiceField(
        label=_("Repeats"), choices=MeetingSeries.Frequency.choices, widget=forms.RadioSelect,
        initial=MeetingSeries.Frequency.MONTHLY,
    )
    interval = forms.IntegerField(
        label=_("Every"), min_value=1, max_value=12, initial=1,
        help_text=_("1 for every week or month, 2 for every other one, and so on."),
    )
    count = forms.IntegerField(label=_("Number of meetings"), min_value=1, max_value=60, initial=6)
    agenda_from = forms.ChoiceField(
        label=_("Each meeting's agenda starts from"), choices=AGENDA_SOURCES[:2], required=False,
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("first_start"), cleaned.get("first_end")
        if start and end and end <= start:
            self.add_error("first_end", _("The meeting must end after it starts."))
        return cleaned

    def series_fields(self) -> dict:
        data = self.cleaned_data
        names = ("title_en", "title_fr", "time_zone", "frequency", "interval", "count", "host_agency", "place",
                 "virtual_link", "invite_agencies", "invite_people", "agenda_from")
        return {
            **{name: data[name] for name in names},
            "first_start": data["first_start"],
            "duration": data["first_end"] - data["first_start"],
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Invitees see it."),
    )


# Agenda ----------------------------------------------------------------------------------------------


class AgendaItemForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ItemKind.choices, initial=ItemKind.ITEM, widget=forms.RadioSelect, required=False,
        help_text=_("A break takes time but no papers or comments; a review of action items lists the body's open "
                    "action items from earlier meetings."),
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=300)
    title_fr = forms.CharField(label=_("Title (French)"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    description_fr = forms.CharField(
        label=_("Description (French)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    presenter = PersonChoiceField(label=_("Presenter"), queryset=User.objects.none(), required=False)
    presenter_agency = AgencyChoiceField(
        label=_("Presenting agency"), queryset=Agency.objects.none(), required=False
    )
    minutes_allotted = forms.IntegerField(label=_("Time allotted (minutes)"), min_value=1, max_value=600, initial=10)
    restricted_to = AgenciesChoiceField(
        label=_("Restrict to these agencies"), queryset=Agency.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave every box empty to share the item with the whole body."),
    )
    # The version the edit started from: a save from an older one is refused, never applied over another's.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, actor: User, body: Body, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["presenter"].queryset = body_people(actor, body)
        self.fields["presenter_agency"].queryset = body_agencies(actor, body)
        self.fields["restricted_to"].queryset = body_agencies(actor, body)

    def item_fields(self) -> dict:
        data = self.cleaned_data
        names = (
            "kind", "title_en", "title_fr", "description", "description_fr",
            "presenter", "presenter_agency", "minutes_allotted",
        )
        return {name: data[name] for name in names} | {"kind": data["kind"] or ItemKind.ITEM}


class AgendaStartForm(forms.Form):
    source = forms.ChoiceField(label=_("Start the agenda from"), choices=AGENDA_SOURCES[1:], widget=forms.RadioSelect)


class StandingItemForm(forms.ModelForm):
    class Meta:
        model = StandingItem
        fields = ("kind", "title_en", "title_fr", "description", "description_fr", "presenter_agency",
                  "minutes_allotted")
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "description_fr": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "kind": _("Kind"), "title_en": _("Title (English)"), "title_fr": _("Title (French)"),
            "description": _("Description (English)"), "description_fr": _("Description (French)"),
            "presenter_agency": _("Presenting agency"), "minutes_allotted": _("Time allotted (minutes)"),
        }

    def __init__(self, *args, agencies=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["presenter_agency"] = AgencyChoiceField(
            label=_("Presenting agency"), queryset=agencies if agencies is not None else Agency.objects.none(),
            required=False,
        )
        self.fields["minutes_allotted"].min_value = 1
        self.fields["minutes_allotted"].max_value = 600
        self.fields["minutes_allotted"].validators += [
            django_validators.MinValueValidator(1), django_validators.MaxValueValidator(600),
        ]
        self.fields["minutes_allotted"].widget.attrs.update(min=1, max=600)

    def standing_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class BaseStandingItemFormSet(forms.BaseFormSet):
    def __init__(self, *args, agencies=None, **kwargs) -> None:
        self.agencies = agencies
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "agencies": self.agencies}

    def standing_items(self) -> list[dict]:
        """The kept rows in the order asked (ORDER), blank extra rows and rows ticked for deletion left out."""
        rows = [
            form for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed())
            and not self._should_delete_form(form) and form.cleaned_data
        ]
        rows.sort(key=lambda form: (form.cleaned_data.get("ORDER") or 10_000, self.forms.index(form)))
        return [form.standing_fields() for form in rows]


StandingItemFormSet = forms.formset_factory(
    StandingItemForm, formset=BaseStandingItemFormSet, extra=2, can_delete=True, can_order=True,
    max_num=50, validate_max=True, absolute_max=60,
)


class TemplateVersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Move"), choices=[("up", _("Up")), ("down", _("Down"))], required=False
    )
    position = forms.IntegerField(label=_("New position"), min_value=1, required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("direction") and not cleaned.get("position"):
            raise ValidationError(_("Say where the item goes."))
        return cleaned


class PaperForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    file = forms.FileField(
        label=_("File"), help_text=_("PDF, Word, Excel, PowerPoint, PNG, JPEG, text or CSV."),
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx,.xlsx,.pptx,.png,.jpg,.jpeg,.txt,.csv"}),
    )
    classification = forms.TypedChoiceField(
        label=_("Classification"), coerce=int, help_text=_("Nobody cleared below this marking will see the paper."),
    )

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["classification"].choices = permissions.markings_for(actor)
        self.fields["classification"].initial = Classification.UNCLASSIFIED


class PaperReplaceForm(forms.Form):
    # The version the replacement is based on: one based on an older version is refused, nothing overwritten.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    file = forms.FileField(
        label=_("New version"), help_text=_("PDF, Word, Excel, PowerPoint, PNG, JPEG, text or CSV."),
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx,.xlsx,.pptx,.png,.jpg,.jpeg,.txt,.csv"}),
    )
    title = forms.CharField(
        label=_("New title"), max_length=300, required=False, help_text=_("Leave it empty to keep the title."),
    )


# Review ----------------------------------------------------------------------------------------------


class PackageForm(forms.Form):
    """Asking for one's meeting package: nothing to fill in."""


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Your comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


def _saying_how(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # "Attending", without how, is what a calendar app's Accept records; the portal asks how.
    return [choice for choice in choices if choice[0] != Rsvp.Response.ATTENDING]


class RsvpForm(forms.Form):
    response = forms.ChoiceField(
        label=_("Will you attend?"), choices=_saying_how(Rsvp.Response.choices), widget=forms.RadioSelect
    )
    delegate = PersonChoiceField(
        label=_("Delegate"), queryset=User.objects.none(), required=False,
        help_text=_("Only when sending a delegate: another member of your agency."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        colleagues = core_selectors.member_list(actor=actor).prefetch_related(None)
        self.fields["delegate"].queryset = colleagues.filter(agency_id=actor.agency_id).exclude(pk=actor.pk)


class GuestForm(forms.Form):
    """Someone outside the member agencies, invited to this meeting alone. The service checks it all again."""

    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email address"), max_length=254)
    language = forms.ChoiceField(
        label=_("Language of their emails and page"), choices=Guest.Language.choices, initial=Guest.Language.ENGLISH
    )
    organisation = forms.CharField(
        label=_("Organisation"), max_length=200, required=False,
        help_text=_("Optional: U.S. Embassy in Ottawa, for instance."),
    )


class GuestAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Will you attend?"), choices=_saying_how(Guest.Answer.choices), widget=forms.RadioSelect
    )


# Hold and record -------------------------------------------------------------------------------------


class AttendanceForm(forms.Form):
    """One row per person who may have attended: present or not, and how; then one per guest."""

    def __init__(
        self, *args, people: list[User], recorded: dict[int, str], guests: list[Guest] = (), **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        self.guests = list(guests)
        for guest in self.guests:
            self.fields[f"guest_present_{guest.pk}"] = forms.BooleanField(
                label=_("%(guest)s (guest)") % {"guest": guest}, required=False, initial=guest.attended,
            )
            self.fields[f"guest_mode_{guest.pk}"] = forms.ChoiceField(
                label=_("How %(person)s attended") % {"person": guest.name}, choices=Attendance.Mode.choices,
                initial=guest.attended_mode or Attendance.Mode.IN_PERSON, required=False,
            )
        for person in people:
            self.fields[f"present_{person.pk}"] = forms.BooleanField(
                label=f"{person} ({person.agency.local_acronym if person.agency_id else '—'})",
                required=False, initial=person.pk in recorded,
            )
            self.fields[f"mode_{person.pk}"] = forms.ChoiceField(
                label=_("How %(person)s attended") % {"person": person}, choices=Attendance.Mode.choices,
                initial=recorded.get(person.pk, Attendance.Mode.IN_PERSON), required=False,
            )

    def rows(self) -> list[tuple[User, forms.BoundField, forms.BoundField]]:
        return [(p, self[f"present_{p.pk}"], self[f"mode_{p.pk}"]) for p in self.people]

    def present(self) -> dict[User, str]:
        data = self.cleaned_data
        return {
            p: data[f"mode_{p.pk}"] or Attendance.Mode.IN_PERSON for p in self.people if data.get(f"present_{p.pk}")
        }

    def guest_rows(self) -> list[tuple[Guest, forms.BoundField, forms.BoundField]]:
        return [(g, self[f"guest_present_{g.pk}"], self[f"guest_mode_{g.pk}"]) for g in self.guests]

    def guests_present(self) -> dict[int, str]:
        data = self.cleaned_data
        return {
            g.pk: data[f"guest_mode_{g.pk}"] or Attendance.Mode.IN_PERSON
            for g in self.guests if data.get(f"guest_present_{g.pk}")
        }


class MinutesForm(forms.Form):
    """The minutes of each item, one text box per item."""

    def __init__(self, *args, items: list[AgendaItem], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.CharField(
                label=f"{item.number}. {item.title}", required=False, initial=item.minutes,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def minutes(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data[f"item_{item.pk}"] for item in self.items}


class MinutesCirculateForm(forms.Form):
    comments_until = DayField(
        label=_("Comments until"),
        help_text=_("Attendees comment until the end of this day, in the meeting's time zone."),
    )


class MinutesCommentForm(forms.Form):
    item = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    text = forms.CharField(label=_("Your comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, items: list[AgendaItem], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = {item.pk: item for item in items}
        self.fields["item"].choices = [(item.pk, item.pk) for item in items]

    def commented_item(self) -> AgendaItem:
        return self.items[self.cleaned_data["item"]]


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}))
    item = ItemChoiceField(label=_("Source item"), queryset=AgendaItem.objects.none(), required=False)

    def __init__(self, *args, items, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items


class ActionItemForm(forms.Form):
    text = forms.CharField(label=_("Action"), widget=forms.Textarea(attrs={"rows": 3}))
    owner_agency = AgencyChoiceField(label=_("Owner agency"), queryset=Agency.objects.none())
    owner = PersonChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False,
        help_text=_("A member of the owner agency; leave empty to leave it to the agency."),
    )
    due_date = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    item = ItemChoiceField(label=_("Source item"), queryset=AgendaItem.objects.none(), required=False)

    def __init__(self, *args, actor: User, body: Body, items, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = body_agencies(actor, body)
        self.fields["owner"].queryset = body_people(actor, body)
        self.fields["item"].queryset = items


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionItem.Status.choices)


# Follow up -------------------------------------------------------------------------------------------


class RegisterFilterForm(forms.Form):
    body = forms.ModelChoiceField(
        label=_("Body"), queryset=Body.objects.none(), required=False, to_field_name="acronym",
        empty_label=_("Any body"),
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=Agency.objects.none(), required=False, to_field_name="acronym",
        empty_label=_("Any agency"),
    )
    owner = PersonChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, to_field_name="username",
        empty_label=_("Anyone"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any status")), *ActionItem.Status.choices],
                               required=False)
    due_from = forms.DateField(label=_("Due from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    due_to = forms.DateField(label=_("Due to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = core_selectors.body_list(actor=actor)
        self.fields["agency"].queryset = core_selectors.agency_list(actor=actor).prefetch_related(None)
        self.fields["owner"].queryset = core_selectors.member_list(actor=actor).prefetch_related(None)

    def filters(self) -> dict:
        """The filters that are valid; an invalid one is reported on the form and left out."""
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or None for name in ("body", "agency", "owner", "status", "due_from", "due_to")}


# Reminders the secretariat aims ----------------------------------------------------------------------------------


class RemindForm(forms.Form):
    """Remind some of a meeting's invitees now: those who have not answered, or the people ticked (members and
    guests, each shown with their answer), with an optional message in English and French. `key` is made when the
    form is drawn: the button pressed twice sends the reminder once. The service checks it all again."""

    audience = forms.ChoiceField(label=_("Remind"), widget=forms.RadioSelect)
    people = forms.MultipleChoiceField(label=_("Members invited"), required=False, widget=forms.CheckboxSelectMultiple)
    guests = forms.MultipleChoiceField(label=_("Guests"), required=False, widget=forms.CheckboxSelectMultiple)
    message_en = forms.CharField(
        label=_("Message in English"), required=False, max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: shown on top of the reminder to those who read English. Give it in French too."),
    )
    message_fr = forms.CharField(
        label=_("Message in French"), required=False, max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on top of the reminder to those who read French."),
    )
    key = forms.RegexField(
        regex=r"\A[A-Za-z0-9_-]{8,64}\Z", widget=forms.HiddenInput, max_length=64,
        error_messages={
            "invalid": _("This form's key is not valid: reload the page and send the reminder again."),
            "required": _("This form's key is missing: reload the page and send the reminder again."),
        },
    )

    def __init__(
        self, *args, people: list[User], answers: dict[int, Rsvp], guests: list[Guest], **kwargs
    ) -> None:
        kwargs.setdefault("auto_id", "remind_%s")
        super().__init__(*args, **kwargs)
        self.people = {str(person.pk): person for person in people}
        self.guest_rows = {str(guest.pk): guest for guest in guests}
        waiting = [p for p in people if p.pk not in answers] + [g for g in guests if g.answer is None]
        self.fields["audience"].choices = [
            (SentReminder.Audience.UNANSWERED,
             _("Invitees who have not answered (%(count)s)") % {"count": len(waiting)}),
            (SentReminder.Audience.CHOSEN, _("The people I tick")),
        ]
        self.fields["audience"].initial = SentReminder.Audience.UNANSWERED
        self.fields["people"].choices = [(pk, _person_answer(p, answers.get(p.pk))) for pk, p in self.people.items()]
        self.fields["guests"].choices = [(pk, _guest_answer(g)) for pk, g in self.guest_rows.items()]
        self.fields["key"].initial = uuid.uuid4().hex

    def chosen_people(self) -> list[User]:
        return [self.people[pk] for pk in self.cleaned_data["people"]]

    def chosen_guests(self) -> list[Guest]:
        return [self.guest_rows[pk] for pk in self.cleaned_data["guests"]]


def _person_answer(person: User, answer: Rsvp | None) -> str:
    agency = person.agency.local_acronym if person.agency_id else "—"
    said = answer.get_response_display() if answer else _("no answer yet")
    return f"{person} ({agency}) — {said}"


def _guest_answer(guest: Guest) -> str:
    said = guest.get_answer_display() if guest.answer else _("no answer yet")
    return _("%(guest)s (guest) — %(answer)s") % {"guest": guest, "answer": said}
