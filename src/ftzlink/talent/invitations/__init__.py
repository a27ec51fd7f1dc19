"""Electronic port visa invitations: the registry of inviting units, the invitations they issue,
and the public check of an invitation by its verification code.

An organisation of the platform applies to be an inviting unit; an exit-entry officer approves it
for a period (approved_on to valid_until, inclusive), refuses it, or later revokes it. Members of
an approved unit invite a named foreign national for a stated activity with a visa type. An
unregistered, pending, revoked or expired inviter is refused with the reason
(`InviterNotApproved`, one stable code per reason). An issued invitation states single entry,
entry within 15 days of issue and a stay of at most 30 days (catalogue/data/talent/port_visa.yaml,
citing shared/sources/talent.md) and carries a verification code, shown once and stored only as
its SHA-256 digest.

Checking a code needs no sign-in. A forged and an unknown code get the same answer. An invitation
issued before its inviter's registration was revoked stays genuine — it was valid when issued and
its holder may already be travelling on it — and the check says that the inviter was revoked, and
since when, so that the border officer can decide.

Passport numbers are shown in full only to the inviting organisation's members and to exit-entry
officers; everyone else, the audit log and the public check get the masked form.
"""

from ftzlink.talent.invitations.common import *  # noqa: F403
from ftzlink.talent.invitations.issuing import *  # noqa: F403
from ftzlink.talent.invitations.queries import *  # noqa: F403
from ftzlink.talent.invitations.registry import *  # noqa: F403
from ftzlink.talent.invitations.rules import *  # noqa: F403
