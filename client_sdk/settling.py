"""When two devices change the same field of an entry while apart, the merge keeps one value
everywhere (protocol.md 5, rule 3: the Yjs client with the higher id wins; wall clocks play
no part). Nothing of it is silent on the device whose value lost:

- every value this device writes to an entry's title, mood, tags, emotions or date is kept in
  its local history (`FieldWrite`; `client.entries.history`), the losing one included;
- the first sync that brings another device's change of that entry after this device's change
  compares: a field now holding another value than the one this device wrote is reported
  (`Settled` in `SyncReport.settled`): which field of which entry, the value kept, and this
  device's value. So whichever device's value loses a merge, that device is told, whether it
  synced first or second.

Honest limit: a device cannot tell a concurrent change from one made later on another device
after seeing this one (both replace its value); the report says the value was changed on
another device, which is true of both.

Pure: no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from client_sdk.documents import EntryView
from client_sdk.models import to_datetime

SETTLED_FIELDS = ("title", "mood", "tags", "emotions", "created_at")
"""Entry fields whose concurrent changes settle on one value (the body's text merges)."""


def field_values(view: EntryView) -> dict[str, Any]:
    """The settling fields of an entry, as JSON values (tags and emotions as lists)."""
    return {
        "title": view.title,
        "mood": view.mood,
        "tags": list(view.tags),
        "emotions": list(view.emotions),
        "created_at": view.created_at,
    }


def encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class FieldWrite:
    """A value this device wrote to a field of an entry, and when (UTC). `created_at` values
    are ms since the epoch."""

    entry_id: str
    field: str
    value: Any
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "field": self.field,
            "value": self.value,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True)
class Settled:
    """A field of an entry this device changed that another device's change replaced: `kept`
    is the value every device now holds, `mine` the one this device had written (at `at`,
    UTC; still in `client.entries.history`)."""

    entry_id: str
    title: str
    field: str
    mine: Any
    kept: Any
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "title": self.title,
            "field": self.field,
            "mine": self.mine,
            "kept": self.kept,
            "at": self.at.isoformat(),
        }


def settled_fields(
    entry_id: bytes, title: str, pending: dict[str, tuple[str, int]], now: dict[str, Any]
) -> list[Settled]:
    """The fields this device changed (`pending`: field -> (its last value, JSON-encoded, and
    when, ms)) whose value after a sync (`now`) is another one."""
    found = []
    for name, (mine, at) in sorted(pending.items()):
        if name in now and encode(now[name]) != mine:
            found.append(
                Settled(entry_id.hex(), title, name, json.loads(mine), now[name], to_datetime(at))
            )
    return found
