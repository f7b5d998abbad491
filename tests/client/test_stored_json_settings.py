"""REV-ERASED F3: the decoders of the store's JSON settings (and of the device-name file)
read a value nested deeper than Python's recursion limit as none, as they read any other
damaged value: `json.loads` raises RecursionError for it, not a ValueError, and several of
them are read inside a sync's transaction (a raise failed every sync)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from client_sdk import (
    carrying,
    chains,
    departures,
    devices,
    entries,
    forgotten,
    hold_back,
    owed_shares,
    replica,
)
from client_sdk.client import _cost_of
from client_sdk.hold_back import HoldBack
from client_sdk.models import read_json
from client_sdk.sharing import decode_erased

DEEP_LIST = "[" * 100_000
DEEP_OBJECT = '{"a":' * 100_000

DECODERS: dict[str, tuple[Callable[[str], Any], Any]] = {
    "departures.decode_owners": (departures.decode_owners, []),
    "departures.decode": (lambda v: departures.decode(v).empty, True),
    "departures.decode_told": (departures.decode_told, []),
    "owed_shares.decode": (owed_shares.decode, {}),
    "owed_shares.withdrawn": (owed_shares.withdrawn, {}),
    "client._cost_of": (_cost_of, None),
    "hold_back.decode": (hold_back.decode, HoldBack({})),
    "devices._kept_names": (devices._kept_names, ({}, 0)),
    "entries.decode_owed": (entries.decode_owed, []),
    "sharing.decode_erased": (decode_erased, []),
    "carrying.decode": (carrying.decode, None),
    "carrying.decode_pending": (carrying.decode_pending, {}),
    "forgotten.decode_ended": (forgotten.decode_ended, {}),
    "forgotten.decode_marks": (forgotten.decode_marks, {}),
    "forgotten.decode": (forgotten.decode, set()),
}


@pytest.mark.parametrize("deep", [DEEP_LIST, DEEP_OBJECT], ids=["list", "object"])
@pytest.mark.parametrize("name", list(DECODERS))
def test_a_setting_nested_too_deep_reads_as_none(name: str, deep: str) -> None:
    decode, none = DECODERS[name]
    assert decode(deep) == none
    assert decode("{not json") == none  # as any damaged value


def test_read_json_gives_the_default_for_what_does_not_read() -> None:
    for value in (None, 3, b"[]", "", "{not json", DEEP_LIST, DEEP_OBJECT):
        assert read_json(value, "default") == "default"
    assert read_json('{"a": [1]}', None) == {"a": [1]}


def test_a_device_name_file_nested_too_deep_reads_as_none(tmp_path: Path) -> None:
    (tmp_path / devices.NAMES_AFTER_LOGOUT_FILE).write_text(DEEP_LIST, encoding="utf-8")
    assert devices.name_after_logout(tmp_path, "http://127.0.0.1:1", "kim") is None


def test_a_stored_erased_share_row_of_another_shape_is_left_out() -> None:
    """`decode_erased` (was `Sharing._erased`): a number raised TypeError, a dict read its
    keys."""
    row = {"journal": "P", "journal_id": "ab", "member": "kim", "role": "read", "at": 1}
    assert decode_erased("5") == [] and decode_erased('{"journal": 1}') == []
    assert decode_erased(json.dumps([row, 3])) == [row]


REPLICA_DECODERS: dict[str, tuple[Callable[[str], Any], Any]] = {
    "replica._decode_not_back": (replica._decode_not_back, {}),
    "replica.decode_own_named_at": (replica.decode_own_named_at, {}),
    "replica.decode_to_follow": (
        replica.decode_to_follow,
        {"entries": [], "copies": [], "mirrored": []},
    ),
    "replica._signed_name": (replica._signed_name, False),
    "replica._archived": (replica._archived, False),
    "chains.decode_newer": (chains.decode_newer, {}),
}


@pytest.mark.parametrize("deep", [DEEP_LIST, DEEP_OBJECT], ids=["list", "object"])
@pytest.mark.parametrize("name", list(REPLICA_DECODERS))
def test_a_replica_setting_nested_too_deep_reads_as_none(name: str, deep: str) -> None:
    decode, none = REPLICA_DECODERS[name]
    assert decode(deep) == none
    assert decode("{not json") == none
