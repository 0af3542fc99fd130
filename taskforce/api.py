"""The scoped base class every API viewset derives from, the API's error shape and schema, and the core's own
endpoints (bodies, agencies, members, milestones, the merged schedule)."""

import base64
import datetime
import json
import logging

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from members.models import Agency, User

from . import conditional, parsing, permissions, schedule, signals
from .errors import ERROR_CODES, ConflictError
from .models import Body, Milestone

# Errors: one shape for every 4xx.


def _messages(detail) -> list[str]:
    if isinstance(detail, list):
        return [str(m) for item in detail for m in _messages(item)]
    if isinstance(detail, dict):
        return [str(m) for value in detail.values() for m in _messages(value)]
    return [str(detail)]


def _fields(detail) -> dict:
    """Field-level messages: {"field": ["message", ...], "nested.field": [...]}."""
    if not isinstance(detail, dict):
        return {}
    out = {}
    for name, value in detail.items():
        if isinstance(value, dict):
            for sub, messages in _fields(value).items():
                out[f"{name}.{sub}"] = messages
        else:
            out[str(name)] = _messages(value)
    return out


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def exception_handler(exc, context):
    """Every error as {"error": {"status", "code", "message", "fields"}}; services' Django errors included (a
    refused conflicting save is a 409)."""
    if isinstance(exc, ConflictError):
        exc = Conflict(exc.message_dict if hasattr(exc, "error_dict") else " ".join(exc.messages))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, SuspiciousOperation):
        # What Django would answer with its HTML 400 page (and log as a security event), in the API's shape.
        logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
        too_large = isinstance(exc, RequestDataTooBig)
        exc = TooLarge(_("The request body is too large.")) if too_large else exceptions.ParseError(
            _("The request could not be read.")
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields = _fields(detail)
    non_field = fields.pop("non_field_errors", []) + fields.pop("detail", [])
    if fields and not non_field:
        message = _("Some fields are not valid.")
    else:
        message = " ".join(non_field or _messages(detail)) or _("The request could not be completed.")
    response.data = {
        "error": {
            "status": response.status_code,
            "code": ERROR_CODES.get(response.status_code, "error"),
            "message": message,
            "fields": fields,
        }
    }
    return response


ErrorSerializer = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "status": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
            },
        )
    },
)


# What the schema states of the values the API parses, as `taskforce/parsing.py` bounds them.

ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": parsing.LARGEST_ID}
DAY_SCHEMA = {"type": "string", "format": "date", "pattern": parsing.DAY_PATTERN}


def _day_message() -> str:
    return _("Give a day from %(first)s to %(last)s.") % {
        "first": parsing.EARLIEST_DAY.isoformat(), "last": parsing.LATEST_DAY.isoformat()}


class ObjectIdField(forms.Field):
    """An id as `parsing.object_id` reads it; given, it must be one (`?body=` is refused, not read as no filter)."""

    def to_python(self, value):
        pk = parsing.object_id(value)
        if pk is None:
            raise forms.ValidationError(
                gettext_lazy("Give a whole number from 1 to %(max)s."), code="invalid",
                params={"max": parsing.LARGEST_ID},
            )
        return pk

    def clean(self, value):
        # Absent is no filter; anything given, the empty text included, is parsed.
        return None if value is None else self.to_python(value)


class GivenTextField(forms.CharField):
    """Text that, when the parameter is given, is not empty."""

    def clean(self, value):
        if value is None:
            return None
        if value == "":
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return super().clean(value)


class DayFormField(forms.Field):
    """A day as `parsing.day` reads it (YYYY-MM-DD, 1900 to 2199); given, it must be one."""

    def clean(self, value):
        if value is None:
            return None
        day = parsing.day(value)
        if day is None:
            raise forms.ValidationError(_day_message(), code="invalid")
        return day


