"""Journal metadata: the sealed map with a journal's name. Pure: no I/O.

Members hold the journal key and could re-seal this map, so nothing that decides access lives
here: who may read or annotate, and what a disclosure journal mirrors, are in the journal's
owner-signed access chain (access.py). What does live here, the name, `named_at` and the
archive setting, is taken only under the owner's signature over all three (keys.py
`journal_name_message`, protocol.md 4.14)."""

from __future__ import annotations

import json
import re
from typing import Any

import msgpack

from client_sdk.errors import IntegrityError

NAMED_AT_MAX = (1 << 64) - 1


def encode_meta(name: str, **extra: Any) -> bytes:
    """Journal metadata: its name and, for disclosure journals, what they mirror."""
    packed: bytes = msgpack.packb({"name": name, **extra}, use_bin_type=True)
    return packed


def brief_journal_name(stamp: str, member: str, number: int = 1) -> str:
    """The name a client's app signs for the journal made to share one pre-session brief with
    `member` (a username): "Brief 2026-12-05 01:38 for drsmith" (`stamp`: the brief's end,
    local "%Y-%m-%d %H:%M"), "... (2)" for a second one with the same name (`number`)."""
    base = f"Brief {stamp} for {member}"
    return base if number < 2 else f"{base} ({number})"


def names_brief_for(name: str, member: str) -> bool:
    """Whether `name` is one `brief_journal_name` gives a brief shared with `member`."""
    pattern = rf"Brief \d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}} for {re.escape(member)}( \(\d+\))?"
    return re.fullmatch(pattern, name) is not None


def decode_meta(raw: bytes) -> dict[str, Any]:
    try:
        meta = msgpack.unpackb(raw, raw=False)
    except (ValueError, TypeError, msgpack.UnpackException):
        raise IntegrityError("journal metadata is malformed") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        raise IntegrityError("journal metadata is malformed")
    return meta


def named_at_of(meta: dict[str, Any]) -> int:
    """The metadata's `named_at` (ms UTC, when the owner chose the name; signed with it,
    protocol.md 4.14), 0 when absent (a version-1 name). IntegrityError if it is not an
    integer in 1..2^64-1."""
    if "named_at" not in meta:
        return 0
    value = meta["named_at"]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= NAMED_AT_MAX:
        raise IntegrityError("journal metadata is malformed: named_at")
    return value


def archived_of(meta: dict[str, Any]) -> bool:
    """Whether the metadata says the owner archived the journal, as far as its name signature
    covers it (protocol.md 4.14, rev-cut W1): a version-2 name (with `named_at`) signs
    `archived` (absent or false: 0, true: 1), a version-1 name signs no flag, so an
    `archived` beside it is ignored (False: a member holds the key that seals the metadata
    and could have added it). IntegrityError for a version-2 `archived` that is not a bool,
    or a malformed `named_at` (named_at_of)."""
    if named_at_of(meta) == 0:
        return False
    value = meta.get("archived", False)
    if not isinstance(value, bool):
        raise IntegrityError("journal metadata is malformed: archived")
    return value


def supersedes(
    named_at: int,
    name: str,
    last_at: int,
    last_name: str,
    *,
    archived: bool = False,
    last_archived: bool = False,
) -> bool:
    """Whether a verified name (`name`, signed with `named_at` and `archived`) may take the
    place of the last one this device verified for the journal (`last_name` at `last_at`, 0
    for none or a version-1 name, with `last_archived`). Never a lower `named_at`: the server
    cannot roll a name or an archive setting back (F4, W1). Two names signed with the same
    `named_at` (two owner devices renaming, or archiving, in the same millisecond) both
    verify; the device keeps the one whose UTF-8 name bytes sort last, then archived over not
    archived, so a device served both keeps the same one in either order. Version-1 names
    (`named_at` 0 on both sides) carry no order and replace each other, as before names
    carried one."""
    if named_at != last_at:
        return named_at > last_at
    return named_at == 0 or (name.encode(), archived) >= (last_name.encode(), last_archived)


def next_named_at(now: int, last_at: int) -> int:
    """The `named_at` of a rename, an archive or an unarchive at `now` (ms UTC) by a device
    whose highest verified one for the journal is `last_at`: later than it even when this
    device's clock is behind, so the owner's change always wins (protocol.md 4.14)."""
    return min(max(now, last_at + 1, 1), NAMED_AT_MAX)


def signed_named_at(meta: str, named_at: int) -> int | None:
    """The `named_at` a journal row's name was signed with: its metadata's (JSON `meta`,
    `named_at_of`) when that metadata is an owner-signed name (`name_signature`) whose
    `named_at` is the row's own `named_at` (0 for a version-1 name on a row at 0), else None:
    a placeholder for metadata the device could not open or verify, or a row that pairs one
    signature's name with another's `named_at` (a store written before rev34d F1). Only a
    name so signed counts in a tie (`stored_name_holds`) or is signed again."""
    try:
        parsed = json.loads(meta)
        at = named_at_of(parsed) if isinstance(parsed, dict) else None
    except (ValueError, IntegrityError):
        return None
    if not isinstance(parsed, dict) or "name_signature" not in parsed or at != named_at:
        return None
    return at


def stored_name_holds(
    name: str, meta: str, named_at: int, stored_name: str, stored_meta: str, stored_at: int
) -> bool:
    """Whether a journal row's name as stored (`stored_name`, metadata JSON `stored_meta`,
    `stored_at` its row's `named_at`) stays in place of `name` (`meta`, `named_at`) that a
    write would put there: the decision `supersedes` makes, taken against the row as it is
    in the write's transaction (rev34d F1: another process may have stored a later rename
    since this one read the row). A placeholder (`signed_named_at` None) never takes the
    place of a signed name; a signed one takes the place of a placeholder unless signed
    with a lower `named_at` than the row holds (never lowered, F4). The name, metadata and
    `named_at` are kept or replaced together, never one's name with another's time."""
    if signed_named_at(meta, named_at) is None:
        return signed_named_at(stored_meta, stored_at) is not None
    held = signed_named_at(stored_meta, stored_at) is not None
    return not supersedes(
        named_at,
        name,
        stored_at,
        stored_name if held else "",
        archived=_archived_json(meta),
        last_archived=held and _archived_json(stored_meta),
    )


def _archived_json(meta: str) -> bool:
    """`archived_of` of metadata JSON; False for one it cannot read."""
    try:
        parsed = json.loads(meta)
        return isinstance(parsed, dict) and archived_of(parsed)
    except (ValueError, IntegrityError):
        return False
