from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .models import ApiToken
from .services import API_TOKEN_LIFETIMES


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
    )


class SignOutForm(forms.Form):
    revoke_tokens = forms.BooleanField(
        label=_("Also revoke my API tokens"),
        required=False,
        help_text=_("The scripts and applications that use them stop working until you create new ones."),
    )


NEVER = "never"


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
