"""The meetings API's serializers: input ones that validate and hand clean values to the services, output ones
that shape what the caller may see. None of them saves anything.

Related objects in input are named as people read them (an agency's acronym, a person's username) and looked
up among those the caller may see: a hidden one is refused exactly like one that does not exist.
"""

import datetime

from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from members.models import Agency, Classification, User
from taskforce import parsing, permissions
from taskforce.api import DayField, TextField
from taskforce.models import Body

from .models import (
    MESSAGE_MAX_LENGTH,
    ActionItem,
    AgendaItem,
    AgendaPackage,
    Comment,
    Decision,
    Guest,
    ItemKind,
    Meeting,
    MinutesComment,
    Paper,
    PaperVersion,
    Rsvp,
    SentReminder,
    SentReminderRecipient,
    StandingItem,
    TimeProposal,
)

# Input -----------------------------------------------------------------------------------------------


class VisibleSlugField(serializers.SlugRelatedField):
    """An object named by a slug, among those the caller may see."""

    def get_queryset(self):
        return permissions.scope(self.context["request"].user, super().get_queryset())


def agencies_field(**kwargs) -> VisibleSlugField:
    return VisibleSlugField(slug_field="acronym", queryset=Agency.objects.all(), **kwargs)


def people_field(**kwargs) -> VisibleSlugField:
    return VisibleSlugField(slug_field="username", queryset=User.objects.all(), **kwargs)


# The days a meeting may be held on (the service refuses others), as the schema states them: the date an instant is
# written with, from 1900 to 2199, as the API's days (parsing.DAY_PATTERN).
MOMENT_PATTERN = parsing.DAY_PATTERN.removesuffix("$") + "T"


