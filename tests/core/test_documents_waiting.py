"""Updates that wait for clocks a document lacks (rev-o1b F4, rev-wn): an update from
elsewhere that builds on a record this device has not received (withheld by the server, or
sealed before its share) is kept as received, apart from the document (`waiting`), never
given to pycrdt and never in its `state()` (rev-wn W1), across the store
(`from_state(..., waiting=...)`) and in every copy, until the missing clocks arrive in any
order: the device then reads exactly what a device that received everything in order
reads."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from pycrdt import Doc, Map, Text, merge_updates

from client_sdk.documents import Document

NOTE = b"n" * 16


def writer_updates(*edits: tuple[int, str] | tuple[int, int, int]) -> list[bytes]:
    """The updates of one writer (client 7) to the text `body`, one per edit: (index, words)
    inserts them, (index, length, 0) deletes. Each builds on the ones before it."""
    writer: Doc[Any] = Doc(client_id=7)
    body = writer.get("body", type=Text)
    updates = []
    for edit in edits:
        before = writer.get_state()
        if isinstance(edit[1], str):
            body.insert(edit[0], edit[1])
        else:
            del body[edit[0] : edit[0] + edit[1]]
        updates.append(bytes(writer.get_update(before)))
    return updates


def in_order(updates: list[bytes]) -> Document:
    """A device that received every update in order (its own field written first)."""
    document = Document(NOTE, "note", client_id=5)
    document.change(fields={"title": "x"})
    for update in updates:
        document.apply(update)
    return document


def stored_again(document: Document) -> Document:
    """`document` as the local store keeps it (its state and what waits) and reads it back."""
    return Document.from_state(
        document.doc_id, document.kind, document.state(), waiting=document.waiting()
    )


EDITS = writer_updates((0, "abc"), (3, "def"), (1, 4, 0), (2, "gh"))
"""abc, abcdef, af, afgh."""


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_a_stored_document_reads_every_update_whatever_the_order_of_arrival(
    order: tuple[int, ...],
) -> None:
    """Stored and read back after every update (as a pull stores each page): the device
    reads what one that received them in order reads, a delete of words it does not hold
    yet included, and once it holds everything nothing waits any more."""
    expected = in_order(EDITS)
    assert expected.text("body") == "afgh"
    document = in_order([])
    for index in order:
        document.apply(EDITS[index])
        document = stored_again(document)
    assert document.text("body") == "afgh"
    assert document.field("title") == "x"
    assert document.waiting() == b""
    assert Document.from_state(NOTE, "note", document.state()).text("body") == "afgh"


def test_what_waits_survives_several_round_trips_through_the_store() -> None:
    """Two updates that wait, stored in between and after: the second round trip keeps the
    first one too (a state read back without what waits would forget it at its next
    `state()`)."""
    first, second, third = writer_updates((0, "abc"), (3, "def"), (6, "ghi"))
    document = in_order([])
    document.apply(third)
    document = stored_again(document)
    document.apply(second)
    document = stored_again(document)
    assert document.text("body") == ""
    assert document.waiting() != b""
    document = stored_again(stored_again(document))
    document.apply(first)
    assert document.text("body") == "abcdefghi"
    assert document.waiting() == b""


def test_a_delete_of_words_not_held_yet_is_kept_until_they_arrive() -> None:
    """A delete set alone, of clocks the document does not hold (pending in Yrs, left out
    of `get_update()` as well)."""
    inserted, deleted = writer_updates((0, "abcdef"), (1, 4, 0))
    document = in_order([deleted])
    assert document.waiting() != b""
    document = stored_again(document)
    document.apply(inserted)
    assert document.text("body") == "af"
    assert document.waiting() == b""


def test_an_update_waiting_for_another_clients_origin_is_kept() -> None:
    """Client 8 inserts after client 7's words (its origin is client 7's clock): the update
    of client 8 waits for client 7's, which another instance of the device stores later."""
    seven: Doc[Any] = Doc(client_id=7)
    seven.get("body", type=Text).insert(0, "Slept badly.")
    sevens = bytes(seven.get_update())
    eight: Doc[Any] = Doc(client_id=8)
    eight.apply_update(sevens)
    before = eight.get_state()
    eight.get("body", type=Text).insert(12, " Walked.")
    eights = bytes(eight.get_update(before))
    document = in_order([eights])
    assert document.text("body") == ""
    copy = document.copy()  # a snapshot, a trial merge: any other instance
    assert copy.waiting() == document.waiting() != b""
    copy = stored_again(copy)
    copy.apply(sevens)
    assert copy.text("body") == "Slept badly. Walked."


def test_the_state_holds_nothing_of_what_waits() -> None:
    """The state is what the device reads: a snapshot sealed from it never carries what
    waits (rev-wn W1); read back without `waiting`, the missing update brings its own words
    only."""
    first, second = writer_updates((0, "abc"), (3, "def"))
    document = in_order([second])
    assert b"def" not in document.state() and b"def" in document.waiting()
    plain = Document.from_state(NOTE, "note", document.state())
    plain.apply(first)
    assert plain.text("body") == "abc"


def test_content_deleted_since_is_not_kept_with_what_waits() -> None:
    """An update partly held waits whole (its structs are given to pycrdt together, once
    all of them can be), never in the state; a delete of what it brings, arrived meanwhile,
    waits too, and once the missing update arrives the deleted words are in neither the
    state nor what waits."""
    nine: Doc[Any] = Doc(client_id=9)
    nine.get("fields", type=Map)["mood"] = "SECRET-WORDS"
    nines = bytes(nine.get_update())
    first, second = writer_updates((0, "abc"), (3, "def"))
    combined = bytes(merge_updates(nines, second))  # one record holding both
    document = in_order([combined])
    assert document.field("mood") is None  # waits with the rest of its record
    before = nine.get_state()
    del nine.get("fields", type=Map)["mood"]
    document.apply(bytes(nine.get_update(before)))
    document = stored_again(document)
    assert b"SECRET-WORDS" not in document.state()
    document.apply(first)
    assert document.text("body") == "abcdef"
    assert document.field("mood") is None
    assert document.waiting() == b""
    assert b"SECRET-WORDS" not in document.state()


def test_nothing_waiting_leaves_the_state_as_it_was() -> None:
    """The ordinary path: what nothing waits for is encoded as before (pycrdt's own
    `get_update()`, or the one update received, as it came), and nothing is kept apart."""
    first, second = writer_updates((0, "abc"), (3, "def"))
    document = in_order([first, second])
    assert document.waiting() == b""
    assert document.state() == bytes(document._doc.get_update())
    alone = Document(NOTE, "note")
    alone.apply(first)
    assert alone.state() is alone._sole and alone.state() == first
    assert alone.waiting() == b""
    read = Document.from_state(NOTE, "note", document.state(), waiting=b"")
    assert read.state() == document.state()


def test_one_update_that_waits_alone_is_kept_apart() -> None:
    """A document received as one update that waits: its state is not that update (`_sole`
    is what was applied), and read back from the store, then changed here, it still keeps it."""
    first, second = writer_updates((0, "abc"), (3, "def"))
    document = Document(NOTE, "note")
    document.apply(second)
    assert document.state() != second and b"def" not in document.state()
    assert document.waiting() != b""
    document = stored_again(document)
    document.change(fields={"title": "y"})
    document = stored_again(document)
    document.apply(first)
    assert document.text("body") == "abcdef"
    assert document.field("title") == "y"
