"""Which agreement actions to offer a member. The services decide (and check again); pages ask here so that
they offer a form only to those who may use it, and answer 403 to a member who sees the agreement but may
not act on it.

Each rule takes what the page has already loaded (the agreement's parties, a step's agencies) so that asking
costs no query per row.
"""

from collections.abc import Iterable

from members.models import Agency, Classification, User

from .models import Agreement, AgreementVersion


def may_draft(actor: User, *, secretariat: bool, parties: Iterable[Agency]) -> bool:
    """New versions, restores and comments: the secretariat and the parties' members."""
    return secretariat or any(party.pk == actor.agency_id for party in parties)


def may_act_on_step(actor: User, *, secretariat: bool, step_agencies: Iterable[int]) -> bool:
    """A step's answer: its owner agency's and concurring agencies' members, or the secretariat for them."""
    return secretariat or actor.agency_id in set(step_agencies)


def is_restricted_material(agreement: Agreement, version: AgreementVersion | None = None) -> bool:
    """Whoever reads it is recorded in the audit trail: an agreement shared with named agencies only or marked, and
    its versions, or a marked version."""
    marked = max(agreement.classification, version.classification if version is not None else 0)
    return agreement.restricted or marked > Classification.UNCLASSIFIED


def signing_parties(actor: User, *, secretariat: bool, parties: Iterable[Agency]) -> list[Agency]:
    """The parties whose signature the actor may record: any, for the secretariat; their own otherwise."""
    return [party for party in parties if secretariat or party.pk == actor.agency_id]