class FilterSet(django_filters.FilterSet):
    """A filter given empty (`?status=`) is refused, not read as no filter: absent is the way to ask for all."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            if name in self.data and "" in self.data.getlist(name) and name not in self.form.errors:
                blank = serializers.CharField.default_error_messages["blank"]
                self.form.add_error(name, forms.ValidationError(blank, code="blank"))
                valid = False
        return valid


@extend_schema_field(ID_SCHEMA)
class VisibleFilter(django_filters.Filter):
    """An object named by its id (or by `to_field`), among those `visible(request)` gives: one the caller may not see
    matches nothing, exactly as one that does not exist, so either answers an empty list."""

    field_class = ObjectIdField

    def __init__(self, *args, visible, to_field: str = "pk", **kwargs):
        self.visible, self.to_field = visible, to_field
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        named = self.visible(self.parent.request).filter(**{self.to_field: value})
        return qs.filter(**{f"{self.field_name}__in": named})


@extend_schema_field({"type": "string", "minLength": 1})
class VisibleByNameFilter(VisibleFilter):
    field_class = GivenTextField


@extend_schema_field(DAY_SCHEMA)
class DayFilter(django_filters.Filter):
    field_class = DayFormField


class TextField(serializers.CharField):
    """Text, and only text: a number or a boolean where the schema says string is refused, not turned into one."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(DAY_SCHEMA)
class DayField(serializers.Field):
    """A day as `parsing.day` reads it, in a query serializer."""

    def to_internal_value(self, data):
        day = parsing.day(data)
        if day is None:
            raise serializers.ValidationError(_day_message())
        return day

    def to_representation(self, value):
        return value.isoformat()


def plain_nullable_objects(result, generator, request, public):
    """OpenAPI 3.0 gives `nullable` a meaning only beside `type`: drf-spectacular's nullable reference
    (`allOf: [$ref]` with `nullable: true`) allows no null to a strict validator. Each becomes the referenced object
    itself, with `nullable: true`."""
    schemas = result.get("components", {}).get("schemas", {})

    def plain(node):
        if isinstance(node, list):
            return [plain(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: plain(value) for key, value in node.items()}
        refs = node.get("allOf")
        if node.get("nullable") and isinstance(refs, list) and len(refs) == 1 and "$ref" in refs[0]:
            target = schemas[refs[0]["$ref"].rsplit("/", 1)[1]]
            rest = {key: value for key, value in node.items() if key != "allOf"}
            return {**plain(target), **rest}
        return node

    result = plain(result)
    used = json.dumps({key: value for key, value in result.items() if key != "components"}, default=str)
    used += json.dumps(result.get("components", {}).get("schemas", {}), default=str)
    for name in list(result.get("components", {}).get("schemas", {})):
        if f'"#/components/schemas/{name}"' not in used:
            del result["components"]["schemas"][name]
    return result


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token: `Authorization: Token <token>` or `Authorization: Bearer <token>`.",
        }


