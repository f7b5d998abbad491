"""The causal buffer (protocol.md §5, "Updates that wait for missing clocks"; rev-wn W1-W3,
W5, W6): an update from elsewhere is given to pycrdt only once everything it builds on is
held, else kept as received beside the state, never in it, and applied once the clocks it
waits for arrive, in any order, across any stores in between."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Map, Text, get_update, merge_updates

from client_sdk.documents import Document, state_clocks
from client_sdk.errors import IntegrityError
from client_sdk.yjs_binary import varuint
from client_sdk.yjs_updates import CYCLIC, decode, refusal

NOTE = b"n" * 16
ROOT = Path(__file__).resolve().parents[2]

# rev-wn W6: three updates of a member's note whose origins go round across them (9@4 after
# 7@2, 7@2 before 9@4 ...): each passes `refusal`, none ever becomes ready.
CYCLE = [
    "02020908010104626f6479028407020161020801040104626f64790364656688090a017d0001090205020b03",
    "010109048107020301070205030b03",
    "02010702410904010109068407060364656601090201020a01",
]


def _string(text: str) -> bytes:
    raw = text.encode()
    return varuint(len(raw)) + raw


def three_cycle() -> bytes:
    """One update of three clients whose items go round: 5@0 after 6@0, 6@0 after 7@0, 7@0
    after 5@0 (each one character)."""
    item = b"\x84"  # an origin, content String
    return (
        b"\x03"
        + b"\x01\x05\x00" + item + b"\x06\x00" + _string("a")
        + b"\x01\x06\x00" + item + b"\x07\x00" + _string("b")
        + b"\x01\x07\x00" + item + b"\x05\x00" + _string("c")
        + b"\x00"
    )  # fmt: skip


CYCLES_CHECK = """
import itertools, sys
from client_sdk.documents import Document
from client_sdk.errors import IntegrityError
from tests.core.test_causal_buffer import CYCLE, NOTE, three_cycle
updates = [bytes.fromhex(u) for u in CYCLE]
for order in itertools.permutations(range(3)):
    for stores in (False, True):
        document = Document(NOTE, "note")
        document.change(texts={"body": "kept"})
        for index in order:
            document.apply(updates[index])
            if stores:
                document = Document.from_state(
                    NOTE, "note", document.state(), waiting=document.waiting()
                )
        assert document.text("body") == "kept", document.text("body")
        assert document.waiting() != b""
        document.copy().text("body")
try:
    Document(NOTE, "note").apply(three_cycle())
except IntegrityError as error:
    print(error)
else:
    sys.exit("a cycle in one update was applied")
"""


def test_updates_whose_origins_make_a_cycle_never_reach_yrs() -> None:
    """A cycle across updates (W6) waits for good, in every order of arrival and with stores
    in between, and a cycle inside one update is refused: Yrs never sees either (given them,
    it crashes the process: run in a process of its own)."""
    assert all(refusal(bytes.fromhex(update)) is None for update in CYCLE)
    assert refusal(three_cycle()) == CYCLIC
    done = subprocess.run(
        [sys.executable, "-c", CYCLES_CHECK],
        capture_output=True,
        timeout=120,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        check=False,
    )
    assert done.returncode == 0, (done.returncode, done.stderr.decode()[-2000:])
    assert CYCLIC in done.stdout.decode()


def test_an_item_after_a_later_clock_of_its_own_client_is_refused() -> None:
    """An origin at or past the item's own clock of its own client: never held before it."""
    later = b"\x01\x01\x05\x00\x84\x05\x01" + _string("a") + b"\x00"
    itself = b"\x01\x01\x05\x03\x84\x05\x03" + _string("a") + b"\x00"
    for update in (later, itself):
        assert refusal(update) == CYCLIC
        with pytest.raises(IntegrityError, match="cycle"):
            Document(NOTE, "note").apply(update)


WRITERS = (11, 12, 13)


