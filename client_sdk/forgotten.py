"""Journals whose read-only copy the member discarded from this device
(`client.shares.forget`), as pure bookkeeping: the store keeps a tag of each, never its id.

A discarded copy must stay discarded: the server no longer serves an ended share, but a
hostile one could list the journal again, replaying a journal list from when the share was
active (an older prefix of the owner-signed access chain, with the key envelopes sealed for
this account then). The device then has no chain left to find the rollback against, so it
would take the journal, its keys and its records back. The journal list is therefore read
without the journals this device forgot (`Replica.refresh_journals`), whatever the server
says about them, for good: a share of the same journal granted again later is not taken on
this device (another device of the account, or a new journal shared, reads it).

The tag is BLAKE2b-256 (libsodium) of the journal id in a frame of its own, so that a
search of the store file for the journal's id finds nothing once its copy is discarded.
"""

from __future__ import annotations

import json
from typing import Any

from client_sdk import crypto

SETTING = "forgotten_journals"
"""The store setting holding the tags: JSON, a sorted list of hex strings."""

LEFT = "left_journals"
"""The store setting holding the tags (`tag`, same encoding) of the journals this account
left *on this device* (`client.shares.leave`): the user's own word that the membership
ended, which the owner's chain does not say until the owner's next change of members, and
which lets `client.shares.forget` discard the copy. Removed when the copy is forgotten."""


def tag(journal_id: bytes) -> str:
    """What the store keeps of a forgotten journal (hex)."""
    return crypto.hash32(crypto.frame(b"tj forgotten journal", journal_id)).hex()


def decode(value: Any) -> set[str]:
    """The tags kept (`SETTING`); a damaged value reads as none."""
    try:
        raw = json.loads(value) if isinstance(value, str) else []
    except ValueError:
        return set()
    return {t for t in raw if isinstance(t, str)} if isinstance(raw, list) else set()


def encode(tags: set[str]) -> str:
    return json.dumps(sorted(tags))