@extend_schema_field({"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN})
class MomentField(serializers.DateTimeField):
    """An instant in ISO 8601 with its offset (`Z` for UTC): a bare wall time names no instant."""

    default_error_messages = {"naive": _("Give the offset from UTC too, for example 2026-03-02T15:00:00Z.")}

    def __init__(self, **kwargs) -> None:
        super().__init__(default_timezone=datetime.UTC, **kwargs)

    def to_internal_value(self, value) -> datetime.datetime:
        moment = super().to_internal_value(value)
        if isinstance(value, str) and parse_datetime(value).tzinfo is None:
            self.fail("naive")
        return moment


class MeetingFieldsInput(serializers.Serializer):
    """What the secretariat sets on a meeting; the service checks it against the body."""

    title_en = TextField(max_length=300)
    title_fr = TextField(max_length=300, required=False, allow_blank=True)
    start = MomentField()
    end = MomentField()
    time_zone = TextField(
        max_length=64, help_text=_("The IANA zone the meeting is held in, for example America/Toronto.")
    )
    host_agency = agencies_field(required=False, allow_null=True)
    place = TextField(max_length=300, required=False, allow_blank=True)
    virtual_link = serializers.URLField(max_length=500, required=False, allow_blank=True)
    invite_agencies = agencies_field(
        many=True, required=False, help_text=_("Everyone in an invited agency is invited.")
    )
    invite_people = people_field(many=True, required=False)


AGENDA_SOURCES = [("template", _("The body's agenda template")), ("last", _("A copy of the last meeting's agenda"))]


class MeetingScheduleInput(MeetingFieldsInput):
    body = VisibleSlugField(slug_field="acronym", queryset=Body.objects.all())
    agenda_from = serializers.ChoiceField(
        choices=AGENDA_SOURCES, required=False,
        help_text=_("Start the agenda from the body's template or from a copy of its last meeting's agenda (items, "
                    "presenters, restrictions; not papers or minutes); empty when not sent."),
    )


class AgendaStartInput(serializers.Serializer):
    source = serializers.ChoiceField(choices=AGENDA_SOURCES)


class MeetingUpdateInput(MeetingFieldsInput):
    """Only the fields sent change; moving the meeting (start, end or time zone) needs a reason."""

    reason = TextField(
        required=False, allow_blank=True, help_text=_("Needed when the meeting moves; invitees see it.")
    )
    reminder_message_en = TextField(
        max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True,
        help_text=_("Shown on top of the meeting's scheduled reminders to those who read English; give "
                    "`reminder_message_fr` too, or leave both empty."),
    )
    reminder_message_fr = TextField(
        max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True,
        help_text=_("The same text, for those who read French."),
    )

    def get_fields(self) -> dict:
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


class ReasonInput(serializers.Serializer):
    reason = TextField(help_text=_("Invitees see it."))


class MinutesInput(serializers.Serializer):
    minutes = serializers.DictField(
        child=TextField(allow_blank=True, trim_whitespace=False),
        help_text=_("The minutes of each item, keyed by the item's id."),
    )

    def validate_minutes(self, minutes: dict) -> dict[int, str]:
        ids = {key: parsing.object_id(key) for key in minutes}
        if None in ids.values():
            raise serializers.ValidationError(_("Key the minutes by item id."))
        return {ids[key]: text for key, text in minutes.items()}


class AgendaItemInput(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=ItemKind.choices, required=False,
        help_text=_("item; break (time but no papers, comments or restriction); actions (the review of the body's "
                    "open action items from earlier meetings)."),
    )
    title_en = TextField(max_length=300)
    title_fr = TextField(max_length=300, required=False, allow_blank=True)
    description = TextField(
        required=False, allow_blank=True, help_text=_("The description in English.")
    )
    description_fr = TextField(required=False, allow_blank=True)
    presenter = people_field(required=False, allow_null=True)
    presenter_agency = agencies_field(required=False, allow_null=True)
    minutes_allotted = serializers.IntegerField(min_value=1, max_value=600, required=False)
    restricted_to = agencies_field(
        many=True, required=False,
        help_text=_("The agencies that may see the item; an empty list shares it with the whole body."),
    )

    def item_fields(self) -> dict:
        """The item's own fields, apart from its sharing."""
        return {name: value for name, value in self.validated_data.items() if name not in ("restricted_to", "version")}


class AgendaItemUpdateInput(AgendaItemInput):
    """Only the fields sent change. `version` is the one the edit started from: a save from an older one is
    refused (409), never applied over someone else's."""

    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)

    def get_fields(self) -> dict:
        fields = super().get_fields()
        for name, field in fields.items():
            field.required = name == "version"
        return fields


class MoveInput(serializers.Serializer):
    position = serializers.IntegerField(min_value=1, max_value=10_000, help_text=_("The new 1-based position."))


class CommentInput(serializers.Serializer):
    text = TextField(max_length=5000)


# Output ----------------------------------------------------------------------------------------------
#
# Two of them also read input, the one field a client sends back being the one they show: an RSVP, and an
# action item's status.


class UtcField(serializers.DateTimeField):
    """Instants in UTC, whatever the server's zone."""

    def __init__(self, **kwargs) -> None:
        super().__init__(default_timezone=datetime.UTC, read_only=True, **kwargs)


def acronym(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="acronym", read_only=True, **kwargs)


def username(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="username", read_only=True, **kwargs)


class RsvpSerializer(serializers.ModelSerializer):
    """The caller's answer to an invitation; also what they send to answer."""

    response = serializers.ChoiceField(choices=Rsvp.Response.choices)
    delegate = people_field(
        required=False, allow_null=True, help_text=_("Only when sending a delegate: another member of your agency.")
    )
    note = TextField(max_length=500, required=False, allow_blank=True)
    updated_at = UtcField()

    class Meta:
        model = Rsvp
        fields = ["meeting", "response", "delegate", "note", "updated_at"]
        read_only_fields = ["meeting"]


class ResponseSerializer(serializers.ModelSerializer):
    """An invitee's answer, as the meeting page's responses list shows it."""

    person = username(source="user")
    name = serializers.SerializerMethodField()
    agency = serializers.SerializerMethodField()
    delegate = username(allow_null=True)
    from_calendar = serializers.SerializerMethodField(
        help_text=_("Whether the answer came from the invitee's calendar app (a reply to the invitation's email).")
    )
    updated_at = UtcField()

    class Meta:
        model = Rsvp
        fields = ["person", "name", "agency", "response", "delegate", "note", "from_calendar", "updated_at"]

    def get_name(self, answer: Rsvp) -> str:
        return str(answer.user)

    def get_agency(self, answer: Rsvp) -> str | None:
        return answer.user.agency.acronym if answer.user.agency else None

    def get_from_calendar(self, answer: Rsvp) -> bool:
        return answer.reply_stamp is not None


class TimeProposalSerializer(serializers.ModelSerializer):
    """Another time an invitee proposed from their calendar app: for the secretariat to weigh, never applied."""

    proposed_by = serializers.SerializerMethodField(help_text=_("The member's username, or the guest's name."))
    agency = serializers.SerializerMethodField(help_text=_("The member's agency; null for a guest."))
    start = UtcField()
    end = UtcField()
    received_at = UtcField()
    made_before_last_change = serializers.SerializerMethodField(
        help_text=_("Whether the meeting has changed since the proposal was made (it answered an earlier time).")
    )

    class Meta:
        model = TimeProposal
        fields = ["id", "proposed_by", "agency", "start", "end", "comment", "received_at", "made_before_last_change"]

    def get_proposed_by(self, proposal: TimeProposal) -> str:
        return proposal.user.username if proposal.user else proposal.guest.name

    def get_agency(self, proposal: TimeProposal) -> str | None:
        return proposal.user.agency.acronym if proposal.user and proposal.user.agency else None

    def get_made_before_last_change(self, proposal: TimeProposal) -> bool:
        return proposal.sequence < proposal.meeting.sequence


class InviteesSerializer(serializers.Serializer):
    agencies = serializers.ListField(child=TextField(), help_text=_("Invited agencies' acronyms."))
    people = serializers.ListField(child=TextField(), help_text=_("People invited by name: usernames."))


class MeetingSerializer(serializers.ModelSerializer):
    body = acronym()
    host_agency = acronym(allow_null=True)
    # A link, or empty for a meeting held in person only.
    virtual_link = TextField(read_only=True)
    start = UtcField()
    end = UtcField()
    agenda_circulated_at = UtcField(allow_null=True)
    minutes_approved_at = UtcField(allow_null=True)
    updated_at = UtcField()
    invitees = serializers.SerializerMethodField()
    my_rsvp = serializers.SerializerMethodField(help_text=_("The caller's answer to the invitation, if any."))

    class Meta:
        model = Meeting
        fields = [
            "id", "body", "title_en", "title_fr", "start", "end", "time_zone", "host_agency", "place",
            "virtual_link", "status", "change_reason", "sequence", "agenda_status", "agenda_circulated_at",
            "minutes_status", "minutes_approved_at", "invitees", "my_rsvp", "reminder_message_en",
            "reminder_message_fr", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RsvpSerializer(allow_null=True))
    def get_my_rsvp(self, meeting: Meeting) -> dict | None:
        mine = meeting.my_rsvps
        return RsvpSerializer(mine[0], context=self.context).data if mine else None

    @extend_schema_field(InviteesSerializer)
    def get_invitees(self, meeting: Meeting) -> dict:
        return {"agencies": meeting.invited_agencies, "people": meeting.invited_people}


class PaperSerializer(serializers.ModelSerializer):
    meeting = serializers.IntegerField(source="item.meeting_id", read_only=True)
    file_name = TextField(source="original_name", read_only=True)
    classification = serializers.ChoiceField(choices=Classification.choices, read_only=True)
    version = serializers.IntegerField(
        read_only=True, help_text=_("The current version's number, from 1; earlier ones are listed under `versions`.")
    )
    uploaded_at = UtcField()
    download_url = serializers.SerializerMethodField(help_text=_("The file, for those who may read it."))

    class Meta:
        model = Paper
        fields = [
            "id", "item", "meeting", "title", "file_name", "content_type", "size", "classification", "version",
            "uploaded_at", "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, paper: Paper) -> str:
        return self.context["request"].build_absolute_uri(reverse("paper-download", args=[paper.pk]))


class PaperVersionSerializer(serializers.ModelSerializer):
    """An earlier version of a paper, kept when it was replaced."""

    file_name = TextField(source="original_name", read_only=True)
    uploaded_by = username(allow_null=True, help_text=_("Who uploaded this version."))
    uploaded_at = UtcField()
    download_url = serializers.SerializerMethodField(help_text=_("This version's file."))

    class Meta:
        model = PaperVersion
        fields = ["number", "file_name", "content_type", "size", "uploaded_by", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, version: PaperVersion) -> str:
        address = reverse("api:paper-version-download", kwargs={"paper_pk": version.paper_id, "number": version.number})
        return self.context["request"].build_absolute_uri(address)


class PaperReplaceInput(serializers.Serializer):
    """A new version of a paper, from the `version` the caller read: a replacement based on an older one is refused
    (409), nothing overwritten. The marking stays the paper's."""

    file = serializers.FileField(help_text=_("PDF, Word, Excel, PowerPoint, PNG, JPEG, text or CSV."))
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    title = TextField(
        max_length=300, required=False, allow_blank=True,
        help_text=_("A new title; left out or empty, the title stays."),
    )


class AgendaItemSerializer(serializers.ModelSerializer):
    # What the caller reads of the agenda, never the stored order or flag, which count items hidden from them.
    position = serializers.IntegerField(
        source="number", read_only=True, help_text=_("The item's number among the items the caller may see, from 1.")
    )
    changed_after_circulation = serializers.BooleanField(
        source="changed_for_reader", read_only=True,
        help_text=_("Whether a change since the agenda was circulated touches what the caller may see."),
    )
    presenter = username(allow_null=True)
    presenter_agency = acronym(allow_null=True)
    minutes = serializers.SerializerMethodField(
        help_text=_("Members read the minutes once they are approved; the secretariat, as they are written.")
    )
    comment_count = serializers.IntegerField(read_only=True)
    papers = PaperSerializer(source="visible_papers", many=True, read_only=True)
    starts_at = UtcField(
        allow_null=True,
        help_text=_("When the item starts, from the meeting's start over the items the caller may see (each taking "
                    "its time allotted); null for a withdrawn item."),
    )
    ends_at = UtcField(allow_null=True, help_text=_("When the item ends; null for a withdrawn item."))
    updated_at = UtcField()

    class Meta:
        model = AgendaItem
        fields = [
            "id", "meeting", "position", "kind", "title_en", "title_fr", "description", "description_fr", "presenter",
            "presenter_agency", "minutes_allotted", "starts_at", "ends_at", "restricted", "withdrawn",
            "changed_after_circulation", "version", "minutes", "comment_count", "papers", "updated_at",
        ]
        read_only_fields = fields

    def get_minutes(self, item: AgendaItem) -> str | None:
        return item.minutes if self.context.get("minutes_readable") else None


class RecordSerializer(serializers.ModelSerializer):
    """A decision or action item. Its source agenda item is named (by id, never by its text) only to those who
    may see that item."""

    body = acronym(source="meeting.body")
    item = serializers.SerializerMethodField(help_text=_("The source agenda item, when the caller may see it."))
    created_at = UtcField()
    updated_at = UtcField()

    def get_item(self, record: Decision | ActionItem) -> int | None:
        return record.item_id if record.item_visible else None


class DecisionSerializer(RecordSerializer):
    class Meta:
        model = Decision
        fields = ["id", "meeting", "body", "item", "text", "restricted", "created_at", "updated_at"]
        read_only_fields = fields


class ActionItemSerializer(RecordSerializer):
    """An action item; a PATCH sends its `status`, the only field a client changes."""

    owner = username(allow_null=True)
    owner_agency = acronym()
    status = serializers.ChoiceField(choices=ActionItem.Status.choices)
    completed_at = UtcField(allow_null=True)

    class Meta:
        model = ActionItem
        fields = [
            "id", "meeting", "body", "item", "text", "owner", "owner_agency", "due_date", "status", "restricted",
            "completed_at", "created_at", "updated_at",
        ]
        # Everything but the status (the fields declared above are read-only already).
        read_only_fields = ["id", "meeting", "text", "due_date", "restricted"]


class CommentSerializer(serializers.ModelSerializer):
    author = username()
    created_at = UtcField()

    class Meta:
        model = Comment
        fields = ["id", "item", "author", "text", "created_at"]
        read_only_fields = fields


class StandingItemSerializer(serializers.ModelSerializer):
    """A standing item of a body's agenda template."""

    kind = serializers.ChoiceField(choices=ItemKind.choices, required=False)
    title_en = TextField(max_length=300)
    title_fr = TextField(max_length=300, required=False, allow_blank=True)
    description = TextField(required=False, allow_blank=True)
    description_fr = TextField(required=False, allow_blank=True)
    presenter_agency = agencies_field(required=False, allow_null=True)
    minutes_allotted = serializers.IntegerField(min_value=1, max_value=600, required=False)

    class Meta:
        model = StandingItem
        fields = ["kind", "title_en", "title_fr", "description", "description_fr", "presenter_agency",
                  "minutes_allotted"]


class AgendaTemplateSerializer(serializers.Serializer):
    """A body's agenda template: its standing items in order. `version` is the one an edit starts from: a save from
    an older one is refused (409), never applied over someone else's."""

    body = serializers.CharField(source="body.acronym", read_only=True)
    version = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    items = StandingItemSerializer(many=True, source="standing_items", max_length=50)
    updated_at = UtcField(allow_null=True)


class MinutesCirculateInput(serializers.Serializer):
    comments_until = DayField(help_text=_("Attendees comment until the end of this day, in the meeting's time zone."))


class MinutesCommentSerializer(serializers.ModelSerializer):
    """A comment on the draft minutes of an item: the secretariat reads them all, an attendee their own."""

    author = username()
    created_at = UtcField()

    class Meta:
        model = MinutesComment
        fields = ["id", "item", "author", "text", "created_at"]
        read_only_fields = fields


class MinutesCommentInput(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text=_("The agenda item's id."))
    text = TextField(max_length=5000)


class GuestSerializer(serializers.ModelSerializer):
    """A guest of the meeting from outside the member agencies, with their answer and attendance. Their email address
    is the secretariat's to read: null for anyone else."""

    email = serializers.EmailField(
        read_only=True, allow_null=True,
        help_text=_("The guest's email address: for the secretariat only, null for others."),
    )
    answer = serializers.CharField(
        read_only=True, allow_null=True,
        help_text=_(
            "`in_person`, `remote`, `attending` (accepted from a calendar app, which does not say how), `tentative` "
            "or `declined`; null until the guest answers."
        ),
    )
    answered_at = UtcField(allow_null=True)
    attended_mode = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("`in_person` or `remote`; null unless they attended."),
    )
    created_at = UtcField()

    class Meta:
        model = Guest
        fields = [
            "id", "meeting", "name", "organisation", "email", "language", "answer", "answered_at", "attended",
            "attended_mode", "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, guest: Guest) -> dict:
        shown = super().to_representation(guest)
        if not self.context.get("secretariat"):
            shown["email"] = None
        shown["attended_mode"] = guest.attended_mode or None
        return shown


class GuestInput(serializers.Serializer):
    name = TextField(max_length=200)
    email = serializers.EmailField(max_length=254)
    language = serializers.ChoiceField(choices=Guest.Language.choices, help_text=_("Of their emails and page."))
    organisation = TextField(max_length=200, required=False, allow_blank=True, default="")


class MeetingPackageSerializer(serializers.Serializer):
    """The caller's meeting package: the agenda and the papers they may read, in one PDF stamped with their name."""

    status = serializers.ChoiceField(
        choices=["none", *AgendaPackage.Status.values],
        help_text=_("none: not asked for yet (POST to prepare it); queued, building, ready or failed."),
    )
    papers_done = serializers.IntegerField(min_value=0, help_text=_("Papers in so far, while it is being prepared."))
    papers_total = serializers.IntegerField(min_value=0, help_text=_("Papers it holds."))
    page_count = serializers.IntegerField(allow_null=True, min_value=1, help_text=_("Pages, once it is ready."))
    built_at = UtcField(allow_null=True)
    download_url = serializers.URLField(allow_null=True, help_text=_("The PDF, once it is ready."))

    @staticmethod
    def of(wanted, request) -> dict:
        package = wanted.package
        ready = package is not None and package.status == AgendaPackage.Status.READY
        url = reverse("api:meeting-package-download", args=[package.meeting_id]) if ready else None
        return {
            "status": package.status if package else "none",
            "papers_done": package.papers_done if package else 0,
            "papers_total": wanted.papers_total,
            "page_count": package.page_count if ready else None,
            "built_at": package.built_at if ready else None,
            "download_url": request.build_absolute_uri(url) if url else None,
        }


# Reminders the secretariat aims ----------------------------------------------------------------------------------


class RemindInput(serializers.Serializer):
    audience = serializers.ChoiceField(
        choices=SentReminder.Audience.choices,
        help_text=_("unanswered: the invitees (members and guests) who have not answered; chosen: those named in "
                    "`people` and `guests`, who must be invitees of the meeting."),
    )
    people = people_field(
        many=True, required=False, help_text=_("With `chosen`: the members to remind, by username.")
    )
    guests = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=parsing.LARGEST_ID), required=False,
        help_text=_("With `chosen`: the meeting's guests to remind, by id."),
    )
    message_en = TextField(
        max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True,
        help_text=_("On top of the reminder, for those who read English; give `message_fr` too, or neither."),
    )
    message_fr = TextField(
        max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True,
        help_text=_("On top of the reminder, for those who read French."),
    )
    key = TextField(
        required=False, max_length=64, validators=[RegexValidator(r"^[A-Za-z0-9_-]{8,64}$", message=_(
            "A key is 8 to 64 letters, digits, hyphens or underscores."
        ))],
        help_text=_("Makes the call once: another call with the same key sends nothing more and answers with the "
                    "reminder the first one sent. Without it, each call sends a reminder of its own."),
    )

    def validate_guests(self, ids: list[int]) -> list[Guest]:
        """Among the meeting's guests (the caller sees them all: only its secretariat reminds)."""
        meeting = self.context["meeting"]
        found = list(permissions.scope(self.context["request"].user, Guest.objects.filter(meeting=meeting, pk__in=ids)))
        if len(found) != len(set(ids)):
            raise serializers.ValidationError(_("Only this meeting's guests can be reminded."))
        return found


