"""Admin views of the meeting record, for superusers. Day-to-day work happens in the portal's pages,
which go through the services; the admin does not grant or revoke visibility."""

from django.contrib import admin

from .models import (
    ActionItem,
    AgendaChange,
    AgendaItem,
    Attendance,
    Comment,
    Decision,
    Invitation,
    Meeting,
    Paper,
    Rsvp,
)


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    can_delete = False
    readonly_fields = ["agency", "user"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["position", "title_en", "presenter", "presenter_agency", "minutes_allotted", "restricted", "withdrawn"]
    readonly_fields = ["restricted"]
    show_change_link = True


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title_en", "body", "start", "time_zone", "status", "agenda_status", "minutes_status"]
    list_filter = ["body", "status", "agenda_status", "minutes_status"]
    search_fields = ["title_en", "title_fr", "place"]
    date_hierarchy = "start"
    list_select_related = ["body"]
    readonly_fields = ["sequence", "agenda_circulated_at", "agenda_circulated_by", "agenda_finalised_at",
                       "minutes_approved_at", "minutes_approved_by"]
    inlines = [InvitationInline, AgendaItemInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["title_en", "meeting", "position", "restricted", "withdrawn"]
    list_filter = ["restricted", "withdrawn", "meeting__body"]
    search_fields = ["title_en", "title_fr"]
    list_select_related = ["meeting"]
    readonly_fields = ["restricted", "version", "changed_after_circulation"]


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["title", "item", "content_type", "size", "classification", "uploaded_at"]
    list_filter = ["classification", "content_type"]
    readonly_fields = ["file", "original_name", "content_type", "size", "uploaded_by"]
    list_select_related = ["item"]


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["text", "meeting", "owner", "owner_agency", "due_date", "status"]
    list_filter = ["status", "owner_agency"]
    list_select_related = ["meeting", "owner", "owner_agency"]
    readonly_fields = ["restricted"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["text", "meeting", "item"]
    list_select_related = ["meeting", "item"]
    readonly_fields = ["restricted"]


admin.site.register([AgendaChange, Attendance, Comment, Invitation, Rsvp])
