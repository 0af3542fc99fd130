"""HTML forms of the agreement pages. They parse and shape input; the services decide what is allowed.

Choices come from what the page has loaded for the actor (the agencies of a step, the parties of an
agreement, the versions the actor may read), so nobody is offered something they may not see, and drawing a
form costs no query. Several forms share one page: each has a `key` that keeps its field ids apart.
"""

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Agency, User
from taskforce import permissions
from taskforce.dates import date_format
from taskforce.models import Milestone

from .models import Agreement, AgreementVersion, InformationCategory, WorkflowStep


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class AgencyField(forms.ChoiceField):
    """One of the given (already loaded) agencies, chosen by acronym; cleans to the Agency."""

    def __init__(self, *, agencies: Iterable[Agency] = (), blank_label: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.blank_label = blank_label
        self.agencies = agencies

    @property
    def agencies(self) -> list[Agency]:
        return list(self._by_acronym.values())

    @agencies.setter
    def agencies(self, agencies: Iterable[Agency]) -> None:
        self._by_acronym = {agency.acronym: agency for agency in agencies}
        blank = [("", self.blank_label)] if self.blank_label else []
        self.choices = blank + [(a.acronym, f"{a.local_acronym} — {a.name}") for a in self._by_acronym.values()]

    def clean(self, value) -> Agency | None:
        return self._by_acronym.get(super().clean(value))


class AgenciesField(forms.MultipleChoiceField):
    """Several of the given agencies, as checkboxes; cleans to a list of Agency."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, agencies: Iterable[Agency] = (), **kwargs) -> None:
        super().__init__(**kwargs)
        self.agencies = agencies

    @property
    def agencies(self) -> list[Agency]:
        return list(self._by_acronym.values())

    @agencies.setter
    def agencies(self, agencies: Iterable[Agency]) -> None:
        self._by_acronym = {agency.acronym: agency for agency in agencies}
        self.choices = [(a.acronym, f"{a.local_acronym} — {a.name}") for a in self._by_acronym.values()]

    def clean(self, value) -> list[Agency]:
        return [self._by_acronym[acronym] for acronym in super().clean(value)]


class PageForm(forms.Form):
    """One of several forms on a page: `key` names it and prefixes its field ids."""

    def __init__(self, *args, key: str, **kwargs) -> None:
        super().__init__(*args, auto_id=f"{key}-%s", **kwargs)
        self.key = key


# The register -------------------------------------------------------------------------------------


class AgreementFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *Agreement.Kind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Agreement.Status.choices]
    )
    party = AgencyField(label=_("Party"), required=False, blank_label=_("Any party"))

    def __init__(self, *args, agencies: Iterable[Agency], **kwargs) -> None:
        super().__init__(*args, auto_id="filter-%s", **kwargs)
        self.fields["party"].agencies = agencies


# Drafting -----------------------------------------------------------------------------------------


def classification_choices(actor: User) -> list[tuple[int, str]]:
    """The markings an author may put on a version: up to their own clearance."""
    return permissions.markings_for(actor)


class VersionForm(forms.Form):
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 24}), strip=False)
    text_fr = forms.CharField(
        label=_("Text (French)"), widget=forms.Textarea(attrs={"rows": 24}), strip=False, required=False,
        help_text=_("The same version in French, when the parties hold one. Leave it empty otherwise."),
    )
    note = forms.CharField(
        label=_("What changed"), required=False, max_length=500,
        help_text=_("A short note for the other readers, for example “Revised after legal review”."),
    )
    classification = forms.TypedChoiceField(label=_("Classification"), coerce=int)
    # The version the author started from: a save after someone else's is refused, never merged silently.
    base_number = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, auto_id="version-%s", **kwargs)
        self.fields["classification"].choices = classification_choices(actor)


class RestoreForm(PageForm):
    base_number = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class CommentForm(PageForm):
    passage = forms.CharField(
        label=_("Passage (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Quote the words your comment is about, exactly as they appear in the text. Selecting them "
                    "in the text copies them here."),
    )
    text = forms.CharField(label=_("Comment"), max_length=5000, widget=forms.Textarea)


def version_label(version: AgreementVersion) -> str:
    return _("Version %(number)s — %(date)s, %(author)s") % {
        "number": version.number, "date": date_format(version.created_at, "DATE_FORMAT"), "author": version.author,
    }


class CompareForm(forms.Form):
    """Two versions to compare; its fields are named `from` and `to`, as in the page's address."""

    def __init__(self, *args, versions: list[AgreementVersion], **kwargs) -> None:
        super().__init__(*args, auto_id="compare-%s", **kwargs)
        choices = [(v.number, version_label(v)) for v in versions]
        self.fields["from"] = forms.TypedChoiceField(label=_("From"), coerce=int, choices=choices)
        self.fields["to"] = forms.TypedChoiceField(label=_("To"), coerce=int, choices=choices)


# The workflow -------------------------------------------------------------------------------------


class StepActForm(PageForm):
    # Set by the button pressed: "Approve" or "Return with comments".
    outcome = forms.ChoiceField(
        choices=WorkflowStep.Outcome.choices, widget=forms.HiddenInput,
        error_messages={"required": _("Choose to approve the step or to return it with comments.")},
    )
    comment = forms.CharField(
        label=_("Comments"), required=False, widget=forms.Textarea,
        help_text=_("Needed when you return the step: say what must change."),
    )

    def __init__(self, *args, on_behalf_of: list[Agency] | None = None, initial_agency: Agency | None = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if on_behalf_of:
            # The secretariat records the answer of any agency the step needs.
            self.fields["on_behalf_of"] = AgencyField(
                label=_("Answer of"), agencies=on_behalf_of, initial=initial_agency and initial_agency.acronym,
                help_text=_("The agency whose answer you are recording."),
            )


class StepForm(PageForm):
    title_en = forms.CharField(label=_("Step (English)"), max_length=300)
    title_fr = forms.CharField(label=_("Step (French)"), max_length=300, required=False)
    owner_agency = AgencyField(label=_("Owner agency"), blank_label=_("Choose an agency"))
    concurring_agencies = AgenciesField(
        label=_("Concurring agencies"), required=False,
        help_text=_("Other agencies whose approval the step needs besides its owner’s."),
    )
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput)
    target_label = forms.CharField(
        label=_("Target, in words"), max_length=200, required=False,
        help_text=_("For example “Before mid-February 2022”."),
    )
    target_label_fr = forms.CharField(
        label=_("Target, in words (French)"), max_length=200, required=False,
        help_text=_("For example “Avant la mi-février 2022”."),
    )
    moves_to = forms.ChoiceField(
        label=_("Completing it makes the agreement"), required=False,
        choices=[
            ("", _("No change of status")),
            (Agreement.Status.READY_FOR_SIGNATURE, Agreement.Status.READY_FOR_SIGNATURE.label),
            (Agreement.Status.SIGNED, _("Signed (completes when every party has signed)")),
        ],
    )

    milestone = forms.TypedChoiceField(
        label=_("Milestone it tracks"), required=False, coerce=int, empty_value=None,
        help_text=_("That milestone then follows this step: due by its target date, done when it is complete."),
    )

    def __init__(self, *args, agencies: list[Agency], milestones: list[Milestone], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].agencies = agencies
        self.fields["concurring_agencies"].agencies = agencies
        self.milestones = {milestone.pk: milestone for milestone in milestones}
        self.fields["milestone"].choices = [("", _("None"))] + [
            (milestone.pk, milestone.title) for milestone in milestones
        ]

    def clean_milestone(self) -> Milestone | None:
        chosen = self.cleaned_data["milestone"]
        return None if chosen is None else self.milestones[chosen]


class SubmitForm(PageForm):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class TransitionForm(PageForm):
    transition = forms.ChoiceField(widget=forms.HiddenInput, choices=[])
    on = forms.DateField(label=_("Date"), required=False, widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, transitions: Iterable[str], date_label: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["transition"].choices = [(name, name) for name in transitions]
        if date_label:
            self.fields["on"].label = date_label


class SignatureForm(PageForm):
    party = AgencyField(label=_("Party"), blank_label=_("Choose a party"))
    signatory_name = forms.CharField(label=_("Signatory"), max_length=200)
    signatory_title = forms.CharField(label=_("Signatory’s title"), max_length=300, required=False)
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput)
    # The version the signatory read: refused if a newer one was saved since the page was drawn.
    version_number = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, parties: list[Agency], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].agencies = parties


