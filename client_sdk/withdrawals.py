"""A withdrawal of this account's own note or prompt that did not happen, and who can remove
the note now (NU20 C4, R28 F3), in words that name no app's commands: an app adds its own
ways to retry a change set aside and to withdraw a note (NU45 #4: "`tj set-aside retry`"
and "`tj notes withdraw ID`" were said to every app's user). `Note.withdrawal_refused`,
`SetAside.refused_withdrawal` (so `SyncReport.set_aside`) and the AccessError of
`client.notes.withdraw` (subject WITHDRAWAL_REFUSED) carry it.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from client_sdk.models import ID_SHOWN, quoted_name

WITHDRAWAL_REFUSED = "withdrawal refused"
"""`TJError.subject` of `client.notes.withdraw` refused for a note of this account that only
the journal's owner can remove now; its `names` are `RefusedWithdrawal.names()`."""


@dataclass(frozen=True)
class RefusedWithdrawal:
    """This account's own note or prompt (`kind`, its id `note_id` in hex) in the journal
    `journal` of `owner` (its name as the owner names it), which this account cannot withdraw:
    `why` it was refused, in words. The journal's owner may mark any annotation in their
    journal deleted (protocol.md 4.15), so only they can remove it now. `retry`: the verified
    chain still gives this account the annotate role (the server may not have served the
    owner's change yet), so retrying the change set aside may still deliver the withdrawal.
    `str()` is `line()`."""

    kind: str
    note_id: str
    owner: str
    journal: str
    why: str
    retry: bool = False

    @property
    def short_id(self) -> str:
        """The note's id as these sentences show it (its first ID_SHOWN hex digits)."""
        return self.note_id[:ID_SHOWN]

    def line(self, *, retry: str = "", withdraw: str = "") -> str:
        """What to tell the user, in words that name no app's commands: "you can no longer
        withdraw your note 3f2a9c8d1e0b in june/Personal (june made your access read-only).
        Only june can remove it now: ask june to withdraw it (it is in their journal
        'Personal'; withdrawing it there removes it from their devices at their next sync)";
        with `retry`: "your withdrawal of your note ... was not delivered (...); june still
        has it. Retrying the change set aside sends it again; if it is refused again, only
        june can remove it now: ask june to withdraw it". `retry`: how the app retries the
        changes set aside, in its own words (the CLI: "`tj set-aside retry`"), said as
        "<retry> sends it again"; `withdraw`: how the owner withdraws it, in the app's words
        (the CLI: "run `tj notes withdraw 3f2a9c8d1e0b`"), said as "ask june to
        <withdraw>"."""
        owner = self.owner
        ask = f"ask {owner} to {withdraw or 'withdraw it'}"
        if self.retry:
            return (
                f"{self.situation}. {retry or 'Retrying the change set aside'} sends it again; "
                f"if it is refused again, only {owner} can remove it now: {ask}"
            )
        return (
            f"{self.situation}. Only {owner} can remove it now: {ask} (it is in their journal "
            f"{quoted_name(self.journal)}; withdrawing it there removes it from their devices at their "
            "next sync)"
        )

    @property
    def situation(self) -> str:
        """What happened, without who can remove the note (`TJError.situation`): "you can no
        longer withdraw your note 3f2a9c8d1e0b in june/Personal (...)"; with `retry`: "your
        withdrawal of your note ... was not delivered (...); june still has it"."""
        where = f"your {self.kind} {self.short_id} in {self.owner}/{self.journal}"
        if self.retry:
            return (
                f"your withdrawal of {where} was not delivered ({self.why}); {self.owner} "
                "still has it"
            )
        return f"you can no longer withdraw {where} ({self.why})"

    def __str__(self) -> str:
        return self.line()

    def names(self) -> dict[str, str]:
        """Its fields as `TJError.names` (subject WITHDRAWAL_REFUSED): "kind", "note" (the
        id, hex), "owner", "journal", "why", and "retry" ("yes" or "")."""
        return {
            "kind": self.kind,
            "note": self.note_id,
            "owner": self.owner,
            "journal": self.journal,
            "why": self.why,
            "retry": "yes" if self.retry else "",
        }

    @classmethod
    def from_names(cls, names: dict[str, str]) -> RefusedWithdrawal:
        """The withdrawal `names()` gave (an error's `names`, subject WITHDRAWAL_REFUSED)."""
        return cls(
            kind=names["kind"],
            note_id=names["note"],
            owner=names["owner"],
            journal=names["journal"],
            why=names["why"],
            retry=names["retry"] == "yes",
        )

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: ids as hex; "words" is `line()`."""
        return {
            "kind": self.kind,
            "note_id": self.note_id,
            "owner": self.owner,
            "journal": self.journal,
            "why": self.why,
            "retry": self.retry,
            "words": self.line(),
        }
