from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .models import ApiToken, DeliveryMode, NotificationKind
from .services import API_TOKEN_LIFETIMES

NEVER = "never"


class NotificationPreferencesForm(forms.Form):
    """One choice per kind of notice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in NotificationKind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=DeliveryMode.choices, widget=forms.RadioSelect,
                initial=DeliveryMode.IMMEDIATELY,
            )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, such as the script that uses it.")
    )
    access = forms.ChoiceField(label=_("Access"), choices=ApiToken.Access.choices, initial=ApiToken.Access.READ)
    expires_in_days = forms.ChoiceField(
        label=_("Expires"),
        choices=[
            (str(days), ngettext_lazy("%(days)d day", "%(days)d days", "days") % {"days": days})
            for days in API_TOKEN_LIFETIMES
        ]
        + [(NEVER, _("Never"))],
        initial="90",
    )

    def clean_expires_in_days(self) -> int | None:
        value = self.cleaned_data["expires_in_days"]
        return None if value == NEVER else int(value)
