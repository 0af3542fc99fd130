"""HTML pages of the task-force core. Each view fetches through a selector scoped to the actor."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import translate_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import feeds, forms, selectors, services, translations

# Pages that show a secret (a new API token, a calendar feed address) must not be kept by any cache.
NO_STORE = "no-store, private"


class SignInView(auth_views.LoginView):
    """Sign-in that lands in the member's preferred language, whatever the language of the sign-in page."""

    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        return translate_url(super().get_success_url(), self.request.user.language)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    actor = request.user
    return render(
        request,
        "taskforce/home.html",
        {
            "bodies": selectors.body_list(actor=actor),
            "milestones": selectors.milestone_list(actor=actor),
        },
    )


@login_required
def body_detail(request: HttpRequest, acronym: str) -> HttpResponse:
    actor = request.user
    body = selectors.body_get(actor=actor, acronym=acronym)
    return render(
        request,
        "taskforce/body_detail.html",
        {
            "body": body,
            "agency_roles": selectors.body_agency_roles(actor=actor, body=body),
            "memberships": selectors.body_memberships(actor=actor, body=body),
            "milestones": selectors.milestone_list(actor=actor, body=body),
        },
    )


@login_required
def milestone_detail(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = selectors.milestone_get(actor=request.user, pk=pk)
    return render(request, "taskforce/milestone_detail.html", {"milestone": milestone})


@login_required
def agency_list(request: HttpRequest) -> HttpResponse:
    return render(request, "taskforce/agency_list.html", {"agencies": selectors.agency_list(actor=request.user)})


@login_required
def agency_detail(request: HttpRequest, acronym: str) -> HttpResponse:
    actor = request.user
    agency = selectors.agency_get(actor=actor, acronym=acronym)
    return render(
        request,
        "taskforce/agency_detail.html",
        {"agency": agency, "members": selectors.member_list(actor=actor, agency=agency)},
    )


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    return render(request, "taskforce/member_list.html", {"members": selectors.member_list(actor=request.user)})


@login_required
def member_detail(request: HttpRequest, username: str) -> HttpResponse:
    member = selectors.member_get(actor=request.user, username=username)
    return render(request, "taskforce/member_detail.html", {"member": member})


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("notification") if i.isdigit()]
        services.notifications_mark_read(actor=request.user, ids=ids or None)
        return redirect("notification-list")
    notifications_ = selectors.notification_list(actor=request.user)[:200]
    return render(request, "taskforce/notification_list.html", {"notifications": notifications_})


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
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_set(actor=actor, modes=form.cleaned_data)
        messages.success(request, _("Your notification choices are saved."))
        return redirect("notification-preferences")
    return render(request, "taskforce/notification_preferences.html", {"form": form})


@login_required
def delivery_list(request: HttpRequest) -> HttpResponse:
    """For the secretariat: messages that failed or wait, for the people of their bodies."""
    if request.method == "POST":
        chosen = request.POST.get("delivery", "")
        delivery = selectors.delivery_get(actor=request.user, pk=int(chosen) if chosen.isdigit() else 0)
        try:
            services.delivery_retry(actor=request.user, delivery=delivery)
        except ValidationError as error:  # sent again already (a second click), or sent meanwhile
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The message will be sent again."))
        return redirect("delivery-list")
    return render(request, "taskforce/delivery_list.html", {"deliveries": selectors.delivery_list(actor=request.user)})


# The member's own account: API tokens and calendar feeds.


@login_required
def api_token_list(request: HttpRequest) -> HttpResponse:
    """The member's tokens, and a form for a new one whose text is shown in this response only."""
    actor = request.user
    form = forms.ApiTokenForm(request.POST or None)
    created, created_text = None, ""
    if request.method == "POST" and form.is_valid():
        try:
            created, created_text = services.api_token_create(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = forms.ApiTokenForm()
    tokens = selectors.api_token_list(actor=actor)
    response = render(
        request,
        "taskforce/api_token_list.html",
        {"form": form, "tokens": tokens, "created": created, "created_text": created_text},
    )
    response["Cache-Control"] = NO_STORE
    return response


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.api_token_get(actor=request.user, pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("api-token-list")


@login_required
def calendar_feed_settings(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if request.method == "POST":
        _calendar_feed_change(request, request.POST.get("action", ""))
        return redirect("calendar-feed-settings")
    feed = selectors.calendar_feed_get(actor=actor)
    # The bodies the member belongs to: each has a feed of what it shares with all its members.
    bodies = selectors.body_list(actor=actor).filter(memberships__user_id=actor.pk) if feed else []
    response = render(
        request,
        "taskforce/calendar_feed_settings.html",
        {
            "feed": feed,
            "feed_url": feeds.feed_url(feed) if feed else "",
            "body_feeds": [(body, feeds.body_feed_url(feed, body)) for body in bodies],
            "days_back": feeds.DAYS_BACK,
        },
    )
    response["Cache-Control"] = NO_STORE
    return response


def _calendar_feed_change(request: HttpRequest, action: str) -> None:
    if action == "revoke":
        services.calendar_feed_revoke(actor=request.user)
        messages.success(request, _("Your calendar feed is turned off; its address no longer works."))
    elif action == "regenerate":
        services.calendar_feed_regenerate(actor=request.user)
        messages.success(request, _("Your calendar feed has a new address; the previous one no longer works."))


@login_required
def translation_list(request: HttpRequest) -> HttpResponse:
    """The secretariat's list of shared texts still missing English or French."""
    return render(request, "taskforce/translation_list.html", {"rows": translations.untranslated(actor=request.user)})
