"""rev-perf12: attacks on issue 10's fast reading of a pulled document (43761c1), against a
real server on 127.0.0.1 with real crypto."""

from __future__ import annotations

from client_sdk.yjs_binary import new_document_update, varuint
from tests.client.test_deep_updates import member_pushes
from tests.conftest import ClientFactory


def deep_note(depth: int, key: str = "extra") -> bytes:
    """A note's update in exactly the canonical form `new_document_update` writes (one
    client from clock 0, keys then one text, an empty delete set), one of whose fields is
    an array nested `depth` deep: `read_new_document_update` reads it recursively."""
    honest = new_document_update(7, {"created_at": 1}, {"body": "A deep note."})
    assert honest is not None
    # honest: 01 <count=2> <client 7> 00 <field struct> <text struct> 00
    value = b"\x75\x01" * depth + b"\x7e"
    field = b"\x28\x01" + varuint(6) + b"fields" + varuint(len(key)) + key.encode() + b"\x01"
    head, structs = honest[:4], honest[4:-1]
    created = b"\x28\x01\x06fields\x0acreated_at\x01" + b"\x7c\x3f\x80\x00\x00"
    assert structs.startswith(created)
    return (
        b"\x01"
        + varuint(3)
        + head[2:4]
        + created
        + field
        + value
        + structs[len(created) :]
        + b"\x00"
    )


async def owner_pull_goes_on(login: ClientFactory) -> None:
    """A new device of ana's pulls (no RecursionError escapes) and reads her entry."""
    phone = await login("ana")
    try:
        await phone.sync()
    except RecursionError as error:
        raise AssertionError(f"the owner's pull crashed: {error!r}") from None
    entries = [e.body for e in await phone.entries.list()]
    assert entries == ["A private thought."]


async def test_a_members_deeply_nested_field_does_not_break_the_owners_pull(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A malicious annotating member pushes a note whose update is canonical but holds a
    field nested 1,500 arrays deep. pycrdt applies and reads it (5bee784: the owner's pull
    goes on); `read_new_document_update`'s recursive `_canonical_any` raises RecursionError,
    which escapes `Document.apply` (it catches only IntegrityError's causes), so every sync
    of every device of the journal's owner fails for ever."""
    await member_pushes(signup, deep_note(1500))
    await owner_pull_goes_on(login)


async def test_a_members_nested_removal_field_does_not_break_the_owners_pull(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The same with the field `deleted` nested 700 deep: `as_read_by_pycrdt` recurses
    too, on top of a pull's stack (pycrdt reads it without Python recursion)."""
    await member_pushes(signup, deep_note(700, "deleted"))
    await owner_pull_goes_on(login)
