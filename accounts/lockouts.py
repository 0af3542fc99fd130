"""django-axes hooks: whose address a request comes from, and the page a locked-out sign-in gets."""

import ipaddress

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_address(request: HttpRequest) -> str | None:
    """The connection's address or, behind NUM_PROXIES reverse proxies, the one the outermost of them saw (the
    same rule as the API's throttles). Anything that is not an address counts as none."""
    address = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if settings.NUM_PROXIES and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        address = hops[-min(settings.NUM_PROXIES, len(hops))]
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return None


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None):
    """The sign-in page again, saying that signing in is paused. It reads the same whether or not the username
    exists, and whether the username or the address is locked."""
    context = {
        "form": AuthenticationForm(request),
        "locked_out": True,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)
