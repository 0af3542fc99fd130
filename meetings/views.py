"""HTML pages of the meeting cycle. Each view parses, calls one selector or service, and renders.

Objects are fetched through the selectors, so what the actor may not see is a 404; actions only the
secretariat may take answer 403 to a member who can see the meeting. The services check again.
"""

import datetime
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from audit import events as audit
from members.models import User
from taskforce import context as acting
from taskforce import permissions
from taskforce import selectors as core_selectors
from taskforce.dates import date_format
from taskforce.errors import ConflictError
from taskforce.forms import add_service_error
from taskforce.models import Body
from taskforce.submit import conflicted, submitted

from . import forms, guest_links, selectors, services, uploads
from . import package as packages
from . import permissions as rules
from .models import (
    ActionItem,
    AgendaItem,
    AgendaPackage,
    Comment,
    Guest,
    Meeting,
    MeetingSeries,
    Paper,
    PaperVersion,
    Rsvp,
)
from .notifications import minutes_audience

# Helpers -----------------------------------------------------------------------------------------------


def _secretariat_bodies(actor: User):
    return core_selectors.body_list(actor=actor).filter(pk__in=permissions.secretariat_body_ids(actor))


def _scheduling_body(request: HttpRequest) -> Body | None:
    """The body named by ?body= (404 if unseen, 403 unless its secretariat); None when the actor must choose."""
    acronym = request.GET.get("body")
    if acronym:
        body = core_selectors.body_get(actor=request.user, acronym=acronym)
        permissions.require_secretariat(request.user, body.pk)
        return body
    bodies = list(_secretariat_bodies(request.user))
    if not bodies:
        raise PermissionDenied(_("Only a body's secretariat schedules its meetings."))
    return bodies[0] if len(bodies) == 1 else None


def _choose_body(request: HttpRequest, heading: str) -> HttpResponse:
    bodies = _secretariat_bodies(request.user)
    return render(request, "meetings/choose_body.html", {"bodies": bodies, "heading": heading})


def _meeting_url(meeting: Meeting, anchor: str = "") -> str:
    return reverse("meeting-detail", args=[meeting.pk]) + (f"#{anchor}" if anchor else "")


def _item_url(item: AgendaItem, anchor: str = "") -> str:
    return reverse("agenda-item-detail", args=[item.pk]) + (f"#{anchor}" if anchor else "")


def _secretariat_meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    permissions.require_secretariat(request.user, meeting.body_id)
    return meeting


def _secretariat_item(request: HttpRequest, pk: int) -> AgendaItem:
    item = selectors.agenda_item_get(actor=request.user, pk=pk)
    permissions.require_secretariat(request.user, item.meeting.body_id)
    return item


# Refusals of meetings.uploads that are about the file itself, shown on the file field.
UPLOAD_CODES = {"empty", "too_large", "type_not_allowed"}
ACTION_TABLE = re.compile(r"[a-z][a-z-]{0,39}")


def _refused(request: HttpRequest, error: ValidationError, at: str = "") -> None:
    """The reasons an action was refused, shown in the section `at` that the page then opens at."""
    for message in error.messages:
        messages.error(request, message, extra_tags=at)


# Schedule ----------------------------------------------------------------------------------------------


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    return render(request, "meetings/meeting_list.html", {
        "upcoming": selectors.meeting_list(actor=actor, upcoming=True),
        "past": selectors.meeting_list(actor=actor, upcoming=False),
        "secretariat_bodies": _secretariat_bodies(actor),
    })


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    body = _scheduling_body(request)
    if body is None:
        return _choose_body(request, _("Schedule a meeting"))
    actor = request.user
    form = forms.MeetingForm(request.POST or None, actor=actor, body=body, initial={"time_zone": actor.time_zone})

    def schedule(data: dict) -> Meeting:
        return services.meeting_schedule(
            actor=actor, body=body, **form.meeting_fields(),
            invite_agencies=data["invite_agencies"], invite_people=data["invite_people"],
            agenda_from=data["agenda_from"],
        )

    done = submitted(request, form, schedule, message=_("Meeting scheduled."), then=_meeting_url)
    if done:
        return done
    return render(request, "meetings/meeting_form.html", {"form": form, "body": body})


@login_required
def series_create(request: HttpRequest) -> HttpResponse:
    body = _scheduling_body(request)
    if body is None:
        return _choose_body(request, _("Schedule a series of meetings"))
    actor = request.user
    form = forms.SeriesForm(request.POST or None, actor=actor, body=body, initial={"time_zone": actor.time_zone})

    def scheduled(series: MeetingSeries) -> str:
        count = form.cleaned_data["count"]
        said = ngettext("%(count)s meeting scheduled: %(title)s.", "%(count)s meetings scheduled: %(title)s.", count)
        return said % {"count": count, "title": series.title_en}

    done = submitted(
        request, form, lambda data: services.meeting_series_schedule(actor=actor, body=body, **form.series_fields()),
        message=scheduled, then="meeting-list",
    )
    if done:
        return done
    return render(request, "meetings/series_form.html", {"form": form, "body": body})


