"""Errors that services raise and every channel (page, API) reports the same way."""

from django.core.exceptions import ValidationError


class ConflictError(ValidationError):
    """A save based on an older version than the stored one: refused, never silently overwritten."""
