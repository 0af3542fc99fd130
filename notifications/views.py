"""A member's notices and their choice of how to receive each kind; the secretariat's list of emails not delivered."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from taskforce import parsing
from taskforce.submit import submitted

from . import forms, selectors, services


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [parsing.object_id(value) for value in request.POST.getlist("notification")]
        if None in ids:
            # Naming no notification is "Mark all as read"; naming one by something that is no id is a mistake.
            raise BadRequest("A notification is named by its id.")
        services.notifications_mark_read(actor=request.user, ids=ids or None)
        return redirect("notification-list")
    notifications_ = selectors.notification_list(actor=request.user)[:200]
    return render(request, "notifications/notification_list.html", {"notifications": notifications_})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to what it is about."""
    notification = selectors.notification_get(actor=request.user, pk=pk)
    if request.method == "POST":
        services.notifications_mark_read(actor=request.user, ids=[notification.pk])
    # Links are stored absolute (the same as in the email): on the portal's own address, or nowhere.
    portal_host = urlsplit(settings.PORTAL_URL).netloc
    safe = url_has_allowed_host_and_scheme(notification.url, allowed_hosts={portal_host})
    return redirect(notification.url if safe else "notification-list")


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    actor = request.user
    form = forms.NotificationPreferencesForm(request.POST or None, initial=selectors.notification_modes(actor=actor))
    done = submitted(
        request, form, lambda modes: services.notification_preferences_set(actor=actor, modes=modes),
        message=_("Your notification choices are saved."), then="notification-preferences",
    )
    if done:
        return done
    return render(request, "notifications/notification_preferences.html", {"form": form})


@login_required
def delivery_list(request: HttpRequest) -> HttpResponse:
    """For the secretariat: messages that failed or wait, for the people of their bodies."""
    if request.method == "POST":
        chosen = request.POST.get("delivery", "")
        delivery = selectors.delivery_get(actor=request.user, pk=parsing.object_id(chosen) or 0)
        try:
            services.delivery_retry(actor=request.user, delivery=delivery)
        except ValidationError as error:  # sent again already (a second click), or sent meanwhile
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The message will be sent again."))
        return redirect("delivery-list")
    deliveries = selectors.delivery_list(actor=request.user)
    return render(request, "notifications/delivery_list.html", {"deliveries": deliveries})


@login_required
def delivery_sent_list(request: HttpRequest) -> HttpResponse:
    """For the secretariat: every message sent to the people of their bodies (and their meetings' guests), newest
    first, a page at a time; `?before=<id>` continues after that message."""
    before = None
    if "before" in request.GET:
        pk = parsing.object_id(request.GET["before"])
        if pk is None:
            raise BadRequest("A page of messages starts after a message, named by its id.")
        before = selectors.delivery_sent_get(actor=request.user, pk=pk)
    deliveries = selectors.delivery_sent_list(actor=request.user, before=before)
    more = len(deliveries) > selectors.SENT_PAGE_SIZE
    deliveries = deliveries[: selectors.SENT_PAGE_SIZE]
    return render(request, "notifications/delivery_sent_list.html", {
        "deliveries": deliveries, "older": deliveries[-1].pk if more else None, "continued": before is not None,
    })