def _meeting_context(request: HttpRequest, meeting: Meeting) -> dict:
    actor = request.user
    secretariat = permissions.is_secretariat(actor, meeting.body_id)
    invitations = list(selectors.invitations(actor=actor, meeting=meeting))
    rsvps = list(selectors.rsvps(actor=actor, meeting=meeting))
    items = list(selectors.agenda_items(actor=actor, meeting=meeting))
    actions = rules.offer_status_updates(
        actor, list(selectors.action_items(actor=actor, meeting=meeting)), secretariat=secretariat
    )
    invited = rules.is_invitee(actor, meeting)
    guests = list(selectors.guests(actor=actor, meeting=meeting))
    my_rsvp = next((r for r in rsvps if r.user_id == actor.pk), None)
    answerable = invited and not meeting.is_cancelled and not meeting.is_past
    return {
        "deletable": secretariat and services.meeting_deletable(meeting=meeting),
        "meeting": meeting,
        "secretariat": secretariat,
        "invitations": invitations,
        "rsvps": rsvps,
        "my_rsvp": my_rsvp,
        "invited": invited,
        "answerable": answerable,
        "rsvp_form": _rsvp_form(actor, my_rsvp) if answerable else None,
        **_agenda_context(meeting, items, secretariat, actor=actor),
        "minutes_readable": selectors.minutes_readable(meeting=meeting, secretariat=secretariat, actor=actor),
        "minutes_open_for_comment": services.minutes_open_for_comment(meeting),
        "changes": selectors.agenda_changes(actor=actor, meeting=meeting),
        "attendance": selectors.attendance(actor=actor, meeting=meeting),
        "guests": guests,
        "guests_attended": [guest for guest in guests if guest.attended],
        "guests_open": secretariat and not meeting.is_cancelled and not meeting.is_past,
        "guest_form": forms.GuestForm() if secretariat and not meeting.is_cancelled and not meeting.is_past else None,
        "quorum": selectors.quorum(actor=actor, meeting=meeting),
        "time_proposals": list(selectors.time_proposals(actor=actor, meeting=meeting)) if secretariat else [],
        "decisions": selectors.decisions(actor=actor, meeting=meeting),
        "actions": actions,
        **_package_context(request, meeting, items),
        **(_reminders_context(request, meeting) if secretariat else {}),
    }


def _rsvp_form(actor: User, current: Rsvp | None, data=None) -> forms.RsvpForm:
    initial = {"response": current.response, "delegate": current.delegate_id, "note": current.note} if current else {}
    return forms.RsvpForm(data, actor=actor, initial=initial)


def _agenda_context(
    meeting: Meeting, items: list[AgendaItem], secretariat: bool, *, actor: User, **extra
) -> dict:
    allotted = sum(item.minutes_allotted for item in items if not item.withdrawn)
    editable = secretariat and not meeting.is_cancelled and meeting.agenda_status != "final"
    counts = selectors.carried_action_counts(actor=actor, meeting=meeting, items=items)
    for item in items:
        item.carried_count = counts.get(item.pk)
    return {
        "meeting": meeting,
        "items": items,
        "visible_item_ids": {item.pk for item in items},
        "secretariat": secretariat,
        "allotted": allotted,
        "overrun": allotted - meeting.duration_minutes,
        "agenda_editable": editable,
        # Only the secretariat sees every item, so only they are told where readers' times part from the room's.
        "times_differ": selectors.times_differ(items) if secretariat else [],
        "agenda_start_form": forms.AgendaStartForm() if editable and not items else None,
        **extra,
    }


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    return render(request, "meetings/meeting_detail.html", _meeting_context(request, meeting))


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _secretariat_meeting(request, pk)
    actor = request.user
    invitations = list(selectors.invitations(actor=actor, meeting=meeting))
    initial = {
        "title_en": meeting.title_en, "title_fr": meeting.title_fr, "time_zone": meeting.time_zone,
        "start": forms.wall_time(meeting.start, meeting.time_zone),
        "end": forms.wall_time(meeting.end, meeting.time_zone),
        "host_agency": meeting.host_agency_id, "place": meeting.place, "virtual_link": meeting.virtual_link,
        "reminder_message_en": meeting.reminder_message_en, "reminder_message_fr": meeting.reminder_message_fr,
        "invite_agencies": [i.agency_id for i in invitations if i.agency_id],
        "invite_people": [i.user_id for i in invitations if i.user_id],
    }
    form = forms.MeetingForm(request.POST or None, actor=actor, body=meeting.body, editing=True, initial=initial)

    def update(data: dict) -> Meeting:
        return services.meeting_update(
            actor=actor, meeting=meeting, reason=data["reason"], **form.meeting_fields(),
            invite_agencies=data["invite_agencies"], invite_people=data["invite_people"],
        )

    done = submitted(request, form, update, message=_("Meeting updated."), then=_meeting_url(meeting))
    if done:
        return done
    return render(request, "meetings/meeting_form.html", {"form": form, "body": meeting.body, "meeting": meeting})


@login_required
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _secretariat_meeting(request, pk)
    form = forms.CancelForm(request.POST or None)
    done = submitted(
        request, form, lambda data: services.meeting_cancel(actor=request.user, meeting=meeting, reason=data["reason"]),
        message=_("Meeting cancelled. Invitees see the reason."), then=_meeting_url(meeting),
    )
    if done:
        return done
    return render(request, "meetings/meeting_cancel.html", {
        "form": form, "meeting": meeting, "told": _told(request)(meeting),
    })


