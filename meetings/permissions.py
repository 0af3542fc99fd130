"""Which meeting actions a person may take. The services decide (and check again); pages ask here so that they
offer a control only to those who may use it. Who may *see* what is the visibility core's (taskforce/permissions.py).
"""

from members.models import User
from taskforce import permissions as core

from .models import ActionItem, Meeting


def is_invitee(actor: User, meeting: Meeting) -> bool:
    """Invitees answer invitations: those the meeting is shared with, by agency or by name, as members of its body."""
    return core.readers(meeting, shared=True).filter(pk=actor.pk).exists()


def may_update_action(actor: User, action: ActionItem, *, secretariat: bool) -> bool:
    """An action item's status: its owner (or anyone of the owner agency when no person is named), or the
    secretariat."""
    owns = action.owner_id == actor.pk or (action.owner_id is None and action.owner_agency_id == actor.agency_id)
    return secretariat or owns