@st.composite
def histories(draw: st.DrawFn) -> list[bytes]:
    """Updates of a note by three honest writers (Yjs clients 11-13), in the order they were
    written: each writer first receives a prefix of what was written (in that order), then
    inserts a unique word into the body, deletes some of it, or sets the mood."""
    docs: dict[int, Doc[Any]] = {client: Doc(client_id=client) for client in WRITERS}
    written: list[bytes] = []
    for step in range(draw(st.integers(min_value=2, max_value=9))):
        doc = docs[draw(st.sampled_from(WRITERS))]
        for update in written[: draw(st.integers(min_value=0, max_value=len(written)))]:
            doc.apply_update(update)
        before = doc.get_state()
        body = doc.get("body", type=Text)
        how = draw(st.sampled_from(["insert", "insert", "delete", "mood"]))
        if how == "delete" and len(body):
            start = draw(st.integers(min_value=0, max_value=len(body) - 1))
            end = draw(st.integers(min_value=start + 1, max_value=len(body)))
            del body[start:end]
        elif how == "mood":
            doc.get("fields", type=Map)["mood"] = float(step)
        else:
            at = draw(st.integers(min_value=0, max_value=len(body)))
            body.insert(at, f"Q{step}Z ")
        update = bytes(doc.get_update(before))
        if update != b"\x00\x00":
            written.append(update)
    return written


def read(document: Document) -> tuple[str, object]:
    return document.text("body"), document.field("mood")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_honest_updates_in_any_order_with_stores_read_as_in_order(data: st.DataObject) -> None:
    """Whatever the order a server serves them in and wherever the reader stores the note
    between them, once all are served it reads what a reader that got them in order reads,
    and nothing waits; at every step its state holds only what it reads (no struct past its
    state vector, no word of an update that still waits)."""
    written = data.draw(histories())
    in_order = Document(NOTE, "note")
    for update in written:
        in_order.apply(update)
        assert in_order.waiting() == b""
    order = data.draw(st.permutations(range(len(written))))
    stores = data.draw(st.lists(st.booleans(), min_size=len(order), max_size=len(order)))
    reader = Document(NOTE, "note")
    for index, store in zip(order, stores, strict=True):
        reader.apply(written[index])
        if store:
            reader = Document.from_state(NOTE, "note", reader.state(), waiting=reader.waiting())
        state = reader.state()
        held = state_clocks(reader.state_vector())
        structs, _ = decode(state)
        assert all(s.clock + s.length <= held.get(s.client, 0) for s in structs)
        for update in written:
            waits = any(s.clock + s.length > held.get(s.client, 0) for s in decode(update)[0])
            words = {s.text for s in decode(update)[0] if s.text}
            if waits:
                assert not any(word.encode() in state for word in words if "Q" in word)
    assert read(reader) == read(in_order)
    assert reader.waiting() == b""


def test_a_delete_of_clocks_not_held_waits_and_the_structs_beside_it_apply() -> None:
    """An edit whose structs build on held clocks, carrying a deleted range past the state
    vector (words of a withheld record): its words apply at once, the range waits apart
    (not in the state), and is applied once the words it deletes arrive."""
    writer: Doc[Any] = Doc(client_id=7)
    body = writer.get("body", type=Text)
    body.insert(0, "abc")
    first = bytes(writer.get_update())
    before = writer.get_state()
    body.insert(3, "SECRET")
    withheld = bytes(writer.get_update(before))
    before = writer.get_state()
    del body[3:9]
    writer.get("fields", type=Map)["mood"] = 2.0
    edit = bytes(writer.get_update(before))  # deletes SECRET's clocks, sets the mood
    reader = Document(NOTE, "note")
    reader.apply(first)
    reader.apply(edit)
    assert reader.waiting() != b""  # the mood's struct is at a clock past SECRET's: waits
    reader = Document.from_state(NOTE, "note", reader.state(), waiting=reader.waiting())
    reader.apply(withheld)
    assert read(reader) == ("abc", 2.0)
    assert reader.waiting() == b"" and b"SECRET" not in reader.state()

    other: Doc[Any] = Doc(client_id=8)  # another client deletes 7's words it was sent
    other.apply_update(first)
    other.apply_update(withheld)
    before = other.get_state()
    del other.get("body", type=Text)[3:9]
    other.get("fields", type=Map)["mood"] = 3.0
    deletes = bytes(other.get_update(before))
    reader = Document(NOTE, "note")
    reader.apply(first)
    reader.apply(deletes)
    assert read(reader) == ("abc", 3.0)  # the structs applied; the range waits apart
    assert reader.waiting() != b"" and b"SECRET" not in reader.state()
    reader = Document.from_state(NOTE, "note", reader.state(), waiting=reader.waiting())
    reader.apply(withheld)
    assert read(reader) == ("abc", 3.0)
    assert reader.waiting() == b""


