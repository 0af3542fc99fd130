from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from members.models import Agency

from . import permissions, services
from .models import AgencyRole, Body, Membership, Milestone


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
    list_display = ["acronym", "name_en", "kind", "parent"]
    search_fields = ["acronym", "name_en", "name_fr"]
    list_select_related = ["parent"]
    inlines = [AgencyRoleInline, MembershipInline]


class MilestoneForm(forms.ModelForm):
    shared_with = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.all(),
        required=False,
        label=_("Restricted to agencies"),
        help_text=_("Leave empty to share with every member agency of the body."),
    )

    class Meta:
        model = Milestone
        fields = ["body", "title_en", "title_fr", "description", "owner_agency", "due_start", "due_end",
                  "due_precision", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["shared_with"].initial = list(permissions.granted_agencies(self.instance))


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    form = MilestoneForm
    list_display = ["title_en", "body", "owner_agency", "due_label", "status", "restricted"]
    list_filter = ["body", "status", "restricted"]
    search_fields = ["title_en", "title_fr"]
    list_select_related = ["body", "owner_agency"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.milestone_share(actor=request.user, milestone=obj, agencies=list(form.cleaned_data["shared_with"]))
