from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Agency, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["acronym", "acronym_fr", "name_en", "name_fr", "country", "parent"]
    list_filter = ["country"]
    search_fields = ["acronym", "acronym_fr", "name_en", "name_fr"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]

    def save_model(self, request, obj, form, change):
        if change:
            services.agency_update(agency=obj)
        else:
            created = services.agency_create(
                acronym=obj.acronym, acronym_fr=obj.acronym_fr, name_en=obj.name_en, name_fr=obj.name_fr,
                country=obj.country, parent=obj.parent,
            )
            obj.pk, obj.group = created.pk, created.group


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Agency and preferences"), {"fields": ("agency", "title", "clearance", "time_zone", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Agency"), {"fields": ("agency", "first_name", "last_name", "email", "title", "clearance")}),
    )
    list_display = ["username", "first_name", "last_name", "agency", "clearance", "is_active"]
    list_filter = ["agency", "clearance", "is_active", "is_superuser"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    actions = ["deactivate"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.member_sessions_end(member=obj)

    @admin.action(description=_("Deactivate the selected members and end their sessions"), permissions=["change"])
    def deactivate(self, request, queryset):
        for member in queryset:
            services.member_deactivate(member=member)
        self.message_user(request, _("The selected members are deactivated and signed out everywhere."))


# Agency groups are managed with their agencies; editing them by hand would detach grants.
admin.site.unregister(Group)
