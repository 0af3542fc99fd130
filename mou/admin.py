"""Admin views of agreements, for superusers. Versions are read-only here as everywhere (the database
refuses changes to them); status moves happen through the workflow in the portal's pages."""

from django.contrib import admin

from taskforce.admin import ReadOnlyAdmin

from .models import (
    Agreement,
    AgreementVersion,
    InformationCategory,
    Signature,
    StatusChange,
    StepAction,
    VersionComment,
    WorkflowStep,
)


class VersionInline(admin.TabularInline):
    model = AgreementVersion
    fields = ["number", "note", "author", "created_at", "classification"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class StepInline(admin.TabularInline):
    model = WorkflowStep
    fields = ["position", "title_en", "owner_agency", "target_date", "completed_at", "outcome"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    """Agreements move through their workflow in the portal's pages (steps' reminders, parties' grants, notices)."""

    list_display = ["short_name", "short_name_fr", "kind", "body", "status", "signed_on", "in_force_on", "restricted"]
    list_filter = ["kind", "status", "body", "restricted"]
    search_fields = ["short_name", "short_name_fr", "title_en", "title_fr"]
    inlines = [VersionInline, StepInline]


@admin.register(AgreementVersion)
class AgreementVersionAdmin(ReadOnlyAdmin):
    list_display = ["agreement", "number", "author", "created_at", "classification"]
    list_select_related = ["agreement", "author"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["agreement", "from_status", "to_status", "actor", "changed_at"]


@admin.register(StepAction)
class StepActionAdmin(ReadOnlyAdmin):
    list_display = ["step", "agency", "actor", "outcome", "acted_at"]


admin.site.register(InformationCategory)
for model in (Signature, VersionComment, WorkflowStep):
    admin.site.register(model, ReadOnlyAdmin)