class ReminderRecipientSerializer(serializers.ModelSerializer):
    username = serializers.SlugRelatedField(
        source="person", slug_field="username", read_only=True, allow_null=True,
        help_text=_("The member reminded; null for a guest (or someone whose account is gone)."),
    )
    agency = serializers.SerializerMethodField()
    guest = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("The guest reminded, by id; null for a member (or a guest "
                                                     "removed since)."),
    )
    name = TextField(read_only=True, help_text=_("As they were named when reminded."))

    class Meta:
        model = SentReminderRecipient
        fields = ["username", "agency", "guest", "name", "told_by"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_agency(self, recipient: SentReminderRecipient) -> str | None:
        person = recipient.person
        return person.agency.acronym if person is not None and person.agency_id else None


class SentReminderSerializer(serializers.ModelSerializer):
    sent_by = username(allow_null=True)
    sent_at = UtcField()
    recipients = ReminderRecipientSerializer(many=True, read_only=True)

    class Meta:
        model = SentReminder
        fields = [
            "id", "key", "sent_at", "sent_by", "audience", "message_en", "message_fr", "recipient_count",
            "recipients",
        ]
        read_only_fields = fields


class RemindedSerializer(SentReminderSerializer):
    already_sent = serializers.BooleanField(
        read_only=True, help_text=_("True when an earlier call with the same key had sent it: nothing more was sent.")
    )

    class Meta(SentReminderSerializer.Meta):
        fields = [*SentReminderSerializer.Meta.fields, "already_sent"]
        read_only_fields = fields
