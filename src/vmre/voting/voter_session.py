"""Who is casting: the signed-in voter of this browser session and the credential binding.

A ballot is accepted from the web only when (1) a voter is signed in to the voting server
(password and second factor, a server-side session that ends SESSION_SECONDS after login,
at logout, at a lockout or a new password: vmre.core.sessions) and (2) the ballot is
signed by the public credential that voter's account is bound to. The credential code alone
(what the credential mail's link carries) is therefore not enough to vote, and a session
alone cannot cast another voter's ballot (docs/voting.md "What each factor defends against").
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from vmre.core.messages import UserError
from vmre.core.sessions import VOTER_SECONDS
from vmre.voting.accounts import VoterAccount

SESSION_SECONDS = VOTER_SECONDS  # absolute: a voter session ends 30 minutes after login


def current_voter(request: Request, s: Session) -> VoterAccount | None:
    """The signed-in voter; the session middleware has already refused an ended session."""
    voter_id = request.session.get("voter_id")
    return s.get(VoterAccount, voter_id) if isinstance(voter_id, int) else None


def check_binding(account: VoterAccount, election_id: str, document: object) -> None:
    """Refuse a ballot that is not signed by the account's own credential (or is for another
    election): checked before any cryptography, the signature is checked by the board."""
    credential = document.get("credential") if isinstance(document, dict) else None
    if (account.election_id != election_id or not account.credential_public
            or not isinstance(credential, str)
            or credential.lower() != account.credential_public):
        raise UserError("voting.ballot.not_your_credential")