@login_required
def meeting_delete(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _secretariat_meeting(request, pk)
    if request.method == "POST":
        try:
            services.meeting_delete(actor=request.user, meeting=meeting)
        except ValidationError as error:
            _refused(request, error)
            return redirect(_meeting_url(meeting))
        messages.success(request, _("Meeting deleted: %(title)s.") % {"title": meeting.title})
        return redirect("meeting-list")
    return render(request, "meetings/confirm.html", {
        "meeting": meeting, "heading": _("Delete this meeting?"), "danger": True,
        "explanation": _("Nobody has been told of this meeting yet: deleting removes it and its draft agenda, and "
                         "notifies nobody. The audit trail keeps a record of it."),
        "button": _("Delete the meeting"), "cancel_url": _meeting_url(meeting),
    })


# Agenda ------------------------------------------------------------------------------------------------


@login_required
def agenda_item_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _secretariat_meeting(request, pk)
    form = forms.AgendaItemForm(request.POST or None, actor=request.user, body=meeting.body)

    def add(data: dict) -> AgendaItem:
        return services.agenda_item_add(
            actor=request.user, meeting=meeting, **form.item_fields(), restricted_to=data["restricted_to"]
        )

    done = submitted(
        request, form, add, message=lambda item: _("Item added to the agenda: %(title)s.") % {"title": item.title},
        at="agenda", then=_meeting_url(meeting, "agenda"),
    )
    if done:
        return done
    return render(request, "meetings/agenda_item_form.html", {"form": form, "meeting": meeting})


def _item_context(request: HttpRequest, item: AgendaItem, **extra) -> dict:
    actor = request.user
    meeting = item.meeting
    secretariat = permissions.is_secretariat(actor, meeting.body_id)
    if meeting.agenda_is_open_for_comments and not item.withdrawn and "comment_form" not in extra:
        extra["comment_form"] = forms.CommentForm()
    return {
        "item": item,
        "meeting": meeting,
        "secretariat": secretariat,
        "minutes_readable": selectors.minutes_readable(meeting=meeting, secretariat=secretariat, actor=actor),
        "shared_with": permissions.granted_agencies(item) if item.restricted else [],
        "papers": selectors.item_papers(actor=actor, item=item),
        "comments": selectors.item_comments(actor=actor, item=item),
        "changes": selectors.agenda_changes(actor=actor, meeting=meeting).filter(item=item),
        "agenda_editable": secretariat and not meeting.is_cancelled and meeting.agenda_status != "final",
        "carried": rules.offer_status_updates(
            actor, list(selectors.carried_actions(actor=actor, item=item)), secretariat=secretariat
        ) if item.reviews_actions else None,
        **extra,
    }


@login_required
def agenda_item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.agenda_item_get(actor=request.user, pk=pk)
    return render(request, "meetings/agenda_item_detail.html", _item_context(request, item))


@login_required
def agenda_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _secretariat_item(request, pk)
    initial = {
        "kind": item.kind, "title_en": item.title_en, "title_fr": item.title_fr, "description": item.description,
        "description_fr": item.description_fr,
        "presenter": item.presenter_id, "presenter_agency": item.presenter_agency_id,
        "minutes_allotted": item.minutes_allotted, "version": item.version,
        "restricted_to": [a.pk for a in permissions.granted_agencies(item)] if item.restricted else [],
    }
    form = forms.AgendaItemForm(request.POST or None, actor=request.user, body=item.meeting.body, initial=initial)

    def update(data: dict) -> AgendaItem:
        return services.agenda_item_update(
            actor=request.user, item=item, version=data["version"] or 0, **form.item_fields(),
            restricted_to=data["restricted_to"],
        )

    done = submitted(request, form, update, message=_("Item saved."), then=_item_url(item))
    if done:
        return done
    # The input stays on the form; the stored item is shown beside it, untouched.
    conflict = selectors.agenda_item_get(actor=request.user, pk=pk) if conflicted(form) else None
    status = 409 if conflict else 200
    return render(
        request, "meetings/agenda_item_form.html",
        {"form": form, "meeting": item.meeting, "item": item, "conflict": conflict}, status=status,
    )


def _render_agenda(request: HttpRequest, meeting: Meeting, **extra) -> HttpResponse:
    items = list(selectors.agenda_items(actor=request.user, meeting=meeting))
    return render(
        request, "meetings/_agenda.html", _agenda_context(meeting, items, True, actor=request.user, **extra)
    )


@login_required
def agenda_item_move(request: HttpRequest, pk: int) -> HttpResponse:
    item = _secretariat_item(request, pk)
    meeting = item.meeting
    order = [i.pk for i in selectors.agenda_items(actor=request.user, meeting=meeting)]
    form = forms.MoveForm(request.POST or None, initial={"position": order.index(item.pk) + 1})
    if request.method != "POST":
        return render(request, "meetings/agenda_item_move.html", {"form": form, "item": item, "positions": len(order)})
    if not form.is_valid():
        return HttpResponseBadRequest(_("Say where the item goes."))
    step = {"up": -1, "down": 1}.get(form.cleaned_data["direction"])
    position = order.index(item.pk) + 1 + step if step else form.cleaned_data["position"]
    try:
        moved = services.agenda_item_move(actor=request.user, item=item, position=position)
    except ValidationError as error:
        if request.htmx:
            return _render_agenda(request, meeting, agenda_message=" ".join(error.messages))
        _refused(request, error, at="agenda")
        return redirect(_meeting_url(meeting, "agenda"))
    done = _("“%(title)s” is now item %(position)s.") % {"title": moved.title, "position": moved.position}
    if request.htmx:
        return _render_agenda(
            request, meeting, moved_id=moved.pk, moved_direction=form.cleaned_data["direction"], agenda_message=done
        )
    messages.success(request, done, extra_tags="agenda")
    return redirect(_meeting_url(meeting, "agenda"))


@login_required
def agenda_item_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    item = _secretariat_item(request, pk)
    meeting = item.meeting
    if request.method == "POST":
        try:
            services.agenda_item_withdraw(actor=request.user, item=item)
        except ValidationError as error:
            _refused(request, error)
            return redirect(_item_url(item))
        if meeting.agenda_status == Meeting.AgendaStatus.DRAFT:
            messages.success(request, _("Item removed from the draft agenda."), extra_tags="agenda")
        else:
            messages.success(request, _("Item withdrawn; it stays on the agenda, struck through."), extra_tags="agenda")
        return redirect(_meeting_url(meeting, "agenda"))
    return render(request, "meetings/confirm.html", {
        "meeting": meeting, "item": item, "heading": _("Withdraw this item?"),
        "explanation": _("Before the agenda is circulated the item is removed. After, it stays on the agenda, "
                         "struck through, and the change is shown to invitees."),
        "button": _("Withdraw the item"), "cancel_url": _item_url(item),
    })


def _told(request: HttpRequest):
    """Who the action will notify, as the actor may see them, for its confirmation page."""
    return lambda meeting: list(selectors.people_told(actor=request.user, meeting=meeting))


def _agenda_step(
    request: HttpRequest, pk: int, *, service, done: str, heading: str, explanation: str, button: str, told=None
):
    meeting = _secretariat_meeting(request, pk)
    if request.method == "POST":
        try:
            service(actor=request.user, meeting=meeting)
        except ValidationError as error:
            _refused(request, error, at="agenda")
        else:
            messages.success(request, done, extra_tags="agenda")
        return redirect(_meeting_url(meeting, "agenda"))
    return render(request, "meetings/confirm.html", {
        "meeting": meeting, "heading": heading, "explanation": explanation, "button": button,
        "cancel_url": _meeting_url(meeting, "agenda"), "told": told(meeting) if told else None,
    })


@login_required
def agenda_circulate(request: HttpRequest, pk: int) -> HttpResponse:
    return _agenda_step(
        request, pk, service=services.agenda_circulate, done=_("Agenda circulated to the invitees."),
        heading=_("Circulate the agenda?"), button=_("Circulate the agenda"),
        explanation=_("Invitees will see the agenda and its papers and can comment on items. Changes made after "
                      "this are shown to them as changes."), told=_told(request),
    )


@login_required
def agenda_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    return _agenda_step(
        request, pk, service=services.agenda_finalise, done=_("Agenda final."),
        heading=_("Make the agenda final?"), button=_("Make the agenda final"),
        explanation=_("A final agenda can no longer change, and comments close."),
    )


def _upload_refused(form: forms.PaperForm, error: ValidationError) -> None:
    about_the_file = getattr(error, "code", None) in UPLOAD_CODES
    add_service_error(form, error, plain_field="file" if about_the_file else None)


@login_required
def paper_upload(request: HttpRequest, pk: int) -> HttpResponse:
    item = _secretariat_item(request, pk)
    form = forms.PaperForm(request.POST or None, request.FILES or None, actor=request.user)

    def upload(data: dict) -> Paper:
        return services.paper_upload(
            actor=request.user, item=item, title=data["title"], upload=data["file"],
            classification=data["classification"],
        )

    done = submitted(
        request, form, upload, refused=_upload_refused, message=_("Paper attached."), at="papers",
        then=_item_url(item, "papers"),
    )
    if done:
        return done
    return render(request, "meetings/paper_form.html", {"form": form, "item": item, "meeting": item.meeting})


@login_required
def paper_download(request: HttpRequest, pk: int) -> FileResponse:
    paper = selectors.paper_get(actor=request.user, pk=pk)
    return _paper_file(request, paper, paper)


def _paper_file(request: HttpRequest, paper: Paper, stored: Paper | PaperVersion, suffix: str = "") -> FileResponse:
    """The file of `stored` (the paper, or one of its earlier versions), recorded in the audit trail when the paper
    is restricted material."""
    response = uploads.file_response(
        stored.file, content_type=stored.content_type, original_name=stored.original_name, suffix=suffix
    )
    audit.read(request.user, stored, restricted=paper.is_restricted_material, downloaded=True)
    return response


@login_required
def paper_versions(request: HttpRequest, pk: int) -> HttpResponse:
    paper = selectors.paper_get(actor=request.user, pk=pk)
    meeting = paper.item.meeting
    secretariat = permissions.is_secretariat(request.user, meeting.body_id)
    return render(request, "meetings/paper_versions.html", {
        "paper": paper, "item": paper.item, "meeting": meeting,
        "versions": selectors.paper_versions(actor=request.user, paper=paper),
        "replaceable": secretariat and _papers_replaceable(paper.item),
    })


def _papers_replaceable(item: AgendaItem) -> bool:
    """Whether the secretariat may still replace the item's papers (paper_replace says why not, if asked)."""
    meeting = item.meeting
    return not (meeting.is_cancelled or meeting.agenda_status == Meeting.AgendaStatus.FINAL or item.withdrawn)


@login_required
def paper_version_download(request: HttpRequest, pk: int, number: int) -> FileResponse:
    version = selectors.paper_version_get(actor=request.user, paper_pk=pk, number=number)
    return _paper_file(request, version.paper, version, suffix=f"-v{version.number}")


@login_required
def paper_replace(request: HttpRequest, pk: int) -> HttpResponse:
    paper = selectors.paper_get(actor=request.user, pk=pk)
    permissions.require_secretariat(request.user, paper.item.meeting.body_id)
    form = forms.PaperReplaceForm(request.POST or None, request.FILES or None, initial={"version": paper.version})

    def replace(data: dict) -> Paper:
        return services.paper_replace(
            actor=request.user, paper=paper, upload=data["file"], expected_version=data["version"],
            title=data["title"],
        )

    done = submitted(
        request, form, replace, refused=_upload_refused, at="papers", then=_item_url(paper.item, "papers"),
        message=lambda replaced: _("Paper replaced: %(title)s is now version %(version)s.")
        % {"title": replaced.title, "version": replaced.version},
    )
    if done:
        return done
    # Someone else replaced it after the form was opened: the paper as it now is, beside the form.
    current = selectors.paper_get(actor=request.user, pk=pk) if conflicted(form) else None
    return render(
        request, "meetings/paper_replace.html",
        {"form": form, "paper": paper, "item": paper.item, "meeting": paper.item.meeting, "current": current},
        status=409 if current else 200,
    )


@login_required
@require_POST
def agenda_start(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _secretariat_meeting(request, pk)
    form = forms.AgendaStartForm(request.POST)

    def started(items: list[AgendaItem]) -> str:
        count = len(items)
        return ngettext("The agenda starts with %(count)s item.", "The agenda starts with %(count)s items.", count) % {
            "count": count,
        }

    done = submitted(
        request, form, lambda data: services.agenda_start(actor=request.user, meeting=meeting, source=data["source"]),
        message=started, at="agenda", then=_meeting_url(meeting, "agenda"),
        refused=lambda form, error: _refused(request, error, at="agenda"),
    )
    if done:
        return done
    if form.is_valid():  # refused by the service, which said why
        return redirect(_meeting_url(meeting, "agenda"))
    # Nothing chosen, or not one of the choices: the meeting page again, saying so, and nothing changed.
    _refused(request, ValidationError(_("Choose the template or the last meeting's agenda.")), at="agenda")
    return render(request, "meetings/meeting_detail.html", _meeting_context(request, meeting), status=400)


@login_required
def agenda_template(request: HttpRequest, acronym: str) -> HttpResponse:
    actor = request.user
    body = core_selectors.body_get(actor=actor, acronym=acronym)
    template = selectors.agenda_template_get(actor=actor, body=body)
    agencies = forms.body_agencies(actor, body)
    initial = [
        {name: getattr(item, name) for name in forms.StandingItemForm.Meta.fields} | {"ORDER": n}
        for n, item in enumerate(template.standing_items, start=1)
    ]
    for row in initial:
        row["presenter_agency"] = row["presenter_agency"].pk if row["presenter_agency"] else None
    formset = forms.StandingItemFormSet(request.POST or None, initial=initial, agencies=agencies, prefix="items")
    version = forms.TemplateVersionForm(request.POST or None, initial={"version": template.version})
    conflict = None
    if request.method == "POST" and formset.is_valid() and version.is_valid():
        items = formset.standing_items()
        try:
            services.agenda_template_save(
                actor=actor, body=body, items=items, version=version.cleaned_data["version"]
            )
        except ValidationError as error:
            if not isinstance(error, ConflictError):
                formset._non_form_errors = formset.error_class(error.messages)
            elif template.updated_by_id == actor.pk and _same_standing_items(template, items):
                # Their own save, sent again (a double click): it is saved, and nobody else's was overwritten.
                messages.success(request, _("Agenda template saved."), extra_tags="template")
                return redirect("agenda-template", acronym=body.acronym)
            else:
                conflict = error
        else:
            messages.success(request, _("Agenda template saved."), extra_tags="template")
            return redirect("agenda-template", acronym=body.acronym)
    elif request.method == "POST" and not version.is_valid():
        formset._non_form_errors = formset.error_class([_("The form was incomplete: reload the page.")])
    status = 409 if conflict else 400 if request.method == "POST" else 200
    return render(request, "meetings/agenda_template.html", {
        "body": body, "template": template, "formset": formset, "version": version, "conflict": conflict,
    }, status=status)


def _same_standing_items(template, items: list[dict]) -> bool:
    """Whether the template as stored (read for this request) holds exactly these standing items."""
    fields = services.STANDING_ITEM_FIELDS
    stored = [{name: getattr(item, name) for name in fields} for item in template.standing_items]
    return stored == [{name: row.get(name) for name in fields} for row in items]


# Review ------------------------------------------------------------------------------------------------


@login_required
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.agenda_item_get(actor=request.user, pk=pk)
    form = forms.CommentForm(request.POST)
    added = _("Comment added.")

    def in_place(comment: Comment) -> HttpResponse:
        # The comments with the new one, an empty form for the next, and the outcome beside it.
        context = _item_context(request, item, comment_form=forms.CommentForm(), comment_message=added)
        return render(request, "meetings/_comments.html", context)

    done = submitted(
        request, form, lambda data: services.comment_add(actor=request.user, item=item, text=data["text"]),
        message=added, at="comments", then=_item_url(item, "comments"), in_place=in_place,
    )
    if done:
        return done
    template = "meetings/_comments.html" if request.htmx else "meetings/agenda_item_detail.html"
    return render(request, template, _item_context(request, item, comment_form=form))


@login_required
def rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    meeting = selectors.meeting_get(actor=actor, pk=pk)
    if not rules.is_invitee(actor, meeting):
        raise PermissionDenied(_("Only invitees can answer for this meeting."))
    current = next((r for r in selectors.rsvps(actor=actor, meeting=meeting) if r.user_id == actor.pk), None)
    form = _rsvp_form(actor, current, request.POST or None)

    def answer(data: dict) -> Rsvp:
        return services.rsvp_set(
            actor=actor, meeting=meeting, response=data["response"], delegate=data["delegate"], note=data["note"],
        )

    def page(saved: Rsvp | None = None) -> HttpResponse:
        template = "meetings/_rsvp.html" if request.htmx else "meetings/rsvp.html"
        return render(request, template, {
            "meeting": meeting, "rsvp_form": form, "my_rsvp": saved or current, "invited": True,
            "answerable": not meeting.is_cancelled and not meeting.is_past, "rsvp_saved": saved is not None,
        })

    done = submitted(
        request, form, answer, in_place=page, at="rsvp", then=_meeting_url(meeting, "rsvp"),
        message=lambda saved: _("Your answer is saved: %(answer)s.") % {"answer": saved.get_response_display()},
    )
    if done:
        return done
    return page()


@login_required
def agendas_to_review(request: HttpRequest) -> HttpResponse:
    actor = request.user
    return render(request, "meetings/agendas_to_review.html", {"meetings": selectors.agendas_to_review(actor=actor)})


# Hold and record ---------------------------------------------------------------------------------------


@login_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _secretariat_meeting(request, pk)
    actor = request.user
    people = list(selectors.invited_people(actor=actor, meeting=meeting))
    recorded = {row.user_id: row.mode for row in selectors.attendance(actor=actor, meeting=meeting)}
    guests = list(selectors.guests(actor=actor, meeting=meeting))
    form = forms.AttendanceForm(request.POST or None, people=people, recorded=recorded, guests=guests)
    done = submitted(
        request, form, lambda data: services.attendance_record(
            actor=actor, meeting=meeting, present=form.present(), guests=form.guests_present()
        ),
        message=_("Attendance recorded."), at="attendance", then=_meeting_url(meeting, "attendance"),
    )
    if done:
        return done
    return render(request, "meetings/attendance_form.html", {
        "form": form, "meeting": meeting, "quorum": selectors.quorum(actor=actor, meeting=meeting),
    })


@login_required
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _secretariat_meeting(request, pk)
    items = [i for i in selectors.agenda_items(actor=request.user, meeting=meeting) if not i.withdrawn]
    form = forms.MinutesForm(request.POST or None, items=items)
    done = submitted(
        request, form, lambda data: services.minutes_save(actor=request.user, meeting=meeting, minutes=form.minutes()),
        message=_("Minutes saved as a draft."), at="minutes", then=_meeting_url(meeting, "minutes"),
    )
    if done:
        return done
    return render(request, "meetings/minutes_form.html", {"form": form, "meeting": meeting})


@login_required
def minutes_circulate(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _secretariat_meeting(request, pk)
    initial = {"comments_until": meeting.minutes_comments_until or timezone.localdate() + datetime.timedelta(days=7)}
    form = forms.MinutesCirculateForm(request.POST or None, initial=initial)
    done = submitted(
        request, form,
        lambda data: services.minutes_circulate(
            actor=request.user, meeting=meeting, comments_until=data["comments_until"]
        ),
        message=_("Draft minutes circulated to the attendees for comment."), at="minutes",
        then=_meeting_url(meeting, "minutes"),
    )
    if done:
        return done
    return render(request, "meetings/minutes_circulate.html", {
        "form": form, "meeting": meeting, "told": minutes_audience(meeting),
    })


@login_required
def minutes_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft minutes, item by item, for the attendees to comment on (each reads their own comments) and for the
    secretariat to read every comment."""
    actor = request.user
    meeting = selectors.meeting_get(actor=actor, pk=pk)
    secretariat = permissions.is_secretariat(actor, meeting.body_id)
    if not selectors.minutes_readable(meeting=meeting, secretariat=secretariat, actor=actor):
        raise PermissionDenied(_("The draft minutes are read by the secretariat and, once circulated, the attendees."))
    items = [i for i in selectors.agenda_items(actor=actor, meeting=meeting) if not i.withdrawn]
    open_for_comment = services.minutes_open_for_comment(meeting) and selectors.is_attendee(actor, meeting)
    form = forms.MinutesCommentForm(request.POST or None, items=items) if open_for_comment else None
    if request.method == "POST" and form is None:
        raise PermissionDenied(_("The draft minutes are not open for your comments."))
    if form is not None:
        done = submitted(
            request, form,
            lambda data: services.minutes_comment_add(actor=actor, item=form.commented_item(), text=data["text"]),
            message=_("Comment sent to the secretariat."), at="minutes-review",
            then=lambda comment: reverse("minutes-review", args=[meeting.pk]) + f"#minutes-item-{comment.item_id}",
        )
        if done:
            return done
    comments: dict[int, list] = {}
    for comment in selectors.minutes_comments(actor=actor, meeting=meeting):
        comments.setdefault(comment.item_id, []).append(comment)
    for item in items:
        item.draft_comments = comments.get(item.pk, [])
    posted_item = form.cleaned_data.get("item") if form is not None and form.is_bound and form.is_valid() else None
    return render(request, "meetings/minutes_review.html", {
        "meeting": meeting, "items": items, "secretariat": secretariat, "form": form,
        "open_for_comment": open_for_comment, "posted_item": posted_item,
        "posted_text": request.POST.get("text", "") if form is not None and form.is_bound else "",
    }, status=400 if form is not None and form.is_bound else 200)


@login_required
def minutes_approve(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _secretariat_meeting(request, pk)
    if request.method == "POST":
        try:
            services.minutes_approve(actor=request.user, meeting=meeting)
        except ValidationError as error:
            _refused(request, error, at="minutes")
        else:
            messages.success(
                request, _("Minutes approved. Members now see them and the decisions."), extra_tags="minutes"
            )
        return redirect(_meeting_url(meeting, "minutes"))
    return render(request, "meetings/confirm.html", {
        "meeting": meeting, "heading": _("Approve the minutes?"),
        "explanation": _("Approved minutes, with the meeting's decisions, are shown to members; the record of the "
                         "meeting can then no longer change."),
        "button": _("Approve the minutes"), "cancel_url": _meeting_url(meeting, "minutes"),
        "told": _told(request)(meeting),
    })


def _record_items(request: HttpRequest, meeting: Meeting):
    return selectors.agenda_items(actor=request.user, meeting=meeting).filter(withdrawn=False)


@login_required
def decision_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _secretariat_meeting(request, pk)
    form = forms.DecisionForm(request.POST or None, items=_record_items(request, meeting))
    done = submitted(
        request, form, lambda data: services.decision_record(actor=request.user, meeting=meeting, **data),
        message=_("Decision recorded."), at="decisions", then=_meeting_url(meeting, "decisions"),
    )
    if done:
        return done
    return render(request, "meetings/record_form.html", {
        "form": form, "meeting": meeting, "heading": _("Record a decision"), "button": _("Record the decision"),
    })


@login_required
def action_item_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _secretariat_meeting(request, pk)
    form = forms.ActionItemForm(
        request.POST or None, actor=request.user, body=meeting.body, items=_record_items(request, meeting)
    )
    done = submitted(
        request, form, lambda data: services.action_item_record(actor=request.user, meeting=meeting, **data),
        message=_("Action item recorded."), at="actions", then=_meeting_url(meeting, "actions"),
    )
    if done:
        return done
    return render(request, "meetings/record_form.html", {
        "form": form, "meeting": meeting, "heading": _("Record an action item"), "button": _("Record the action item"),
    })


# Follow up ---------------------------------------------------------------------------------------------


@login_required
def action_item_status(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    action = selectors.action_item_get(actor=actor, pk=pk)
    secretariat = permissions.is_secretariat(actor, action.meeting.body_id)
    form = forms.ActionStatusForm(request.POST or None, initial={"status": action.status})
    form.fields["status"].choices = rules.status_choices(secretariat=secretariat)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    # Which table of the page the update was made from: its outcome is shown above that table, where the reader is.
    at = request.POST.get("at") or ""
    if not next_url or not ACTION_TABLE.fullmatch(at):
        at = "actions"
    done = submitted(
        request, form, lambda data: services.action_item_set_status(actor=actor, action=action, status=data["status"]),
        message=lambda updated: _("Status of “%(action)s”: %(status)s.") % {
            "action": Truncator(updated.text).words(8), "status": ActionItem.Status(updated.status).label,
        },
        at=at, then=f"{next_url.split('#')[0]}#outcome-{at}" if next_url else _meeting_url(action.meeting, "actions"),
    )
    if done:
        return done
    return render(request, "meetings/action_item_status.html", {
        "form": form, "action": action, "next": next_url,
        "may_update": rules.may_update_action(actor, action, secretariat=secretariat),
    })


@login_required
def register(request: HttpRequest) -> HttpResponse:
    actor = request.user
    form = forms.RegisterFilterForm(request.GET or None, actor=actor)
    if form.is_bound:
        form.is_valid()
    filters = selectors.RegisterFilter(**form.filters())
    actions = rules.offer_status_updates(actor, list(selectors.action_register(actor=actor, filters=filters)))
    decision_filters = filters if not (filters.owner or filters.status) else None
    return render(request, "meetings/register.html", {
        "form": form,
        "actions": actions,
        # Decisions have no owner or status: filtering by either leaves none to show.
        "decisions": selectors.decision_register(actor=actor, filters=decision_filters) if decision_filters else [],
        "decisions_filtered_out": decision_filters is None,
    })


# Guests ------------------------------------------------------------------------------------------------


def _secretariat_guest(request: HttpRequest, pk: int) -> Guest:
    guest = permissions.get_visible_or_404(request.user, Guest.objects.select_related("meeting__body"), pk=pk)
    permissions.require_secretariat(request.user, guest.meeting.body_id)
    return guest


@login_required
def guest_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _secretariat_meeting(request, pk)
    form = forms.GuestForm(request.POST or None)
    done = submitted(
        request, form, lambda data: services.guest_invite(actor=request.user, meeting=meeting, **data),
        message=lambda guest: _("%(name)s is invited; the invitation is on its way to %(email)s.")
        % {"name": guest.name, "email": guest.email},
        at="guests", then=_meeting_url(meeting, "guests"),
    )
    if done:
        return done
    return render(request, "meetings/guest_form.html", {"form": form, "meeting": meeting},
                  status=400 if form.is_bound else 200)


def _guest_step(request: HttpRequest, pk: int, *, service, done: str, heading: str, explanation: str, button: str):
    guest = _secretariat_guest(request, pk)
    meeting = guest.meeting
    if request.method == "POST":
        try:
            service(actor=request.user, guest=guest)
        except ValidationError as error:
            _refused(request, error, at="guests")
        else:
            messages.success(request, done % {"name": guest.name}, extra_tags="guests")
        return redirect(_meeting_url(meeting, "guests"))
    return render(request, "meetings/confirm.html", {
        "meeting": meeting, "heading": heading % {"name": guest.name}, "explanation": explanation, "button": button,
        "danger": True, "cancel_url": _meeting_url(meeting, "guests"),
    })


@login_required
def guest_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _guest_step(
        request, pk, service=services.guest_remove, done=_("%(name)s is no longer a guest of the meeting."),
        heading=_("Remove %(name)s from the guests"),
        explanation=_("Their link stops working at once; if the meeting is still to be held, they are sent a "
                      "cancellation that removes it from their calendar."),
        button=_("Remove the guest"),
    )


@login_required
def guest_link_renew(request: HttpRequest, pk: int) -> HttpResponse:
    return _guest_step(
        request, pk, service=services.guest_link_renew, done=_("A new link is on its way to %(name)s."),
        heading=_("Send %(name)s a new link"),
        explanation=_("The link they have stops working at once, and the invitation is sent again with a new one: "
                      "for a link that was lost or passed on."),
        button=_("Send a new link"),
    )


def guest_page(request: HttpRequest, token: str) -> HttpResponse:
    """The one page a guest opens, without an account: their meeting's title, time, place, link and host, and their
    answer; nothing else of the portal. A link that is not genuine, not their current one, or for a meeting that
    has ended is a plain 404. A cancelled meeting shows that it is cancelled, and nothing to answer."""
    guest = guest_links.guest_from(token)
    if guest is None or guest.meeting.is_past:
        raise Http404()
    meeting = guest.meeting
    form = forms.GuestAnswerForm(request.POST or None, initial={"answer": guest.answer})
    answered = None
    if request.method == "POST" and not meeting.is_cancelled and form.is_valid():
        try:
            # Recorded as the guest's own answer, through their link: no member's name on it, whoever is signed in.
            with acting.on_behalf_of(acting.Channel.GUEST, source=f"POST guest-page guest:{guest.pk}"):
                answered = services.guest_answer(guest=guest, answer=form.cleaned_data["answer"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            guest, form = answered, forms.GuestAnswerForm(initial={"answer": answered.answer})
    response = render(request, "meetings/guest_page.html", {
        "guest": guest, "meeting": meeting, "form": form, "answered": answered,
        # The page belongs to no one signed in: the header shows no menu and no account, whoever opens it.
        "user": AnonymousUser(),
    }, status=400 if form.is_bound and answered is None else 200)
    # The address is the credential: never sent on to the sites the page links to (the meeting's online link). Not
    # "no-referrer": the browser would then post the answer from origin "null", which the CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


# The meeting package ---------------------------------------------------------------------------------------------


def _package_context(request: HttpRequest, meeting: Meeting, items: list[AgendaItem] | None = None, **extra) -> dict:
    wanted = selectors.reader_package(actor=request.user, meeting=meeting, items=items)
    return {"meeting": meeting, "package": wanted.package, "papers_total": wanted.papers_total, **extra}


def _package_requested(package: AgendaPackage) -> str:
    if package.status == AgendaPackage.Status.READY:
        return _("Your meeting package is ready.")
    return _("Your meeting package is being prepared.")


@login_required
def meeting_package(request: HttpRequest, pk: int) -> HttpResponse:
    """The reader's meeting package: whether it is ready, how far along it is (htmx asks again while it is being
    prepared), a button to prepare it and the link to download it."""
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    form = forms.PackageForm(request.POST if request.method == "POST" else None)

    def in_place(package: AgendaPackage) -> HttpResponse:
        context = _package_context(request, meeting, package_message=_package_requested(package))
        return render(request, "meetings/_package.html", context)

    done = submitted(
        request, form, lambda data: services.package_request(actor=request.user, meeting=meeting),
        message=_package_requested, at="package", then=reverse("meeting-package", args=[meeting.pk]),
        in_place=in_place,
    )
    if done:
        return done
    template = "meetings/_package.html" if request.htmx else "meetings/package.html"
    return render(request, template, _package_context(request, meeting))


@login_required
def meeting_package_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The reader's package, stamped with their footer; its download is recorded in the audit trail. Until it is
    ready (or once the agenda changed since it was made), the package page, saying so."""
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    wanted = selectors.reader_package(actor=request.user, meeting=meeting)
    package = wanted.package
    if package is None or package.status != AgendaPackage.Status.READY:
        return render(request, "meetings/package.html", {
            "meeting": meeting, "package": package, "papers_total": wanted.papers_total,
            "package_note": _("Your meeting package is not ready yet: prepare it below."),
        })
    try:
        data = packages.stamp(package, request.user)
    except FileNotFoundError:
        raise Http404() from None
    audit.read(request.user, package, restricted=True, downloaded=True)
    response = HttpResponse(data, content_type="application/pdf")
    filename = f"{slugify(meeting.title_en) or 'meeting'}-{meeting.start:%Y-%m-%d}-package.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response


# Reminders the secretariat aims ------------------------------------------------------------------------------------


def _reminding_meeting(request: HttpRequest, pk: int) -> Meeting:
    """The meeting, for its secretariat; anyone else finds no such page (404), members who see the meeting included:
    the reminders sent and the form are the secretariat's alone."""
    return selectors.for_secretariat(actor=request.user, meeting=selectors.meeting_get(actor=request.user, pk=pk))


def _remind_form(request: HttpRequest, meeting: Meeting, data=None) -> forms.RemindForm:
    actor = request.user
    answers = {answer.user_id: answer for answer in selectors.rsvps(actor=actor, meeting=meeting)}
    return forms.RemindForm(
        data, people=list(selectors.invited_people(actor=actor, meeting=meeting)), answers=answers,
        guests=list(selectors.guests(actor=actor, meeting=meeting)),
    )


def _reminders_context(request: HttpRequest, meeting: Meeting, **extra) -> dict:
    """The meeting page's "Remind invitees" section: its form while the meeting is still to start, and the log."""
    remindable = not meeting.is_cancelled and meeting.start > timezone.now()
    if remindable and "remind_form" not in extra:
        extra["remind_form"] = _remind_form(request, meeting)
    return {
        "meeting": meeting,
        "remindable": remindable,
        "sent_reminders": selectors.sent_reminders(actor=request.user, meeting=meeting),
        **extra,
    }


def _reminded(reminded: services.Reminded) -> str:
    """What a press of the button did, in words: the same whether it sent the reminder or an earlier press had."""
    reminder = reminded.reminder
    count = reminder.recipient_count
    if reminded.already_sent:
        said = ngettext(
            "This reminder was already sent, on %(when)s, to %(count)s person: nothing more was sent.",
            "This reminder was already sent, on %(when)s, to %(count)s people: nothing more was sent.", count,
        ) % {"count": count, "when": date_format(timezone.localtime(reminder.sent_at), "DATETIME_FORMAT")}
    else:
        said = ngettext("Reminder sent to %(count)s person.", "Reminder sent to %(count)s people.", count) % {
            "count": count
        }
    told_by = [recipient.told_by for recipient in reminder.recipients.all()]
    digest, portal = told_by.count("digest"), told_by.count("portal")
    if digest:
        said += " " + ngettext(
            "%(count)s of them will find it in their daily digest.",
            "%(count)s of them will find it in their daily digest.", digest,
        ) % {"count": digest}
    if portal:
        said += " " + ngettext(
            "%(count)s of them receives no reminders by email and will find it in the portal.",
            "%(count)s of them receive no reminders by email and will find it in the portal.", portal,
        ) % {"count": portal}
    return said


@login_required
def meeting_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """Remind invitees now (the secretariat): in place with htmx (the section comes back with the outcome, a new
    form and the log), or by redirecting to the meeting page's section."""
    meeting = _reminding_meeting(request, pk)
    form = _remind_form(request, meeting, request.POST or None)

    def remind(data: dict) -> services.Reminded:
        return services.meeting_remind(
            actor=request.user, meeting=meeting, audience=data["audience"], people=form.chosen_people(),
            guests=form.chosen_guests(), message_en=data["message_en"], message_fr=data["message_fr"], key=data["key"],
        )

    def in_place(reminded: services.Reminded) -> HttpResponse:
        return render(request, "meetings/_reminders.html", _reminders_context(
            request, meeting, reminded_message=_reminded(reminded)
        ))

    done = submitted(
        request, form, remind, message=_reminded, at="reminders", then=_meeting_url(meeting, "reminders"),
        in_place=in_place,
    )
    if done:
        return done
    context = _reminders_context(request, meeting, remind_form=form)
    if request.htmx:
        return render(request, "meetings/_reminders.html", context)
    return render(request, "meetings/remind.html", context, status=400 if form.is_bound else 200)