# The sharing map ----------------------------------------------------------------------------------


def criminal_proceedings_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("In criminal proceedings"), required=False,
        help_text=_("Some instruments, like the MLAT, apply only in conjunction with criminal proceedings."),
    )


class SharingForm(forms.Form):
    source = AgencyField(label=_("From agency"), blank_label=_("Choose an agency"))
    target = AgencyField(label=_("To agency"), blank_label=_("Choose an agency"))
    category = forms.ModelChoiceField(
        label=_("Information"), queryset=InformationCategory.objects.none(), to_field_name="code",
        empty_label=_("Choose a category"),
    )
    criminal_proceedings = criminal_proceedings_field()

    def __init__(self, *args, agencies: list[Agency], categories, **kwargs) -> None:
        super().__init__(*args, auto_id="sharing-%s", **kwargs)
        self.fields["source"].agencies = agencies
        self.fields["target"].agencies = agencies
        self.fields["category"].queryset = categories

    def clean(self) -> dict:
        data = super().clean()
        if data.get("source") and data.get("source") == data.get("target"):
            self.add_error("target", _("Choose an agency other than the one sharing."))
        return data


class MatrixForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Information"), queryset=InformationCategory.objects.none(), to_field_name="code", empty_label=None
    )
    criminal_proceedings = criminal_proceedings_field()

    def __init__(self, *args, categories, **kwargs) -> None:
        super().__init__(*args, auto_id="matrix-%s", **kwargs)
        self.fields["category"].queryset = categories
