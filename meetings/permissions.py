"""Which meeting actions a person may take. The services decide (and check again); pages ask here so that they
offer a control only to those who may use it. Who may *see* what is the visibility core's (taskforce/permissions.py).
"""

from members.models import User
from taskforce import permissions as core

from .models import ActionItem, Meeting


def is_invitee(actor: User, meeting: Meeting) -> bool:
    """Invitees answer invitations: those the meeting is shared with, by agency or by name, as members of its body."""
    return core.readers(meeting, shared=True).filter(pk=actor.pk).exists()


def status_choices(*, secretariat: bool) -> list[tuple[str, str]]:
    """The statuses one may set: only the secretariat cancels an action item."""
    return [c for c in ActionItem.Status.choices if secretariat or c[0] != ActionItem.Status.CANCELLED]


def offer_status_updates(
    actor: User, actions: list[ActionItem], *, secretariat: bool | None = None
) -> list[ActionItem]:
    """Marks each action item with whether the actor may update its status (`may_update`) and to what
    (`status_options`), for the tables that offer the control. `secretariat` when known (the action items of one
    meeting); otherwise from the action items' meetings, which must be loaded."""
    secretariat_of = core.secretariat_body_ids(actor) if secretariat is None else ()
    for action in actions:
        if secretariat is None:
            in_secretariat = actor.is_superuser or action.meeting.body_id in secretariat_of
        else:
            in_secretariat = secretariat
        action.may_update = may_update_action(actor, action, secretariat=in_secretariat)
        action.status_options = status_choices(secretariat=in_secretariat)
    return actions


def may_update_action(actor: User, action: ActionItem, *, secretariat: bool) -> bool:
    """An action item's status: its owner (or anyone of the owner agency when no person is named), or the
    secretariat."""
    owns = action.owner_id == actor.pk or (action.owner_id is None and action.owner_agency_id == actor.agency_id)
    return secretariat or owns
