"""The scoped base class every API viewset derives from, and the core's own endpoints."""

import django_filters
from django.db.models import QuerySet
from rest_framework import mixins, serializers, viewsets

from members.models import Agency

from . import permissions
from .models import Body, Milestone


class ScopedViewSet(viewsets.GenericViewSet):
    """A viewset whose every queryset is the actor's scope of `unscoped_queryset`.

    Subclasses name their base rows in `unscoped_queryset` and may not override get_queryset or
    get_object: list, detail, nested routes, filters and counts all pass through the visibility core,
    and an object outside the actor's scope is a 404.
    """

    unscoped_queryset: QuerySet

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("get_queryset", "get_object", "queryset"):
            if name in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} overrides {name}; scoped viewsets take their rows from "
                    "`unscoped_queryset` and the visibility core."
                )

    def get_queryset(self) -> QuerySet:
        return permissions.scope(self.request.user, self.unscoped_queryset.all())


class ScopedReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


class BodySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="acronym", read_only=True)

    class Meta:
        model = Body
        fields = ["id", "acronym", "name_en", "name_fr", "kind", "parent"]


class AgencySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="acronym", read_only=True)

    class Meta:
        model = Agency
        fields = ["id", "acronym", "name_en", "name_fr", "country", "parent"]


class MilestoneSerializer(serializers.ModelSerializer):
    body = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    owner_agency = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    due_label = serializers.CharField(read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id", "body", "title_en", "title_fr", "description", "owner_agency",
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


class MilestoneFilter(django_filters.FilterSet):
    # Choices limited to what the caller may see: a hidden id is as invalid as one that does not exist.
    body = django_filters.ModelChoiceFilter(queryset=visible_bodies)
    owner_agency = django_filters.ModelChoiceFilter(queryset=visible_agencies)

    class Meta:
        model = Milestone
        fields = ["body", "status", "owner_agency"]


class MilestoneViewSet(ScopedReadOnlyViewSet):
    unscoped_queryset = Milestone.objects.select_related("body", "owner_agency")
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
