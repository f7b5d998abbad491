"""rev-o1: a hostile review of O1 (c30f9ee, `yjs_updates.refusal`). Each test is a member's
record (the server passing it on) that `refusal` lets through and pycrdt 0.14 (Yrs) then
cannot take: the owner's pull, run in a process of its own, must go on, report the record
and keep everything else (REV-O1-FINDINGS.md; fixed: content JSON, Embed and Format refused,
clocks and counts bounded as Yrs reads them, a panic in Yrs a malformed update, the stored
state merged again unchecked)."""

from __future__ import annotations

import pytest

from client_sdk.yjs_binary import varuint
from client_sdk.yjs_updates import Walk, refusal
from tests.client.test_deep_updates import (
    _string,
    member_pushes,
    nested_maps,
    note_update,
    owner_pulls_elsewhere,
)
from tests.client.test_hostile_sync import forge, push
from tests.conftest import ClientFactory


def json_smuggled_deep_value(depth_bytes_hi: int = 7) -> bytes:
    """F1. `refusal` reads content JSON's count N and N strings, as Yjs does; Yrs reads N + 1
    (`while remaining >= 0`). After a JSON item of one string, refusal reads a String item in
    the root "zz" whose content is ~115 KB of ASCII; Yrs reads that item's header
    (0x04 0x01 0x02 'zz': four bytes, its info byte read as their length) as the second JSON
    string, then an Any item (info 0x88, the string's length varuint read as an info byte and
    an origin) whose value is an array nested ~57,000 deep: SIGSEGV."""
    length_varuint = bytes([0x88, 0x80, depth_bytes_hi])
    length = 8 + depth_bytes_hi * 16384
    head = b"\x00\x01"  # for Yrs: the origin's clock, then one value
    nested = (length - len(head) - 1) // 2
    content = head + b"\x75\x01" * nested + b"\x7e"
    content += b" " * (length - len(content))
    json_item = b"\x02\x01" + _string("body") + b"\x01" + _string("1")
    string_item = b"\x04\x01" + _string("zz") + length_varuint + content
    return b"\x01\x02\x07\x00" + json_item + string_item + b"\x00"


def wrapped_clock() -> bytes:
    """F2. A String item of client 7 at clock 2**32 - 1 (Yrs' clocks are u32: the state's next
    clock wraps to 2) and a delete set naming clocks 0-1 of client 7: Yrs panics (index out
    of bounds), a PanicException that is a BaseException, not caught as a malformed update."""
    item = b"\x04\x01" + _string("body") + _string("abc")
    return b"\x01\x01\x07" + varuint(2**32 - 1) + item + b"\x01\x07\x01\x00\x02"


def test_the_crafted_updates_are_refused() -> None:
    """The premise of F1 and F2 was that `refusal` accepted both (so pycrdt saw them)."""
    assert refusal(json_smuggled_deep_value()) == "JSON content"
    assert refusal(wrapped_clock()) is not None
    assert 100_000 < len(json_smuggled_deep_value()) < 256 * 1024


async def test_a_deep_value_hidden_by_yrs_json_count_does_not_crash_the_owners_pull(
    signup: ClientFactory, login: ClientFactory
) -> None:
    read, doc_id = await owner_pulls_elsewhere(signup, login, json_smuggled_deep_value())
    assert read["entries"] == ["A private thought."]
    assert read["notes"] == ["An honest note."]
    assert [p for p in read["problems"] if doc_id.hex() in p], read["problems"]


async def test_a_clock_past_u32_does_not_break_the_owners_pull(
    signup: ClientFactory, login: ClientFactory
) -> None:
    read, doc_id = await owner_pulls_elsewhere(signup, login, wrapped_clock())
    assert read["entries"] == ["A private thought."]
    assert read["notes"] == ["An honest note."]
    assert [p for p in read["problems"] if doc_id.hex() in p], read["problems"]


async def test_a_state_stored_before_o1_does_not_stop_every_later_sync(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A device that pulled a member's note holding nested shared maps before O1 (simulated:
    `walk` patched away for that sync) keeps it in its store. After O1, the
    member's next ordinary update of that note is merged with the stored state by
    `replica._merged`, which calls `Document.apply` (checked) on the device's own state:
    IntegrityError, raised out of `Client.sync` at every sync, and the member's later honest
    note never arrives."""
    from client_sdk import documents

    pushed = await member_pushes(signup, note_update(*nested_maps(3)))
    ana, tom, personal, doc_id = pushed.ana, pushed.tom, pushed.journal, pushed.doc_id
    with monkeypatch.context() as patched:
        patched.setattr(documents, "walk", lambda update: (None, Walk()))  # pre-c30f9ee
        assert (await ana.sync()).problems == []
    later = (
        b"\x01\x01\x07\x09\x28\x01"
        + _string("fields")
        + _string("updated_at")
        + b"\x01\x7d\x05\x00"
    )  # an ordinary field of the member's note, from clock 9 on
    await push(
        tom, personal, await forge(tom, "ana/Personal", doc_id, "note", later, counter=1_001)
    )
    await tom.notes.add("ana/Personal", "A later honest note.")
    await tom.sync()
    await ana.sync()
    assert "A later honest note." in [note.text for note in await ana.notes.list("Personal")]


def test_refusal_refuses_what_yrs_reads_as_a_deep_value() -> None:
    assert refusal(json_smuggled_deep_value()) is not None


def test_refusal_refuses_clocks_past_u32() -> None:
    assert refusal(wrapped_clock()) is not None


def test_a_format_item_in_fields_is_refused_or_read() -> None:
    from client_sdk.documents import Document
    from client_sdk.errors import IntegrityError

    text = b"\x04\x01" + _string("body") + _string("A note.")
    formatted = (
        b"\x26\x01" + _string("fields") + _string("created_at") + _string("bold") + _string("true")
    )
    update = b"\x01\x02\x07\x00" + text + formatted + b"\x00"
    document = Document(b"\x01" * 16, "note")
    try:
        document.apply(update)
    except IntegrityError:
        return  # refused: fine
    document.field_values()  # KeyError: 'created_at'


NO_WRAP_PANIC = [
    bytes.fromhex(update)
    for update in (
        "0103078080808008040104626f64791068656c6c6f20f09f988020776f726c642801066669656c6473"
        "0178017c3f8000000801056974656d730175027c3f80000077016100",
        "01030700040104626f64791068656c6c6f20f09f988020776f726c642801066669656c64730178017c"
        "3f8000000801056974656d730175027c3f80000077016100",
        "01060700040104626f6479026865810701038407040b20f09f988020776f726c642101066669656c64"
        "730178010801056974656d730175027c3f800000770161a8070e017601016b75027c3f8000007c4000"
        "000001070202030e01",
    )
]
"""F2 without a wrap (found by fuzzing): client 7's text, field and list at clock 2**31 (no
struct reaches 2**32), the same at clock 0, then an ordinary edit of them: Yrs panics
(`Option::unwrap()` on None). A bound on clocks must be 2**31, not 2**32."""


def test_updates_at_clock_2_31_are_refused_or_applied() -> None:
    from client_sdk.documents import Document
    from client_sdk.errors import IntegrityError

    document = Document(b"\x01" * 16, "note")
    for update in NO_WRAP_PANIC:
        try:
            document.apply(update)
        except IntegrityError:
            pass
