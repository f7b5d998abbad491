"""Journal metadata: the sealed map with a journal's name. Pure: no I/O.

Members hold the journal key and could re-seal this map, so nothing that decides access lives
here: who may read or annotate, and what a disclosure journal mirrors, are in the journal's
owner-signed access chain (access.py)."""

from __future__ import annotations

from typing import Any

import msgpack

from client_sdk.errors import IntegrityError


def encode_meta(name: str, **extra: Any) -> bytes:
    """Journal metadata: its name and, for disclosure journals, what they mirror."""
    packed: bytes = msgpack.packb({"name": name, **extra}, use_bin_type=True)
    return packed


def decode_meta(raw: bytes) -> dict[str, Any]:
    try:
        meta = msgpack.unpackb(raw, raw=False)
    except (ValueError, TypeError, msgpack.UnpackException):
        raise IntegrityError("journal metadata is malformed") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        raise IntegrityError("journal metadata is malformed")
    return meta
