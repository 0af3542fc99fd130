"""Single-line text: a title, a name or a note kept on one line, because it ends up in an email's subject, a
calendar's summary or a spreadsheet's cell, where a line break splits or breaks it."""

import re

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Control characters (line feed, carriage return, tab, NUL, ...) and Unicode's line and paragraph separators.
BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@deconstructible
class SingleLineValidator:
    message = _("Enter this on one line, without line breaks or control characters.")
    code = "single_line"

    def __call__(self, value: object) -> None:
        if isinstance(value, str) and BREAKING.search(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SingleLineValidator)


single_line = SingleLineValidator()


def one_line(text: str) -> str:
    """`text` with every run of whitespace and control characters made one space: what a header can carry."""
    return " ".join(BREAKING.sub(" ", text).split())


def keep_text_fields_on_one_line() -> None:
    """Every CharField of the portal's own models refuses line breaks and control characters (TextFields are for
    text that spans lines). Model validation runs in every service (`full_clean`), the admin's forms and DRF's
    model serializers, so forms and the API refuse them alike. Added to the field's validators rather than
    declared on each field: a new field is covered without anyone remembering, and migrations do not change."""
    for model in apps.get_models():
        if not (settings.BASE_DIR / model._meta.app_config.name.split(".")[0]).is_dir():
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField) and single_line not in field.validators:
                field.validators.append(single_line)
