"""Writes for agencies and members."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F

from .models import Agency, User


def _agency_group_name(acronym: str) -> str:
    return f"agency:{acronym.upper()}"


@transaction.atomic
def agency_create(
    *,
    acronym: str,
    name_en: str,
    name_fr: str,
    country: str,
    parent: Agency | None = None,
    acronym_fr: str = "",
) -> Agency:
    """An agency and the group that holds what is shared with it."""
    agency = Agency(acronym=acronym, acronym_fr=acronym_fr, name_en=name_en, name_fr=name_fr, country=country,
                    parent=parent)
    agency.group = Group(name=_agency_group_name(acronym))
    agency.full_clean(exclude=["group"])
    agency.group.save()
    agency.save()
    return agency


@transaction.atomic
def agency_update(*, agency: Agency, **fields) -> Agency:
    for name, value in fields.items():
        setattr(agency, name, value)
    agency.full_clean(exclude=["group"])
    agency.save()
    if agency.group.name != _agency_group_name(agency.acronym):
        agency.group.name = _agency_group_name(agency.acronym)
        agency.group.save(update_fields=["name"])
    return agency


@transaction.atomic
def member_create(*, username: str, agency: Agency, password: str | None = None, **fields) -> User:
    user = User(username=username, agency=agency, **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def member_sessions_end(*, member: User) -> None:
    """End every session of the member, on every device, at once (their session hash changes)."""
    User.objects.filter(pk=member.pk).update(session_epoch=F("session_epoch") + 1)
    member.refresh_from_db(fields=["session_epoch"])


@transaction.atomic
def member_deactivate(*, member: User) -> User:
    """The member can no longer sign in; their sessions end now and stay ended if they are reactivated.
    Their API tokens and calendar feeds are refused while they are inactive (accounts/authentication.py)."""
    member.is_active = False
    member.save(update_fields=["is_active"])
    member_sessions_end(member=member)
    return member
