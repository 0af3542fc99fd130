from django import forms
from django.utils.translation import gettext_lazy as _


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
