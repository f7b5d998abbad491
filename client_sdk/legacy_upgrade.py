"""The rotation an owner's device signs to upgrade a legacy key epoch, kept until the verified
chain moves on, pure (protocol.md 4.19 "Upgrading a legacy epoch").

An owner's device syncing a journal whose current key epoch has no owner-signed key check
rotates it to a checked epoch (`Replica._rotate_unchecked`). It signs that rotation at most
once for a verified chain head: the signed request (its entries, the new key wrapped for the
owner under the account key and sealed to each member, the metadata) is noted in the store
(`kept`) before it is sent, and every later attempt while the verified chain has the same
length and head (`signed_on`) sends those same bytes again. A server that refuses it, or
fails, gets nothing newly signed; the device signs another only once its verified chain
moved on, and then the note is dropped (`dropped`): the key in it was never this device's
key of any epoch (never used to seal, never kept as the epoch's key), and the epoch the chain
shows is the one it takes, from the chain. The new key becomes the epoch's key only once the
server stored the rotation.

A note also keeps the journal's name, its `named_at` and whether it is archived, as sealed in
the request's metadata: a rename or an archive since (the user's own action) drops it, so
that a late success never puts back the name of then.

Read only from this device's store and its verified chain, never from the server's word."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from client_sdk import json_settings
from client_sdk.access import AccessState

SETTING = "legacy-epoch-upgrades"
"""The setting holding the notes: JSON, journal id (hex) -> [chain length signed on, chain head
(hex), the request (wire-encoded RotateRequest, hex), refusals so far, name, named_at,
archived]."""

HEADS = "legacy-epoch-upgrade-heads"
"""The setting holding, by journal, the verified chain head this device signed an upgrade on:
JSON, journal id (hex) -> [chain length, chain head (hex)]. Written with the note (`SETTING`)
and kept apart from it: a note that cannot be read (a damaged store) is dropped, but its head
stays, so no other upgrade is signed on that head, after a restart too (`signed_here`). An
entry goes once the journal's verified chain moved on (`moved_on`), or with its note when the
owner renamed or archived the journal since (`without`)."""

TOLD_AFTER = 2
"""Refusals of one signed upgrade after which each sync whose attempt fails tells it (a
problem of that sync): one may be a passing failure (a server briefly down), a second is not
told as one."""


@dataclass(frozen=True)
class Upgrade:
    """A signed upgrade rotation of one journal, kept until its chain moves on."""

    journal_id: bytes
    length: int
    """The length of the verified chain it was signed on."""
    head: bytes
    """The head (hash of the last entry) of the verified chain it was signed on."""
    request: bytes
    """The rotation as sent: wire-encoded `RotateRequest`, sent again byte for byte."""
    tries: int = 0
    """How many attempts to send it failed (refused, or no reply)."""
    name: str = ""
    named_at: int = 0
    archived: bool = False
    """The name, `named_at` and archived flag sealed in its metadata."""


def signed_on(upgrade: Upgrade, state: AccessState) -> bool:
    """Whether `upgrade` was signed on exactly the verified chain `state` (same length and
    head): only then is it sent again."""
    return upgrade.length == state.length and upgrade.head == state.head


def named_as(upgrade: Upgrade, name: str, named_at: int, archived: bool) -> bool:
    """Whether `upgrade` sealed the journal's name, `named_at` and archived flag held now."""
    return (upgrade.name, upgrade.named_at, upgrade.archived) == (name, named_at, archived)


def decode(value: str | None) -> dict[bytes, Upgrade]:
    """journal id -> its note; {} for nothing or a value this SDK cannot read."""
    return json_settings.by_id(value, _decoded)


def _decoded(
    journal: str,
    length: int,
    head: str,
    request: str,
    tries: int,
    name: str,
    named_at: int,
    archived: Any,
) -> Upgrade:
    return Upgrade(
        bytes.fromhex(journal),
        int(length),
        bytes.fromhex(head),
        bytes.fromhex(request),
        int(tries),
        str(name),
        int(named_at),
        bool(archived),
    )


def encode(found: dict[bytes, Upgrade]) -> str | None:
    """What `decode` reads back; None for no note."""
    if not found:
        return None
    return json.dumps(
        {
            u.journal_id.hex(): [
                u.length,
                u.head.hex(),
                u.request.hex(),
                u.tries,
                u.name,
                u.named_at,
                u.archived,
            ]
            for _, u in sorted(found.items())
        }
    )


