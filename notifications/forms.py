from django import forms

from .models import DeliveryMode, NotificationKind


class NotificationPreferencesForm(forms.Form):
    """One choice per kind of notice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in NotificationKind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=DeliveryMode.choices, widget=forms.RadioSelect,
                initial=DeliveryMode.IMMEDIATELY,
            )
