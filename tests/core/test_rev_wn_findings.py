"""rev-wn: pure findings of the review of fix-f4 (updates that wait for missing clocks,
`Document.waiting`): REV-WN-FINDINGS.md."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from client_sdk.documents import Document
from client_sdk.yjs_binary import varuint
from client_sdk.yjs_updates import Walk

NOTE = b"n" * 16

# Nine updates three honest devices (Yjs clients 11, 12 and 13) wrote to one note, each
# building on what its writer held (the base, a mood set by 13, words typed and deleted at
# once), listed in the order they were written, then in an order a server that withholds
# records and serves them later can choose. Found by a fuzz of three writers and a reader
# that stores the note after each record (`Document.from_state(state(), waiting=waiting())`,
# as a pull does), minimised.
WRITTEN = [
    "01020b002801066669656c64730a637265617465645f6174017c3f800000040104626f64790b68656c6c6f20"
    "776f726c6400",
    "01010d00c40b070b0804776f7264010b010705",
    "01010d04c40d000d0103777264020b0107050d010004",
    "01010d072801066669656c6473046d6f6f64017c3f800000020b0107050d010004",
    "01010d08c40b010b0202686f020b02010507050d010006",
    "01010c00c40b050b060158020b02010507050d010006",
    "01010c01c40c000b060158020b02010507050d010006",
    "01010c02c40c010b060158020b02010507050d010006",
    "01010c03a80d07017c00000000020b02010507050d0200060701",
]
SERVED = [7, 5, 0, 3, 6, 8, 2, 4, 1]  # indexes into WRITTEN


def read(document: Document) -> tuple[str, object]:
    return document.text("body"), document.field("mood")


def test_honest_edits_served_out_of_order_read_as_in_order_once_all_are_served() -> None:
    written = [bytes.fromhex(u) for u in WRITTEN]
    in_order = Document(NOTE, "note")
    for update in written:
        in_order.apply(update)
    assert read(in_order) == ("hoXXX d", 0.0) and in_order.waiting() == b""

    stored = Document(NOTE, "note")
    for index in SERVED:
        stored.apply(written[index])
        stored = Document.from_state(NOTE, "note", stored.state(), waiting=stored.waiting())
    assert read(stored) == read(in_order)


def _string(text: str) -> bytes:
    raw = text.encode()
    return varuint(len(raw)) + raw


def text_update(client: int, clock: int) -> bytes:
    """100 characters of the note's body by `client` from `clock` (no delete set)."""
    item = b"\x04\x01" + _string("body") + _string("y" * 100)
    return b"\x01\x01" + varuint(client) + varuint(clock) + item + b"\x00"


def applied(updates: list[bytes], monkeypatch: pytest.MonkeyPatch) -> tuple[Document, int]:
    """A document that applied `updates` (and encoded its state), with how many times an
    update was checked against what the document holds (`Walk.missing`): the work a
    document that checked every waiting update again at each apply would multiply."""
    checks = 0
    real = Walk.missing

    def counting(walked: Walk, held: Mapping[int, int]) -> Any:
        nonlocal checks
        checks += 1
        return real(walked, held)

    with monkeypatch.context() as patched:
        patched.setattr(Walk, "missing", counting)
        document = Document(NOTE, "note")
        for update in updates:
            document.apply(update)
        document.state()
    return document, checks


def test_updates_that_wait_for_ever_cost_about_what_applying_them_costs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """rev-wn W5: each update applied to a document where something waits read the state
    vector again and checked every waiting update: a member's N records that wait for ever
    cost the owner's pull O(N^2) checks (1,500: ~20 times applying them). Each waiting
    update is checked about as often as an honest one is."""
    count = 1_500
    honest, honest_checks = applied([text_update(1_000 + n, 0) for n in range(count)], monkeypatch)
    assert honest.text("body") == "y" * 100 * count and honest.waiting() == b""
    # clocks 0-4 never sent: every update waits
    waiting, waiting_checks = applied(
        [text_update(1_000 + n, 5) for n in range(count)], monkeypatch
    )
    assert waiting.text("body") == "" and len(waiting.waiting()) > count * 100
    assert waiting_checks <= 4 * max(honest_checks, count), (waiting_checks, honest_checks)


def test_the_written_order_is_causal() -> None:
    """Premise of W3: each update of WRITTEN applies whole on what came before it."""
    document = Document(NOTE, "note")
    for update in WRITTEN:
        document.apply(bytes.fromhex(update))
        assert document.waiting() == b""
