"""Admin views of the meeting record, for superusers, read-only: every write here has consequences (invitations
grant visibility, a moved meeting recomputes its reminders, answers and changes notify people), so meetings are
changed in the portal's pages, which go through the services."""

from django.contrib import admin

from taskforce.admin import ReadOnlyAdmin

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
    PaperVersion,
    Rsvp,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class InvitationInline(ReadOnlyInline):
    model = Invitation
    fields = ["agency", "user"]


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = ["position", "title_en", "presenter", "presenter_agency", "minutes_allotted", "restricted", "withdrawn"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title_en", "body", "start", "time_zone", "status", "agenda_status", "minutes_status"]
    list_filter = ["body", "status", "agenda_status", "minutes_status"]
    search_fields = ["title_en", "title_fr", "place"]
    date_hierarchy = "start"
    list_select_related = ["body"]
    inlines = [InvitationInline, AgendaItemInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    list_display = ["title_en", "meeting", "position", "restricted", "withdrawn"]
    list_filter = ["restricted", "withdrawn", "meeting__body"]
    search_fields = ["title_en", "title_fr"]
    list_select_related = ["meeting"]


@admin.register(Paper)
class PaperAdmin(ReadOnlyAdmin):
    list_display = ["title", "item", "version", "content_type", "size", "classification", "uploaded_at"]
    list_filter = ["classification", "content_type"]
    list_select_related = ["item"]


@admin.register(PaperVersion)
class PaperVersionAdmin(ReadOnlyAdmin):
    list_display = ["paper", "number", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["paper", "uploaded_by"]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin):
    list_display = ["text", "meeting", "owner", "owner_agency", "due_date", "status"]
    list_filter = ["status", "owner_agency"]
    list_select_related = ["meeting", "owner", "owner_agency"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["text", "meeting", "item"]
    list_select_related = ["meeting", "item"]


for model in (AgendaChange, Attendance, Comment, Invitation, Rsvp):
    admin.site.register(model, ReadOnlyAdmin)