def test_what_waits_is_tried_again_only_when_the_clocks_it_waits_for_grow() -> None:
    """Updates that wait for ever (a member's, of clients whose first clocks never come) are
    each tried once, not again at every later update (rev-wn W5)."""
    waiting = [
        b"\x01\x01" + varuint(1_000 + n) + b"\x05\x04\x01" + _string("body") + _string("y")
        + b"\x00"
        for n in range(50)
    ]  # fmt: skip
    document = Document(NOTE, "note")
    for update in waiting:
        document.apply(update)
    tried = 0
    original = Document._lacks

    def counted(self: Document, walked: Any) -> Any:
        nonlocal tried
        tried += 1
        return original(self, walked)

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(Document, "_lacks", counted)
        document.change(texts={"body": "x"})
        document.apply(b"\x01\x01\x63\x00\x04\x01" + _string("body") + _string("z") + b"\x00")
    assert tried == 1  # the update applied; none of the 50 tried again
    assert document.text("body") in ("xz", "zx")


def test_a_waiting_value_stored_before_the_buffer_is_read_as_one_update() -> None:
    """A store of an SDK before the causal buffer held the state merged with what waited,
    and what waited (one update): read back, the state's pending part is dropped, what
    waited is offered again and applied once its clocks arrive."""
    writer: Doc[Any] = Doc(client_id=7)
    body = writer.get("body", type=Text)
    body.insert(0, "abc")
    first = bytes(writer.get_update())
    before = writer.get_state()
    body.insert(3, "def")
    second = bytes(writer.get_update(before))
    held: Doc[Any] = Doc(client_id=5)
    held.get("fields", type=Map)["title"] = "x"
    old_state = bytes(merge_updates(bytes(held.get_update()), second))
    document = Document.from_state(NOTE, "note", old_state, waiting=second)
    assert b"def" not in document.state()
    assert document.waiting() != second and document.waiting() != b""
    document.apply(first)
    assert (document.text("body"), document.field("title")) == ("abcdef", "x")
    assert document.waiting() == b""


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_what_yrs_writes_of_honest_documents_is_accepted_and_applies_at_once(
    data: st.DataObject,
) -> None:
    """Honest writers' updates merged (`merge_updates`, Yjs' mergeUpdates), a whole state
    (`get_update()`) and a diff against a state vector (`get_update(state_vector)`, Yjs'
    diffUpdate) are accepted, and apply at once where what they build on is held: the
    dependency rules never make an honest document wait or refuse it."""
    written = data.draw(histories())
    in_order = Document(NOTE, "note")
    for update in written:
        in_order.apply(update)
    merged = bytes(merge_updates(*written))
    for update in (merged, in_order.state(), *written):
        assert refusal(update) is None
        if update in written:
            continue
        fresh = Document(NOTE, "note")
        fresh.apply(update)
        assert fresh.waiting() == b"" and read(fresh) == read(in_order)
    held = data.draw(st.integers(min_value=0, max_value=len(written)))
    prefix = Document(NOTE, "note")
    for update in written[:held]:
        prefix.apply(update)
    diff = bytes(get_update(merged, prefix.state_vector()))
    assert refusal(diff) is None
    prefix.apply(diff)
    assert prefix.waiting() == b"" and read(prefix) == read(in_order)
