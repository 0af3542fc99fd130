"""Pages of the member's sign-in security: the second factor, signing out, the password, API tokens and calendar
feed addresses; and, for the secretariat, the sign-in lockouts of the people of their bodies."""

import base64
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, translate_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from taskforce import selectors as taskforce_selectors

from . import feeds, forms, selectors, services, sessions

# Pages that show a secret (an authenticator key, recovery codes, a new API token, a calendar feed address) must not
# be kept by any cache.
NO_STORE = "no-store, private"
PENDING_KEY = "accounts.pending_authenticator_key"


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return url if safe else reverse("home")


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    return response


def _qr_code(text: str) -> str:
    """The text as a QR code, an SVG image in a data: address (no Pillow, and nothing inline for the CSP)."""
    svg = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """The member's second factor: whether they have one, and new recovery codes (shown once)."""
    actor = request.user
    codes = []
    if request.method == "POST":
        if not actor.is_verified():
            return redirect(_with_next("two-factor-verify", reverse("two-factor")))
        codes = services.recovery_codes_renew(actor=actor)
    context = {
        "authenticator": selectors.authenticator_get(user=actor),
        "required": selectors.second_factor_required(user=actor),
        "codes_left": selectors.recovery_codes_left(user=actor),
        "codes": codes,
        "may_lift_lockouts": selectors.may_lift_lockouts(actor),
    }
    return _no_store(render(request, "accounts/two_factor.html", context))


@login_required
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Add the portal to an authenticator app (QR code or key), confirm with a code, get recovery codes once."""
    actor = request.user
    next_url = _next_url(request)
    replacing = selectors.authenticator_get(user=actor) is not None
    if replacing and not actor.is_verified():
        return redirect(_with_next("two-factor-verify", next_url))
    key = request.session.get(PENDING_KEY) or services.new_authenticator_key()
    request.session[PENDING_KEY] = key
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.authenticator_confirm(
                actor=actor, key=key, code=form.cleaned_data["code"], session_verified=actor.is_verified()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            otp_login(request, device)
            del request.session[PENDING_KEY]
            sessions.second_factor_recheck(request)
            context = {"codes": codes, "next": next_url}
            return _no_store(render(request, "accounts/recovery_codes.html", context))
    pending = TOTPDevice(user=actor, key=key)
    secret = b32encode(unhexlify(key)).decode("ascii")
    context = {
        "form": form,
        "next": next_url,
        "qr_code": _qr_code(pending.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": selectors.second_factor_required(user=actor),
        "replacing": replacing,
    }
    return _no_store(render(request, "accounts/two_factor_enrol.html", context))


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    actor = request.user
    next_url = _next_url(request)
    if actor.is_verified():
        return redirect(next_url)
    if selectors.authenticator_get(user=actor) is None:
        required = selectors.second_factor_required(user=actor)
        return redirect(_with_next("two-factor-enrol", next_url) if required else next_url)
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.second_factor_verify(actor=actor, code=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = selectors.recovery_codes_left(user=actor)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code: it will not work again. %(left)d code is left.",
                        "You used a recovery code: it will not work again. %(left)d codes are left.",
                        left,
                    )
                    % {"left": left},
                )
            return redirect(next_url)
        form.add_error(
            "code",
            _(
                "This code is not valid. Enter the code your app shows now, or an unused recovery code. "
                "After a wrong code, wait a few seconds before the next try."
            ),
        )
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


def sign_out(request: HttpRequest) -> HttpResponse:
    """Signing out ends every session of the member, on every device; their API tokens keep working unless they ask
    for them to be revoked too. A session that has not passed its second factor ends only itself: the password
    alone must not reach the others, nor the tokens."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGOUT_REDIRECT_URL)
    password_only = sessions.second_factor_due(request) and not request.user.is_verified()
    form = forms.SignOutForm(request.POST or None)
    if request.method == "POST":
        if password_only:
            logout(request)
            return redirect(settings.LOGOUT_REDIRECT_URL)
        revoke_tokens = form.is_valid() and form.cleaned_data["revoke_tokens"]  # a box: ticked or not
        revoked = services.sign_out_everywhere(actor=request.user, revoke_tokens=revoke_tokens)
        logout(request)
        messages.success(request, _("You are signed out on every device."))
        _say_revoked(request, revoked)
        return redirect(settings.LOGOUT_REDIRECT_URL)
    active_tokens = selectors.api_token_list(actor=request.user).filter(revoked_at__isnull=True).count()
    context = {"form": form, "active_tokens": active_tokens, "password_only": password_only}
    return render(request, "accounts/sign_out.html", context)


def _say_revoked(request: HttpRequest, revoked: int) -> None:
    if revoked:
        messages.success(
            request,
            ngettext("%(count)d API token was revoked.", "%(count)d API tokens were revoked.", revoked)
            % {"count": revoked},
        )


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """A new password, held to the password rules; the member's other sessions end and their API tokens are
    revoked, this session goes on."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        revoked = services.password_change(actor=request.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password is changed. Your other sessions have ended."))
        _say_revoked(request, revoked)
        return redirect("password-change")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def lockout_list(request: HttpRequest) -> HttpResponse:
    """For the secretariat: the people of their bodies (and addresses) that may not sign in for now; unlock."""
    if request.method == "POST":
        return _lockout_lift(request)
    lockouts = selectors.lockout_list(actor=request.user)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/lockout_list.html", {"lockouts": lockouts, "lockout_minutes": minutes})


def _lockout_lift(request: HttpRequest) -> HttpResponse:
    username, address = request.POST.get("username", ""), request.POST.get("address", "")
    services.lockout_lift(actor=request.user, username=username, address=address)
    messages.success(request, _("%(who)s can try to sign in again now.") % {"who": username or address})
    return redirect("lockout-list")


class SignInView(auth_views.LoginView):
    """Sign-in that lands in the member's preferred language, whatever the language of the sign-in page."""

    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        return translate_url(super().get_success_url(), self.request.user.language)


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
        "accounts/api_token_list.html",
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
    bodies = taskforce_selectors.body_list(actor=actor).filter(memberships__user_id=actor.pk) if feed else []
    response = render(
        request,
        "accounts/calendar_feed_settings.html",
        {
            "feed": feed,
            "feed_url": feeds.feed_url(feed) if feed else "",
            # The same address for calendar apps that subscribe in one click (webcal: opens the default app).
            "subscribe_url": feeds.subscribe_url(feeds.feed_url(feed)) if feed else "",
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
        renewal = selectors.calendar_feed_get(actor=request.user) is not None
        services.calendar_feed_regenerate(actor=request.user)
        if renewal:
            messages.success(request, _("Your calendar feed has a new address; the previous one no longer works."))
        else:
            messages.success(request, _("Your calendar feed is ready: subscribe to it in your calendar app."))
