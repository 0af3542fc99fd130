"""Errors that services raise and every channel (page, API) reports the same way."""

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

# The API's error codes, one per status: {"error": {"status", "code", "message", "fields"}}.
ERROR_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


class ConflictError(ValidationError):
    """A save based on an older version than the stored one: refused, never silently overwritten."""


def api_error(status: int, message: str, fields: dict[str, list[str]] | None = None) -> JsonResponse:
    """The API's error shape, for refusals made before a view runs (middleware, Django's own checks)."""
    body = {"status": status, "code": ERROR_CODES.get(status, "error"), "message": message, "fields": fields or {}}
    return JsonResponse({"error": body}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's answer to a request it could not read (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a
    NUL): the portal's 400 page, or on the API its error shape, 413 for a body too large."""
    if not request.path_info.startswith("/api/"):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return api_error(413, _("The request body is too large."))
    return api_error(400, _("The request could not be read."))
