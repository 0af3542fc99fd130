"""Forms of the progress reports and the register exports."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import User
from taskforce import selectors
from taskforce.forms import DayField
from taskforce.models import Body

from .reports import LONGEST_PERIOD, Period


class PeriodForm(forms.Form):
    start = DayField(label=_("From"))
    end = DayField(label=_("To"))

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end of the period cannot be before its start."), code="order")
            if end - start > LONGEST_PERIOD:
                raise forms.ValidationError(_("A report covers five years at most."), code="too_long")
        return data

    @property
    def period(self) -> Period:
        return Period(start=self.cleaned_data["start"], end=self.cleaned_data["end"])


class ReportForm(PeriodForm):
    """The report builder: a body the reader takes part in, and a period."""

    body = forms.ModelChoiceField(label=_("Body"), queryset=Body.objects.none(), to_field_name="acronym")

    field_order = ["body", "start", "end"]

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = selectors.body_list(actor=actor)
        today = datetime.date.today()
        # The fiscal year so far (it starts on April 1).
        fiscal_year = today.year if today.month >= 4 else today.year - 1
        self.fields["start"].initial = datetime.date(fiscal_year, 4, 1)
        self.fields["end"].initial = today