class PortalSchema(AutoSchema):
    """Every operation documents the error shape for the refusals it can give, and 304 for reads."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = {"application/json": {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}}
        errors = {
            "401": _("Not signed in, or the token is not valid."),
            "403": _("Not allowed (for example a read-only token used to write)."),
            "404": _("Not found, or not visible to the caller."),
            "429": _("Too many requests; retry after the number of seconds in Retry-After."),
            "400": _("The input is not valid; `fields` names each field's problems."),
        }
        if method in ("POST", "PUT", "PATCH"):
            errors["409"] = _("The object changed since it was read; fetch it again.")
        # Every path parameter is an id (a version's number included), read by `parsing.object_id`.
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                parameter["schema"] = dict(ID_SCHEMA)
        responses = operation.setdefault("responses", {})
        for code, text in errors.items():
            responses.setdefault(code, {"description": str(text), "content": error})
        if method == "GET":
            responses.setdefault("304", {"description": str(_("Not modified (If-None-Match matched)."))})
        return operation


# The scoped base class.


class ScopedViewSet(viewsets.GenericViewSet):
    """A viewset whose every queryset is the actor's scope of `unscoped_queryset`.

    Subclasses name their base rows in `unscoped_queryset` and may not override get_queryset or
    get_object: list, detail, nested routes, filters and counts all pass through the visibility core,
    and an object outside the actor's scope is a 404.

    Nested routes set `parent_model` and `parent_field`: the parent named in the URL (`<parent_field>_pk`)
    must be visible too, and the rows are those of that parent.

    Lists and details answer conditional requests: `ETag` and `Last-Modified` from one fingerprint query
    over the visible rows of the page or object (plus `etag_extra` expressions for related data the serializer
    shows), and 304 when `If-None-Match` matches.
    """

    unscoped_queryset: QuerySet
    # Any segment reaches the view, so a malformed id answers the API's own 404, not the HTML one.
    lookup_value_regex = "[^/]+"
    parent_model: type[Model] | None = None
    parent_field: str = ""
    etag_extra: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("get_queryset", "get_object", "queryset"):
            if name in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} overrides {name}; scoped viewsets take their rows from "
                    "`unscoped_queryset` and the visibility core."
                )

    @property
    def parent(self) -> Model | None:
        if self.parent_model is None:
            return None
        if not hasattr(self, "_parent"):
            pk = parsing.object_id(self.kwargs[f"{self.parent_field}_pk"])
            if pk is None:
                raise Http404()
            self._parent = permissions.get_visible_or_404(
                self.request.user, self.parent_model._default_manager.all(), pk=pk
            )
        return self._parent

    def get_queryset(self) -> QuerySet:
        rows = permissions.scope(self.request.user, self.unscoped_queryset.all())
        if getattr(self, "swagger_fake_view", False):
            return rows.none()
        if self.parent_model is not None:
            rows = rows.filter(**{self.parent_field: self.parent})
        return rows

    def get_object(self):
        lookup = self.lookup_url_kwarg or self.lookup_field
        value = self.kwargs[lookup]
        if parsing.object_id(value) is None:
            raise Http404()
        try:
            return super().get_object()
        except Http404:
            # Recorded when the object exists but is hidden; a hidden parent was recorded when it was looked up.
            if self.parent_model is None or hasattr(self, "_parent"):
                rows = self.unscoped_queryset.filter(**{self.lookup_field: value})
                if self.parent_model is not None:
                    rows = rows.filter(**{self.parent_field: self.parent})
                signals.access_refused.send(
                    rows.model, actor=self.request.user, rows=rows, visible=permissions.scope(self.request.user, rows))
            raise

    def retrieved(self, instance: Model) -> None:
        """Called with each object a caller reads; viewsets of restricted material record who read what."""

    # Conditional requests.

    def _version(self, rows: QuerySet) -> conditional.Version:
        digest, count, newest = conditional.fingerprint_rows(rows, self.etag_extra)
        return conditional.Version(conditional.version_of(self.request, digest), newest, found=count > 0)

    def conditional(self, rows: QuerySet) -> conditional.Version:
        self._conditional_version = self._version(rows)
        return self._conditional_version

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        version = getattr(self, "_conditional_version", None)
        if version is not None and request.method in ("GET", "HEAD") and response.status_code == 200:
            conditional.decorate(response, version)
        return response


class ConditionalListMixin(mixins.ListModelMixin):
    def list(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset())
        # A paginated list's representation is its page: the ETag covers the page's rows (and whether a next
        # page exists), not every visible row.
        page_rows = getattr(self.paginator, "page_rows", None)
        version = self.conditional(page_rows(rows, request, self) if page_rows else rows)
        if conditional.matches(request, version.etag):
            return conditional.not_modified(version)
        return super().list(request, *args, **kwargs)


class ConditionalRetrieveMixin(mixins.RetrieveModelMixin):
    def retrieve(self, request, *args, **kwargs):
        lookup = self.lookup_url_kwarg or self.lookup_field
        value = self.kwargs[lookup]
        if parsing.object_id(value) is None:
            raise Http404()
        version = self.conditional(self.get_queryset().filter(**{self.lookup_field: value}))
        # Nothing visible: the ordinary path answers 404 (an If-None-Match never turns that into a 304).
        if version.found and conditional.matches(request, version.etag):
            return conditional.not_modified(version)
        instance = self.get_object()
        self.retrieved(instance)
        return Response(self.get_serializer(instance).data)


class ScopedReadOnlyViewSet(ConditionalListMixin, ConditionalRetrieveMixin, ScopedViewSet):
    pass


class BodySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="acronym", read_only=True, allow_null=True)

    class Meta:
        model = Body
        fields = ["id", "acronym", "acronym_fr", "name_en", "name_fr", "kind", "parent"]


class AgencySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="acronym", read_only=True, allow_null=True)

    class Meta:
        model = Agency
        fields = ["id", "acronym", "acronym_fr", "name_en", "name_fr", "country", "parent"]


class MilestoneSerializer(serializers.ModelSerializer):
    body = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    owner_agency = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    due_label = serializers.CharField(read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id", "body", "title_en", "title_fr", "description", "description_fr", "owner_agency",
            "due_start", "due_end", "due_precision", "due_label", "status", "restricted", "updated_at",
        ]


class BodyViewSet(ScopedReadOnlyViewSet):
    unscoped_queryset = Body.objects.select_related("parent")
    serializer_class = BodySerializer


class AgencyViewSet(ScopedReadOnlyViewSet):
    unscoped_queryset = Agency.objects.select_related("parent")
    serializer_class = AgencySerializer


def visible_bodies(request):
    return permissions.scope(request.user, Body.objects.all())


def visible_agencies(request):
    return permissions.scope(request.user, Agency.objects.all())


class MilestoneFilter(FilterSet):
    # Among what the caller may see: a hidden id matches nothing, as one that does not exist.
    body = VisibleFilter(visible=visible_bodies)
    owner_agency = VisibleFilter(visible=visible_agencies)

    class Meta:
        model = Milestone
        fields = ["body", "status", "owner_agency"]


class MilestoneViewSet(ScopedReadOnlyViewSet):
    unscoped_queryset = Milestone.objects.select_related("body", "owner_agency")
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter


# Members: directory fields only.


class MemberSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "first_name", "last_name", "title", "agency", "email"]

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.username


class MemberFilter(FilterSet):
    agency = VisibleFilter(visible=visible_agencies)

    class Meta:
        model = User
        fields = ["agency"]


class MemberViewSet(ScopedReadOnlyViewSet):
    unscoped_queryset = User.objects.select_related("agency")
    serializer_class = MemberSerializer
    filterset_class = MemberFilter


# The merged schedule.


# A schedule cursor as the API writes it: an entry's sort key in URL-safe base64.
SCHEDULE_CURSOR_PATTERN = r"^[A-Za-z0-9_-]+={0,2}$"


class ScheduleQuerySerializer(serializers.Serializer):
    from_ = DayField(required=False, help_text="Entries ending on or after this day.")
    to = DayField(required=False, help_text="Entries starting on or before this day.")
    body = serializers.CharField(
        required=False, help_text="A body's acronym (one the caller may not see, or none, gives no entries)."
    )
    agency = serializers.CharField(
        required=False,
        help_text="An agency's acronym: entries it owns, hosts or is invited to (one the caller may not see, or "
        "none, gives no entries).",
    )
    kind = serializers.MultipleChoiceField(choices=schedule.KINDS, required=False)
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only what changed after this instant, plus what was removed (status `removed`)."
    )
    cursor = serializers.RegexField(SCHEDULE_CURSOR_PATTERN, required=False)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=500)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class ScheduleEntrySerializer(serializers.Serializer):
    uid = serializers.CharField(help_text="Stable identifier, also the iCalendar UID.")
    kind = serializers.ChoiceField(choices=schedule.KINDS)
    id = serializers.IntegerField()
    title = serializers.CharField(help_text="In the caller's language; empty for removed entries.")
    body = serializers.CharField(allow_blank=True)
    start = serializers.CharField(
        allow_null=True, help_text="ISO 8601: a UTC date-time, or a date for all-day entries."
    )
    end = serializers.CharField(allow_null=True, help_text="Exclusive end, as `start`.")
    all_day = serializers.BooleanField()
    status = serializers.ChoiceField(choices=[schedule.SCHEDULED, schedule.DONE, schedule.CANCELLED, schedule.REMOVED])
    sequence = serializers.IntegerField()
    agencies = serializers.ListField(child=serializers.CharField())
    url = serializers.CharField(allow_blank=True)
    location = serializers.CharField(allow_blank=True)
    virtual_link = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField()

    def to_representation(self, entry: schedule.Entry) -> dict:
        def moment(value):
            if value is None:
                return None
            if isinstance(value, datetime.datetime):
                return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
            return value.isoformat()

        return {
            "uid": entry.uid, "kind": entry.kind, "id": entry.id, "title": entry.title, "body": entry.body,
            "start": moment(entry.start), "end": moment(entry.end), "all_day": entry.all_day, "status": entry.status,
            "sequence": entry.sequence, "agencies": entry.agencies, "url": entry.url, "location": entry.location,
            "virtual_link": entry.virtual_link, "updated_at": moment(entry.updated_at),
        }


ScheduleSerializer = inline_serializer(
    "Schedule",
    {
        "next": serializers.URLField(allow_null=True),
        "synced_at": serializers.DateTimeField(help_text="Pass as `updated_since` on the next sync."),
        "results": ScheduleEntrySerializer(many=True),
    },
)


class ScheduleView(APIView):
    """The caller's merged, time-ordered schedule: meetings, milestones, approval-step deadlines and action-item
    due dates, each in one format. With `updated_since`, only entries changed since then, cancelled ones
    included, and removed ones with status `removed` so a client can delete them. An entry that the caller can
    no longer see because its sharing changed is not reported (that would reveal it): a sync without
    `updated_since` reconciles."""

    @extend_schema(parameters=[ScheduleQuerySerializer], responses=ScheduleSerializer, operation_id="schedule")
    def get(self, request):
        # A plain dict, not the QueryDict: an empty value ("?from=") is then refused rather than taken as absent.
        given = {key: request.query_params.getlist(key) for key in request.query_params}
        params = ScheduleQuerySerializer(
            data={key: values if key == "kind" else values[-1] for key, values in given.items()}
        )
        params.is_valid(raise_exception=True)
        data = params.validated_data
        synced_at = timezone.now() - schedule.SYNC_OVERLAP
        # A body or agency the caller may not see is one that does not exist: no entry is of it.
        bodies = None
        if data.get("body"):
            body = permissions.scope(request.user, Body.objects.filter(acronym__iexact=data["body"])).first()
            bodies = frozenset([body.pk] if body else [])
        agency = None
        if data.get("agency"):
            agencies = Agency.objects.filter(acronym__iexact=data["agency"])
            agency = permissions.scope_agencies(request.user, agencies).first()
            if agency is None:
                bodies = frozenset()
        query = schedule.Query(
            start=data.get("from"), end=data.get("to"), bodies=bodies, agency=agency,
            kinds=frozenset(data.get("kind") or schedule.KINDS), updated_since=data.get("updated_since"),
        )
        # The ETag covers every entry (not only this page) and the caller, from one aggregate per source: a
        # matching request answers 304 before any entry is built.
        made_of = schedule.version(request.user, query)
        version = conditional.Version(conditional.version_of(request, *made_of.parts), made_of.newest)
        if conditional.matches(request, version.etag):
            return conditional.not_modified(version)
        found = schedule.entries(request.user, query, made_of.built)
        page, next_cursor = _page(found, data.get("cursor"), data.get("page_size") or 100)
        next_url = None
        if next_cursor:
            query_params = request.query_params.copy()
            query_params["cursor"] = next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query_params.urlencode()}")
        response = Response(
            {
                "next": next_url,
                "synced_at": synced_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
                "results": ScheduleEntrySerializer(page, many=True).data,
            }
        )
        return conditional.decorate(response, version)


def _page(entries: list, cursor: str | None, size: int) -> tuple[list, str | None]:
    """A forward cursor over the time-ordered entries: it names the last entry's sort key."""
    if cursor:
        try:
            after = tuple(json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")).decode("utf-8")))
        except (ValueError, UnicodeError, TypeError):
            after = ()
        # A cursor names an entry's sort key: its moment and its uid, both text.
        # Not found, as a list's cursor that names no position.
        if len(after) != 2 or not all(isinstance(part, str) for part in after):
            raise exceptions.NotFound(_("This cursor is not valid."))
        entries = [entry for entry in entries if entry.sort_key > after]
    page = entries[:size]
    if len(entries) <= size:
        return page, None
    last = json.dumps(list(page[-1].sort_key))
    return page, base64.urlsafe_b64encode(last.encode("utf-8")).decode("ascii")