def kept(value: str | None, upgrade: Upgrade) -> tuple[str | None, Upgrade]:
    """`value` with `upgrade` noted, and the note now in force: the one already noted when
    another attempt (another process on this profile) signed one on the same chain first,
    which is then sent instead (never two signed on one head)."""
    found = decode(value)
    earlier = found.get(upgrade.journal_id)
    if (
        earlier is not None
        and (earlier.length, earlier.head) == (upgrade.length, upgrade.head)
        and named_as(earlier, upgrade.name, upgrade.named_at, upgrade.archived)
    ):
        return encode(found), earlier
    found[upgrade.journal_id] = upgrade
    return encode(found), upgrade


def refused(value: str | None, upgrade: Upgrade) -> tuple[str | None, int]:
    """`value` with one more failed attempt counted for `upgrade` (unchanged when the note is
    no longer that request), and the count now."""
    found = decode(value)
    noted = found.get(upgrade.journal_id)
    if noted is None or noted.request != upgrade.request:
        return encode(found), upgrade.tries + 1
    found[upgrade.journal_id] = replace(noted, tries=noted.tries + 1)
    return encode(found), noted.tries + 1


def dropped(value: str | None, journal_ids: set[bytes], requests: set[bytes]) -> str | None:
    """`value` without the notes of `journal_ids` whose request is one of `requests` (a note
    another process wrote since is kept)."""
    found = decode(value)
    for journal_id in journal_ids:
        noted = found.get(journal_id)
        if noted is not None and noted.request in requests:
            del found[journal_id]
    return encode(found)


def not_stored(error: Exception) -> str:
    """The problem a sync tells when the upgrade keeps failing (plain text)."""
    return (
        "this device could not yet give this journal a new key that its other devices and "
        "members can check: the server refused it or did not answer "
        f"({error}); sent again at the next sync"
    )


def heads(value: str | None) -> dict[bytes, tuple[int, bytes]] | None:
    """journal id -> (length, head) of the verified chain an upgrade was signed on (`HEADS`);
    None for a value this SDK cannot read (`encode_heads` never writes an empty one)."""
    found = json_settings.by_id(value, _head)
    return None if value and not found else found


def _head(journal: str, length: int, head: str) -> tuple[int, bytes]:
    return int(length), bytes.fromhex(head)


def encode_heads(found: dict[bytes, tuple[int, bytes]]) -> str | None:
    """What `heads` reads back; None for none."""
    if not found:
        return None
    return json.dumps(
        {j.hex(): [length, head.hex()] for j, (length, head) in sorted(found.items())}
    )


def signed_here(value: str | None, journal_id: bytes, state: AccessState) -> bool:
    """Whether `HEADS` (`value`) says an upgrade of `journal_id` was signed on exactly the
    verified chain `state`, or cannot be read (then none is signed anywhere: `damaged`)."""
    found = heads(value)
    return found is None or found.get(journal_id) == (state.length, state.head)


def with_head(value: str | None, upgrade: Upgrade) -> str | None:
    """`HEADS` (`value`) with the head `upgrade` was signed on."""
    found = heads(value) or {}
    found[upgrade.journal_id] = (upgrade.length, upgrade.head)
    return encode_heads(found)


def damaged(states: dict[bytes, AccessState]) -> str | None:
    """`HEADS` in place of a value that cannot be read: every journal of `states` signed on
    its current head (any of them may hold an upgrade no longer readable), so that an upgrade
    is signed only once a chain moved on."""
    return encode_heads({j: (state.length, state.head) for j, state in states.items()})


def moved_on(value: str | None, states: dict[bytes, AccessState | None]) -> str | None:
    """`HEADS` (`value`, readable) without the journals whose verified chain (`states`; None
    for a journal this device no longer holds) moved on from the head noted."""
    return encode_heads(still_on(heads(value) or {}, states))


def still_on(
    found: dict[bytes, tuple[int, bytes]], states: dict[bytes, AccessState | None]
) -> dict[bytes, tuple[int, bytes]]:
    """`found` (as `heads` reads it) without the journals whose verified chain (`states`)
    moved on from the head noted: `moved_on` of the value already read."""
    return {
        j: spot
        for j, spot in found.items()
        if (state := states.get(j)) is not None and (state.length, state.head) == spot
    }


def without(value: str | None, journal_ids: set[bytes]) -> str | None:
    """`HEADS` (`value`, readable) without the entries of `journal_ids`."""
    found = heads(value) or {}
    return encode_heads({j: spot for j, spot in found.items() if j not in journal_ids})
