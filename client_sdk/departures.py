"""Members who stopped reading this account's journals, told to the owner once (NU18 C4).

A member leaves with /v1/shares/leave: the server stops serving it and raises the journal's
`meta_version`, but it cannot take itself off the owner-signed access chain, and the leave
is not signed by the member (protocol.md, /v1/shares/leave). So "a member left" is the
server's word: an owner device takes it only to narrow access (a signed `removed` entry and a
new key epoch, made by the owner's own device, as for a revocation), and tells the owner so,
as the server's word, never as the member's.

The owner's device learns of a leave only when something changed: the sync page of the
journal carries a new `meta_version`, the device re-reads the journal list (as it does for a
rename or a rotation), and a journal whose `meta_version` moved while its verified chain did
not is kept here as one to check (`PENDING`, a store setting). The next sync then asks
/v1/shares/list once for those journals; a sync with nothing new asks nothing more than
before. What the check finds, and every member a rotation drops because the server no longer
serves it (replica.Replica._rotate), waits here until a sync reports it (`SyncReport
.departures`), once. A rotation stores its departures before it is sent, with reason
"unknown" unless already known, and rewords them once the server says whether the account
still exists (R22 F3); a departure whose member the journal's verified chain lists (the
rotation did not go through, or the owner shared again) is not reported (R22 F8).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PENDING = "departures_pending"
"""Store setting: JSON {"journals": [journal id hex, ...], "told": [Departure dict, ...]}."""

LEFT = "left"
ERASED = "account deleted"
UNKNOWN = "unknown"
"""The reason when the server did not answer whether the account still exists: the notice
is kept with the removal all the same (R22 F3), worded without a reason."""


@dataclass(frozen=True)
class Departure:
    """A member this account's device dropped from an owned journal because the server no
    longer serves them: `member` (username, as the owner-signed chain names them), `journal`
    (name) and `journal_id` (hex), and `reason` as the server has it: "left" (the member left
    the share with /v1/shares/leave), "account deleted", or "unknown" (the server did not
    answer the question when the removal was made: R22 F3). None is signed by the member: a
    hostile server can claim either, and the member then stops getting what is written (deny
    service, as a server always can); sharing again (`client.shares.grant`) undoes it."""

    member: str
    journal: str
    journal_id: str
    reason: str

    def __str__(self) -> str:
        said = {
            ERASED: "the server says their account was deleted",
            LEFT: "the server says they left the share (not signed by them)",
        }.get(self.reason, "the server no longer serves them and did not say why")
        return (
            f"{self.member} no longer reads {self.journal}: {said}; this "
            "device removed them from the journal's access and changed its key, so new "
            "entries and safety flags no longer reach them"
        )

    def to_dict(self) -> dict[str, str]:
        return {
            "member": self.member,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "reason": self.reason,
        }


@dataclass
class Pending:
    """What waits in `PENDING`: journals to check, departures not yet reported."""

    journals: list[str]
    told: list[Departure]

    def add(self, told: list[Departure]) -> None:
        """Keep `told` too, one per member and journal (a later one replaces an earlier)."""
        fresh = {(d.member, d.journal_id) for d in told}
        self.told = [d for d in self.told if (d.member, d.journal_id) not in fresh] + told

    @property
    def empty(self) -> bool:
        return not self.journals and not self.told

    def encode(self) -> str:
        return json.dumps(
            {"journals": self.journals, "told": [d.to_dict() for d in self.told]}, sort_keys=True
        )


def decode(raw: Any) -> Pending:
    """`PENDING` as stored; anything unreadable is nothing pending (never raises)."""
    try:
        value = json.loads(raw) if isinstance(raw, str) else {}
    except ValueError:
        value = {}
    if not isinstance(value, dict):
        value = {}
    journals = value.get("journals", [])
    told = value.get("told", [])
    fields = ("member", "journal", "journal_id", "reason")
    return Pending(
        [j for j in journals if _journal_hex(j)] if isinstance(journals, list) else [],
        [
            Departure(*(str(t[f]) for f in fields))
            for t in (told if isinstance(told, list) else [])
            if isinstance(t, dict) and all(isinstance(t.get(f), str) for f in fields)
        ],
    )


def _journal_hex(value: Any) -> bool:
    """Whether `value` is a journal id as kept here: 16 bytes in lowercase hex."""
    return (
        isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value)
    )
