"""Agreements in the API: output serializers that shape an agreement, its versions, workflow and signatures and
the sharing map's answer, and input serializers for what a member may write (comments, answers on steps) and ask
(the sharing query).

Related rows come from what the viewset prefetched within the caller's scope (`party_list`, `step_list`, ...):
serializing costs no query per row.
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from members.models import Agency, User
from taskforce.api import TextField

from .models import (
    Agreement,
    AgreementVersion,
    InformationCategory,
    Signature,
    StepAction,
    VersionComment,
    WorkflowStep,
)
from .sharing import Route


class PersonSerializer(serializers.ModelSerializer):
    """Who wrote or answered something: the directory fields a reader of the agreement page sees."""

    name = serializers.SerializerMethodField()
    agency = serializers.SlugRelatedField(slug_field="acronym", read_only=True)

    class Meta:
        model = User
        fields = ["username", "name", "agency"]

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.username


def _acronyms(agencies: Iterable[Agency]) -> list[str]:
    return [agency.acronym for agency in agencies]


# Agreements ------------------------------------------------------------------------------------------


class AgreementSerializer(serializers.ModelSerializer):
    body = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    parties = serializers.SerializerMethodField(help_text="The parties' acronyms.")
    categories = serializers.SerializerMethodField(help_text="Codes of the information categories it covers.")
    current_version = serializers.IntegerField(
        source="latest_version", allow_null=True, read_only=True,
        help_text="Number of the latest version the caller may read (none when no text is readable).",
    )

    class Meta:
        model = Agreement
        fields = [
            "id", "body", "kind", "short_name", "short_name_fr", "title_en", "title_fr", "summary", "summary_fr",
            "status", "classification", "restricted", "condition", "parties", "categories", "current_version",
            "signed_on", "in_force_on", "expires_on", "updated_at",
        ]

    def get_parties(self, agreement: Agreement) -> list[str]:
        return _acronyms(agreement.party_list)

    def get_categories(self, agreement: Agreement) -> list[str]:
        return [category.code for category in agreement.category_list]


class StepAnswerSerializer(serializers.ModelSerializer):
    """One agency's answer on a step; the latest answer of each agency is the one that counts."""

    agency = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    actor = PersonSerializer(read_only=True)

    class Meta:
        model = StepAction
        fields = ["agency", "actor", "outcome", "comment", "acted_at"]


class WorkflowStepSerializer(serializers.ModelSerializer):
    owner_agency = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    concurring_agencies = serializers.SerializerMethodField(
        help_text="Agencies whose concurrence the step needs besides its owner's."
    )
    is_overdue = serializers.BooleanField(read_only=True)
    answers = StepAnswerSerializer(many=True, read_only=True, source="action_list")

    class Meta:
        model = WorkflowStep
        fields = [
            "id", "position", "title_en", "title_fr", "owner_agency", "concurring_agencies", "target_date",
            "target_label", "target_label_fr", "moves_to", "completed_at", "outcome", "is_overdue", "answers",
            "updated_at",
        ]

    def get_concurring_agencies(self, step: WorkflowStep) -> list[str]:
        return _acronyms(step.concurring_list)


class SignatureSerializer(serializers.ModelSerializer):
    party = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True, help_text="The version signed.")

    class Meta:
        model = Signature
        fields = ["id", "party", "signatory_name", "signatory_title", "signed_on", "version"]


class AgreementDetailSerializer(AgreementSerializer):
    steps = WorkflowStepSerializer(many=True, read_only=True, source="step_list")
    signatures = SignatureSerializer(many=True, read_only=True, source="signature_list")

    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "steps", "signatures"]


# Versions and comments -------------------------------------------------------------------------------


class VersionCommentSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)

    class Meta:
        model = VersionComment
        fields = ["id", "author", "passage", "text", "created_at"]


class VersionSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)
    comment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = AgreementVersion
        fields = ["id", "number", "note", "created_at", "author", "classification", "restored_from", "comment_count"]


class VersionDetailSerializer(VersionSerializer):
    comments = VersionCommentSerializer(many=True, read_only=True, source="comment_list")

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "text", "text_fr", "comments"]


class VersionCommentInputSerializer(serializers.Serializer):
    text = TextField(max_length=5000)
    passage = TextField(
        max_length=2000, required=False, default="", allow_blank=True,
        help_text="The words the comment is about, quoted exactly from the version's text.",
    )


# The workflow ----------------------------------------------------------------------------------------


class StepActInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=WorkflowStep.Outcome.choices)
    comment = TextField(
        required=False, default="", allow_blank=True, help_text="Needed when returning the step: what must change."
    )
    on_behalf_of = TextField(
        required=False,
        help_text="Acronym of the agency whose answer the secretariat records; members answer for their own agency.",
    )

    def __init__(self, *args, agencies: Iterable[Agency] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._agencies = {agency.acronym.upper(): agency for agency in agencies}

    def validate_on_behalf_of(self, value: str) -> Agency:
        agency = self._agencies.get(value.strip().upper())
        if agency is None:
            raise serializers.ValidationError(_("Name one of the step's agencies that you may answer for."))
        return agency


# The sharing map -------------------------------------------------------------------------------------


class FromMixin:
    # `from` is a Python keyword: the field is declared as `from_` and read and written as `from`.

    def get_fields(self) -> dict:
        return {("from" if name == "from_" else name): field for name, field in super().get_fields().items()}


class SharingQuerySerializer(FromMixin, serializers.Serializer):
    """From and to name agencies by acronym, among those party to an agreement the caller may see: any other
    acronym, hidden or unknown, gets the same answer."""

    from_ = TextField(help_text="Acronym of the agency that shares.")
    to = TextField(help_text="Acronym of the agency that receives.")
    category = TextField(help_text="Code of an information category (customs, traveller, ...).")
    criminal_proceedings = serializers.BooleanField(
        required=False, default=False,
        help_text="Count the instruments that apply only in conjunction with criminal proceedings (the MLAT).",
    )

    def __init__(self, *args, agencies: Iterable[Agency] = (), categories: Iterable[InformationCategory] = (),
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._agencies = {agency.acronym.upper(): agency for agency in agencies}
        self._categories = {category.code: category for category in categories}

    def _agency(self, value: str) -> Agency:
        agency = self._agencies.get(value.strip().upper())
        if agency is None:
            raise serializers.ValidationError(_("No such agency."))
        return agency

    def validate(self, data: dict) -> dict:
        errors, found = {}, {}
        for field, key in (("from", "source"), ("to", "target")):
            try:
                found[key] = self._agency(data[field])
            except serializers.ValidationError as error:
                errors[field] = error.detail
        category = self._categories.get(data["category"].strip())
        if category is None:
            errors["category"] = [_("No such information category.")]
        if errors:
            # What the question names is not found, hidden or unknown alike: a 404 naming the parameters.
            raise exceptions.NotFound(errors)
        if found["source"] == found["target"]:
            errors["to"] = [_("Choose an agency other than the one sharing.")]
        if errors:
            raise serializers.ValidationError(errors)
        return {**found, "category": category, "criminal_proceedings": data["criminal_proceedings"]}


class InstrumentSerializer(serializers.ModelSerializer):
    """An agreement that allows a hop, with the condition it sets."""

    class Meta:
        model = Agreement
        fields = ["id", "short_name", "short_name_fr", "title_en", "title_fr", "kind", "status", "condition"]


class HopSerializer(FromMixin, serializers.Serializer):
    """One step of a route: from one agency to the next, with the instruments that allow it."""

    from_ = TextField(source="source.acronym")
    to = TextField(source="target.acronym")
    instruments = InstrumentSerializer(many=True)


class RouteSerializer(serializers.Serializer):
    """A way from one agency to the other, hop by hop."""

    via = serializers.SerializerMethodField(help_text="The intermediaries, in order; empty for a direct route.")
    hops = HopSerializer(many=True)

    def get_via(self, route: Route) -> list[str]:
        return _acronyms(route.intermediaries)


class OnceSignedSerializer(serializers.Serializer):
    """The best routes once the pending agreements are signed."""

    hops = serializers.IntegerField()
    routes = RouteSerializer(many=True)


class SharingAnswerSerializer(FromMixin, serializers.Serializer):
    """How the agency `from` can share the category of information with the agency `to`, from the agreements the
    caller may see."""

    from_ = TextField(source="source.acronym")
    to = TextField(source="target.acronym")
    category = TextField(source="category.code")
    direct = serializers.BooleanField(source="is_direct", help_text="An instrument links the two agencies.")
    hops = serializers.IntegerField(allow_null=True, help_text="Hops on the shortest routes; none without a route.")
    routes = RouteSerializer(many=True, help_text="The shortest routes through agreements in force.")
    once_signed = OnceSignedSerializer(
        allow_null=True, help_text="The shorter routes once the pending agreements are signed; none if nothing changes."
    )
    pending = InstrumentSerializer(many=True, help_text="The pending agreements those shorter routes need.")

