"""R16: attacks on the performance work of issue 10, against a real server on 127.0.0.1 with
real crypto (R16 finding 1: a document's first update decoded at receipt but applied only
when first read; it is applied at receipt again)."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map, Text, get_state

from client_sdk import IntegrityError
from tests.client.test_deep_updates import member_pushes
from tests.conftest import ClientFactory


def decodes_but_does_not_apply() -> bytes:
    """A note's update (a `fields` map holding a nested map, a `body` text) with one byte
    changed so that it still decodes (pycrdt.get_state takes it) but no document can apply
    it: a block's parent names an item that is not a type ("block parent ... must be
    deleted")."""
    doc: Doc[Any] = Doc()
    fields = doc.get("fields", type=Map)
    fields["created_at"] = 1
    fields["extra"] = Map({"a": "b"})
    doc.get("body", type=Text).insert(0, "A note that breaks the journal.")
    update = doc.get_update()
    for index in range(len(update)):
        for value in (1, 0, 2, 3):
            altered = bytearray(update)
            altered[index] = value
            candidate = bytes(altered)
            if candidate == update:
                continue
            try:
                get_state(candidate)
            except Exception:
                continue
            try:
                Doc().apply_update(candidate)
            except Exception:
                return candidate
    raise AssertionError("no such byte change found")


async def test_a_members_note_that_decodes_but_does_not_apply_is_refused_at_receipt(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A malicious annotating member (the server needs not even help) pushes a note whose
    update decodes but fails to apply: `Document.apply` applies it at receipt, so the
    record is refused there (a problem, nothing stored), and the owner's device still lists
    notes and exports (stored unapplied, it made every later read raise IntegrityError)."""
    doc_id = (await member_pushes(signup, decodes_but_does_not_apply())).doc_id

    phone = await login("ana")
    report = await phone.sync()
    refused = [p for p in report.problems if doc_id.hex() in p and "malformed update" in p]
    stored = await phone.store.document(doc_id)
    try:
        notes = [n.text for n in await phone.notes.list()]
        await phone.archive.export_json()  # the owner's export reads every document
    except IntegrityError as error:  # the device cannot read the journal's notes any more
        notes = [f"read failed: {error}"]
    assert refused, "the malformed record was accepted"
    assert stored is None
    assert notes == ["An honest note."]
