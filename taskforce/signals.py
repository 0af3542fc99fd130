"""What the core tells about access, for whoever records it (the audit trail connects to these in audit/apps.py).
The core sends them and records nothing itself."""

from django.dispatch import Signal

# An object was shared with an agency or a person (`obj`, `to`: the acronym or username), or no longer is.
access_granted = Signal()
access_revoked = Signal()
# `actor` asked for something that may exist but is hidden from them, a 404 to them: `rows` what they asked for,
# `visible` what of it they may see.
access_refused = Signal()
# A request was refused as forbidden (a 403): `request`.
access_denied = Signal()
