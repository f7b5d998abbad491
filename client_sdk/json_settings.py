"""Decoding the settings a device keeps as one JSON object keyed by hex ids (a journal's, a
membership handle's), pure: what `legacy_upgrade` and `owed_shares` share."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def by_id(value: str | None, decoded: Callable[..., T], *, with_key: bool = True) -> dict[bytes, T]:
    """id (bytes) -> `decoded(key, *items)` (or `decoded(*items)` when not `with_key`) for each
    `key: [items...]` of the JSON object `value`; {} for None, "" or a value this SDK cannot
    read (not JSON, too deeply nested, not hex, items `decoded` refuses with ValueError,
    TypeError, AttributeError or KeyError): never raises."""
    if not value:
        return {}
    try:
        raw: Any = json.loads(value)
        return {
            bytes.fromhex(key): decoded(key, *items) if with_key else decoded(*items)
            for key, items in raw.items()
        }
    except (ValueError, RecursionError, TypeError, AttributeError, KeyError):
        return {}
