"""The one way a page saves a form: the service writes, its refusal shows on the form, success says so and moves on.

The plain shape is `meetings.views.meeting_cancel`; one whose message and address come from what the service
returns, `meeting_create`; a save refused because someone else saved first, `taskforce.views.milestone_edit`; an
update in place for htmx, `meetings.views.comment_create`.
"""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .errors import ConflictError
from .forms import add_service_error

Result = TypeVar("Result")


def submitted(
    request: HttpRequest,
    form: forms.Form,
    write: Callable[[dict], Result],
    *,
    message: str | Callable[[Result], str],
    then: str | Callable[[Result], str],
    at: str = "",
    refused: Callable[[forms.Form, ValidationError], None] = add_service_error,
    in_place: Callable[[Result], HttpResponse] | None = None,
) -> HttpResponse | None:
    """On a valid POST, call `write(form.cleaned_data)` (a service: it saves all or nothing). None means "show the
    page again": on a GET, an invalid form, or a refusal, which `refused` puts on the form (add_service_error unless
    told). Otherwise flash `message` in the section `at` of the next page (`{% outcome at %}`) and redirect to
    `then` (an address or a URL name); either may be a callable of what `write` returned. An htmx request answers
    `in_place(result)` instead, when given: the partial that shows the outcome where the user is."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = write(form.cleaned_data)
    except ValidationError as error:
        refused(form, error)
        return None
    if in_place is not None and request.htmx:
        return in_place(result)
    messages.success(request, message(result) if callable(message) else message, extra_tags=at)
    return redirect(then(result) if callable(then) else then)


def conflicted(form: forms.Form) -> ConflictError | None:
    """The refusal of a save because someone else saved first (a ConflictError, shown above the form), if it was."""
    above = form.errors.as_data().get(NON_FIELD_ERRORS, ())
    return next((error for error in above if isinstance(error, ConflictError)), None)
