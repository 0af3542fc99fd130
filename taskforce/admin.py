from django.contrib import admin

from .models import AgencyRole, Body, Membership, Milestone


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record whose writes have consequences (grants, reminders, notices, the visibility index): the admin shows
    it; the portal's pages change it, through the services."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AgencyRoleInline(admin.TabularInline):
    model = AgencyRole
    extra = 0
    autocomplete_fields = ["agency"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["acronym", "acronym_fr", "name_en", "kind", "parent"]
    search_fields = ["acronym", "acronym_fr", "name_en", "name_fr"]
    list_select_related = ["parent"]
    inlines = [AgencyRoleInline, MembershipInline]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    """Milestones are added and edited on the portal's milestone pages (their reminders and sharing follow)."""

    list_display = ["title_en", "body", "owner_agency", "due_label", "status", "restricted"]
    list_filter = ["body", "status", "restricted"]
    search_fields = ["title_en", "title_fr"]
    list_select_related = ["body", "owner_agency"]
