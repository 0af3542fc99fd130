"""Who may act on an agreement. The services apply these rules (and check again what they are handed); pages ask
here so that they offer a form only to those who may use it, and answer 403 to a member who sees the agreement but
may not act on it.

Each rule takes what the page has already loaded (the agreement's parties, a step's agencies) so that asking
costs no query per row.
"""

from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from members.models import Agency, Classification, User

from .models import Agreement, AgreementVersion


def may_draft(actor: User, *, secretariat: bool, parties: Iterable[Agency]) -> bool:
    """New versions, restores and comments: the secretariat and the parties' members."""
    return secretariat or any(party.pk == actor.agency_id for party in parties)


def may_act_on_step(actor: User, *, secretariat: bool, step_agencies: Iterable[int]) -> bool:
    """A step's answer: its owner agency's and concurring agencies' members, or the secretariat for them."""
    return secretariat or actor.agency_id in set(step_agencies)


def answering_agency(
    actor: User, *, secretariat: bool, step_agencies: Sequence[Agency], on_behalf_of: Agency | None
) -> Agency:
    """Whose answer on a step the actor gives: the agency named (their own, or any for the secretariat), else their
    own when the step needs it, else the owner's for the secretariat. `step_agencies` starts with the owner."""
    required = {agency.pk for agency in step_agencies}
    if on_behalf_of is not None:
        if not secretariat and on_behalf_of.pk != actor.agency_id:
            raise PermissionDenied(_("Only the secretariat can record another agency's answer."))
        agency = on_behalf_of
    elif not may_act_on_step(actor, secretariat=secretariat, step_agencies=required):
        raise PermissionDenied(_("Only the step's owner agency, its concurring agencies or the secretariat can act."))
    else:
        agency = next((a for a in step_agencies if a.pk == actor.agency_id), step_agencies[0])
    if agency.pk not in required:
        raise ValidationError(_("%(agency)s has no part in this step.") % {"agency": agency.local_acronym})
    return agency


def is_restricted_material(agreement: Agreement, version: AgreementVersion | None = None) -> bool:
    """Whoever reads it is recorded in the audit trail: an agreement shared with named agencies only or marked, and
    its versions, or a marked version."""
    marked = max(agreement.classification, version.classification if version is not None else 0)
    return agreement.restricted or marked > Classification.UNCLASSIFIED


def signing_parties(actor: User, *, secretariat: bool, parties: Iterable[Agency]) -> list[Agency]:
    """The parties whose signature the actor may record: any, for the secretariat; their own otherwise."""
    return [party for party in parties if secretariat or party.pk == actor.agency_id]
